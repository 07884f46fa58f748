import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scenarioMarker } from '../local/scenario-scripts';
import type { LocalStack } from '../local/stack';
import { startToolServer, type ToolAnswer, type ToolServer } from '../local/tool-server';
import { callCompletedEventSchema } from '../shared/events';
import { signWebhook, verifyWebhook } from '../shared/webhook-signing';
import { getCall, initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

/**
 * Per-call HTTP tools on whole simulated calls: the fake agent (scenario custom-tool) calls the
 * call's first own tool with what the callee asked; a local tool server checks the Standard
 * Webhooks signature and answers as each test says.
 */

const QUESTION = 'Where is my order 4417?';
const ANSWERS: Record<string, ToolAnswer> = {
  '/ok': { json: { status: 'shipped', arrives: 'Friday' } },
  '/error': { status: 503, json: { message: 'down for maintenance' } },
  '/slow': { delayMs: 3_000, json: { status: 'late' } },
  '/not-json': { raw: '<html>gateway error</html>' },
  '/too-large': { json: { blob: 'x'.repeat(20_000) } },
};

let stack: LocalStack;
let tools: ToolServer;
beforeAll(async () => {
  stack = await startTestStack();
  tools = await startToolServer({ secret: stack.config.WEBHOOK_SIGNING_SECRET!, answer: (_request, path) => ANSWERS[path] ?? { status: 404 } });
});
afterAll(async () => {
  await tools?.close();
  await stack?.close();
});

const lookupOrder = (path: string, timeoutMs = 5_000) => ({
  name: 'lookup_order',
  description: "Looks up one of the callee's orders.",
  parameters: { type: 'object', properties: { question: { type: 'string' } }, required: ['question'], additionalProperties: false },
  url: `${tools.url}${path}`,
  timeoutMs,
});

async function callWithTool(to: string, path: string, extra: Record<string, unknown> = {}, timeoutMs?: number) {
  stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [QUESTION], stayOnLine: true, maxCallMs: 60_000 } });
  const callbackId = uniqueId('custom-tool');
  const res = await initiate(stack, {
    callbackId,
    to,
    instructions: `${scenarioMarker('custom-tool')} Your name is Ava.`,
    tools: [lookupOrder(path, timeoutMs)],
    ...extra,
  });
  expect(res.status).toBe(200);
  const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
  const stored = (await getCall(stack, callbackId)).body;
  const received = tools.received.filter((r) => r.body?.callbackId === callbackId);
  return { callbackId, callSid: res.body.callSid as string, detail, stored, received };
}

describe.concurrent('a per-call tool the agent calls', () => {
  it.each(['openai', 'gemini', 'amazon_nova_sonic'] as const)('through %s: signed request, JSON answer given to the model and spoken, call recorded', async (provider) => {
    const { callbackId, callSid, detail, stored, received } = await callWithTool(`+1555775100${provider.length}`, '/ok', { provider });

    expect(received).toHaveLength(1);
    expect(received[0]!.verified).toBe(true);
    expect(received[0]!.headers['webhook-id']).toMatch(/^msg_/);
    expect(received[0]!.body).toEqual({ callbackId, callSid, tool: 'lookup_order', arguments: { question: QUESTION } });

    expect(detail.toolCalls.map(({ name, ok }) => ({ name, ok }))).toEqual([
      { name: 'lookup_order', ok: true },
      { name: 'end_call', ok: true },
    ]);
    expect(stored.toolCalls[0]).toMatchObject({ name: 'lookup_order', arguments: { question: QUESTION }, result: { status: 'shipped', arrives: 'Friday' } });
    expect(detail.transcript.at(-1)).toMatchObject({ role: 'assistant', text: 'Here is what I found: status shipped, arrives Friday. Goodbye!' });
  });

  it.each([
    ['an HTTP error', '/error', undefined, 'The lookup_order service answered with an error (HTTP 503)'],
    ['a timeout', '/slow', 500, 'lookup_order did not finish within 0.5 seconds'],
    ['an answer that is not JSON', '/not-json', undefined, "The lookup_order service's answer could not be understood"],
    ['an answer over 16 KB', '/too-large', undefined, "The lookup_order service's answer was too large to use"],
  ])('turns %s into a sentence the agent says, and records the error', async (_name, path, timeoutMs, sentence) => {
    const { detail, stored } = await callWithTool(`+155577520${path.length}`, path, {}, timeoutMs);
    expect(detail.toolCalls[0]).toMatchObject({ name: 'lookup_order', ok: false });
    expect(stored.toolCalls[0]!.error).toContain(sentence);
    expect(detail.transcript.at(-1)).toMatchObject({ role: 'assistant', text: `Sorry. ${sentence}. Goodbye!` });
    expect(detail.outcome).toBe('completed');
  });
});

describe('Standard Webhooks signatures', () => {
  it('verify with the shared secret and fail with another secret or a changed body', () => {
    const secret = `whsec_${Buffer.from('a'.repeat(24)).toString('base64')}`;
    const body = JSON.stringify({ tool: 'lookup_order' });
    const headers = signWebhook(secret, body);
    expect(verifyWebhook(secret, body, headers)).toEqual({ tool: 'lookup_order' });
    expect(() => verifyWebhook(`whsec_${Buffer.from('b'.repeat(24)).toString('base64')}`, body, headers)).toThrow();
    expect(() => verifyWebhook(secret, body.replace('lookup', 'delete'), headers)).toThrow();
  });
});
