import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentScript } from '../local/fake-openai/scripts';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { getCall, initiate, postJson, startTestStack, uniqueId, waitForEvent } from './support/stack';

/**
 * Speaks whenever asked to; after the callee's first answer says goodbye and ends the call
 * itself. Providers without per-response instructions (Gemini, ElevenLabs, Nova Sonic) pass the bridge's
 * cue as text input, which reaches the script as a user turn: it is answered, not ended on.
 */
const agent: AgentScript = {
  next({ trigger, history }) {
    const said = history.filter((entry) => entry.role === 'user').at(-1)?.text ?? '';
    if (trigger === 'user' && /the caller|this call has to end/i.test(said)) return { say: 'Are you still there?' };
    if (trigger === 'user') return { say: 'Thank you. Goodbye!', end: true, andCall: { name: 'end_call', arguments: { reason: 'done' } } };
    if (trigger === 'greeting') return { say: 'Hello, this is Ava from Northwind. Are you there?' };
    return undefined;
  },
};

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ agent });
});
afterAll(async () => {
  await stack?.close();
});

let lastNumber = 0;
const silentCallee = () => {
  const to = `+1555888${String(++lastNumber).padStart(4, '0')}`;
  stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [], stayOnLine: true, maxCallMs: 60_000 } });
  return to;
};
const assistantTurns = async (callbackId: string) =>
  (await getCall(stack, callbackId)).body.transcript.filter((t: { role: string }) => t.role === 'assistant') as Array<{ at: string; text: string }>;

describe('silence timeout', () => {
  it.each(['openai', 'gemini', 'elevenlabs'] as const)('%s: a silent callee is asked once, then hears goodbye and the call ends silence_timeout', async (provider) => {
    const callbackId = uniqueId(`silence-${provider}`);
    const res = await initiate(stack, { callbackId, to: silentCallee(), provider, silenceTimeoutSeconds: 5 });
    expect(res.status).toBe(200);
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 60_000));
    expect(event.detail).toMatchObject({ outcome: 'completed', endReason: 'silence_timeout' });
    const turns = await assistantTurns(callbackId);
    expect(turns.length, 'greeting, the check, the goodbye').toBe(3);
    const checkAfterGreeting = Date.parse(turns[1]!.at) - Date.parse(turns[0]!.at);
    expect(checkAfterGreeting).toBeGreaterThanOrEqual(5_000);
    const goodbyeAfterCheck = Date.parse(turns[2]!.at) - Date.parse(turns[1]!.at);
    expect(goodbyeAfterCheck).toBeGreaterThanOrEqual(2_500);
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(sim.updates.map((u) => u.outcome)).toContain('hangup');
    // The hang-up waited for the goodbye's response to be done and played: the callee heard it whole.
    expect(sim.streams[0]!.heard.at(-1)).toBe(turns[2]!.text);
  }, 90_000);

  it('a callee who answers is not hung up on: the agent ends the call itself (agent_hangup)', async () => {
    const to = `+1555888${String(++lastNumber).padStart(4, '0')}`;
    stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: ['Yes, I am here.'], stayOnLine: true, maxCallMs: 60_000 } });
    const callbackId = uniqueId('agent-ends');
    await initiate(stack, { callbackId, to, silenceTimeoutSeconds: 5 });
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 60_000));
    expect(event.detail.endReason).toBe('agent_hangup');
    expect((await getCall(stack, callbackId)).body.call.endReason).toBe('agent_hangup');
  }, 90_000);
});

describe('cancel of a live call', () => {
  it('the agent says a short goodbye, then the call hangs up and ends canceled', async () => {
    const callbackId = uniqueId('live-cancel');
    const res = await initiate(stack, { callbackId, to: silentCallee() });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');
    await waitFor(async () => (await assistantTurns(callbackId)).length === 1);
    const canceledAt = Date.now();
    const cancel = await postJson(stack, `/calls/${callbackId}/cancel`, {});
    expect(cancel.status).toBe(202);
    expect(cancel.body).toMatchObject({ status: 'in-progress', cancel: { immediate: false } });
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 60_000));
    expect(event.detail).toMatchObject({ outcome: 'completed', endReason: 'canceled' });
    const turns = await assistantTurns(callbackId);
    expect(turns, 'greeting, then the goodbye').toHaveLength(2);
    expect(Date.parse(turns[1]!.at)).toBeGreaterThanOrEqual(canceledAt);
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(sim.updates.map((u) => u.outcome)).toEqual(['hangup']);
    expect((await postJson(stack, `/calls/${callbackId}/cancel`, {})).status, 'repeating it after the end').toBe(200);
  }, 90_000);
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
