import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { SCENARIOS } from '../local/scenarios';
import type { LocalStack } from '../local/stack';
import type { RealtimeProvider } from '../shared/providers';
import { elevenLabsServerMessage } from './support/contracts/elevenlabs';
import { novaSonicOutputProblems } from './support/contracts/nova-sonic';
import { agentsSdkServerEventSchema } from './support/contracts/openai';
import { initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

/**
 * Each fake was written from the same reading of its protocol as the adapter it tests; here what
 * the fakes put on the wire during whole calls (greeting, barge-in, tool calls, goodbye) is
 * checked against sources neither side wrote (docs/providers.md lists them). Gemini's messages
 * are checked at compile time: the fake types them as the SDK's `LiveServerMessage`.
 */

const sent: Record<RealtimeProvider, object[]> = { openai: [], gemini: [], elevenlabs: [], amazon_nova_sonic: [] };
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({
    overrides: SCENARIOS['book-meeting'].env,
    fakes: {
      openai: { onSend: (message) => sent.openai.push(message) },
      gemini: { onSend: (message) => sent.gemini.push(message) },
      elevenlabs: { onSend: (message) => sent.elevenlabs.push(message) },
      amazon_nova_sonic: { onSend: (message) => sent.amazon_nova_sonic.push(message) },
    },
  });
});
afterAll(async () => {
  await stack?.close();
});

const BARGE_IN_CALLEE = { utterances: ['Sorry to cut in, who is this?'], bargeIn: true, hangUpAfterAgentTurns: 2, maxCallMs: 60_000 };

/** A call that barges into the greeting, then one that books a meeting through four tool calls. */
async function callsThrough(provider: RealtimeProvider, number: number): Promise<void> {
  const bargeTo = `+1555779${String(number).padStart(4, '0')}`;
  const bookTo = `+1555779${String(number + 1).padStart(4, '0')}`;
  stack.twilio!.setBehaviour(bargeTo, { kind: 'answer', callee: BARGE_IN_CALLEE });
  stack.twilio!.setBehaviour(bookTo, SCENARIOS['book-meeting'].behaviour);
  const barge = uniqueId(`wire-barge-${provider}`);
  const book = uniqueId(`wire-book-${provider}`);
  // Side by side: the check reads every message either call put on the wire.
  await Promise.all([initiate(stack, { callbackId: barge, to: bargeTo, provider }), initiate(stack, { callbackId: book, to: bookTo, provider, ...SCENARIOS['book-meeting'].request })]);
  const [, { detail }] = await Promise.all([waitForEvent(stack, barge), waitForEvent(stack, book, 90_000)]);
  expect(detail.toolCalls.length, 'the call made its tool calls').toBeGreaterThan(0);
}

function schemaProblems(schema: ZodType, messages: readonly object[]): string[] {
  return messages.flatMap((message) => {
    const parsed = schema.safeParse(message);
    if (parsed.success) return [];
    const type = (message as { type?: unknown }).type;
    return [`${String(type)}: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}`];
  });
}

describe('what the fakes send, against the providers’ own schemas', () => {
  it('OpenAI: every server event passes the Agents SDK’s realtimeServerEventSchema', async () => {
    await callsThrough('openai', 1);
    const schema = await agentsSdkServerEventSchema();
    expect(sent.openai.length).toBeGreaterThan(50);
    expect(schemaProblems(schema, sent.openai)).toEqual([]);
  });

  it('ElevenLabs: every message matches the published Agents contract', async () => {
    await callsThrough('elevenlabs', 11);
    const types = new Set(sent.elevenlabs.map((message) => (message as { type: string }).type));
    expect([...types]).toEqual(expect.arrayContaining(['conversation_initiation_metadata', 'audio', 'agent_response', 'user_transcript', 'client_tool_call', 'ping']));
    expect(schemaProblems(elevenLabsServerMessage, sent.elevenlabs)).toEqual([]);
  });

  it('Nova Sonic: the output events read as the Bedrock samples read them', async () => {
    await callsThrough('amazon_nova_sonic', 21);
    expect(sent.amazon_nova_sonic.some((event) => 'toolUse' in ((event as { event: object }).event ?? {}))).toBe(true);
    expect(novaSonicOutputProblems(sent.amazon_nova_sonic)).toEqual([]);
  });
});
