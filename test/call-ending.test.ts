import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentScript } from '../local/fake-openai/scripts';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { eventsFor, getCall, initiate, postJson, startTestStack, uniqueId, waitForEvent } from './support/stack';

/**
 * Ending a call while the agent is still talking: the goodbye the bridge asks for must be the
 * response whose end it waits for, not the end of the response it cut short.
 */
const MONOLOGUE = `Hello, this is Ava from Northwind. ${'Let me tell you everything about our new offers, one by one, in detail. '.repeat(6)}`;
const GOODBYE = 'I am sorry, I have to go now. Someone will be in touch. Goodbye!';
/** Instructions for an agent that says a long goodbye at once and ends the call itself. */
const ENDS_AT_ONCE = 'End the call at once.';
const LONG_GOODBYE = `Thank you for your time today. ${'We will send you everything we discussed, in writing, very soon. '.repeat(3)}Goodbye!`; // The longest a voice-coded utterance carries (255 bytes).

/** The bridge's cue: OpenAI takes it as the response's instructions, the others as the caller's text. */
const ENDING = /this call has to end/i;

const agent: AgentScript = {
  next({ trigger, instructions, history }) {
    if (ENDING.test(instructions) || ENDING.test(history.at(-1)?.text ?? '')) return { say: GOODBYE, end: true };
    if (trigger === 'greeting' && instructions === ENDS_AT_ONCE) return { say: LONG_GOODBYE, end: true, andCall: { name: 'end_call', arguments: {} } };
    if (trigger === 'greeting') return { say: MONOLOGUE };
    return undefined;
  },
};

let stack: LocalStack;
beforeAll(async () => {
  // Generated as fast as it plays, the agent is still talking whenever the call is ended; and, as
  // with a real model, a response's first audio comes a moment after it was asked for.
  const pacing = { audioChunkIntervalMs: 100, responseDelayMs: 400 };
  stack = await startTestStack({ agent, fakes: { openai: pacing, gemini: pacing, elevenlabs: { audioChunkIntervalMs: 100 } } });
});
afterAll(async () => {
  await stack?.close();
});

let lastNumber = 0;
const silentCallee = () => {
  const to = `+1555887${String(++lastNumber).padStart(4, '0')}`;
  stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: [], stayOnLine: true, maxCallMs: 60_000 } });
  return to;
};

describe('a goodbye asked for while a response is being generated', () => {
  it.each(['openai', 'gemini', 'elevenlabs'] as const)('%s: a cancel mid-answer cuts the answer; the goodbye is said and heard whole, then the call hangs up', async (provider) => {
    const callbackId = uniqueId(`cancel-mid-answer-${provider}`);
    const res = await initiate(stack, { callbackId, to: silentCallee(), provider });
    expect(res.status).toBe(200);
    // The callee hears the first of the agent's answer: it is being generated.
    await waitFor(async () => (stack.twilio!.calls.find((c) => c.sid === res.body.callSid)?.streams[0]?.framesReceived ?? 0) > 0);
    expect((await postJson(stack, `/calls/${callbackId}/cancel`, {})).status).toBe(202);

    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 60_000));
    expect(event.detail).toMatchObject({ outcome: 'completed', endReason: 'canceled' });
    const turns = (await getCall(stack, callbackId)).body.transcript.filter((t: { role: string }) => t.role === 'assistant');
    expect(turns.at(-1)?.text).toBe(GOODBYE);
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(sim.updates.map((u) => u.outcome)).toEqual(['hangup']);
    // The callee decodes an utterance only once all of it has played: the hang-up came after the whole goodbye.
    expect(sim.streams[0]!.heard.at(-1)).toBe(GOODBYE);
  }, 90_000);
});

describe('a cancel while the agent’s own goodbye plays (end_call)', () => {
  it('nothing cuts the goodbye: it plays whole, then the agent hangs up', async () => {
    const fake = stack.fakes.openai!;
    // Generated five times faster than it plays: end_call comes while most of the goodbye is still to play.
    fake.configure({ audioChunkIntervalMs: 20 });
    try {
      const callbackId = uniqueId('cancel-during-end-call');
      const res = await initiate(stack, { callbackId, to: silentCallee(), instructions: ENDS_AT_ONCE });
      await waitFor(async () => (fake.stats.sessions.find((s) => s.instructions.startsWith(ENDS_AT_ONCE))?.toolCallsIssued ?? 0) > 0);
      expect((await postJson(stack, `/calls/${callbackId}/cancel`, {})).status).toBe(202);

      const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 60_000));
      expect(event.detail).toMatchObject({ outcome: 'completed', endReason: 'agent_hangup' });
      const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
      expect(sim.streams[0]!.clearsReceived, 'the goodbye was not cleared').toBe(0);
      expect(sim.streams[0]!.heard.at(-1)).toBe(LONG_GOODBYE);
      expect(sim.updates.map((u) => u.outcome)).toEqual(['hangup']);
    } finally {
      fake.configure({ audioChunkIntervalMs: 100 });
    }
  }, 90_000);
});

describe('Twilio’s status callbacks around the agent’s hang-up', () => {
  it('each delivered twice and pairwise out of order: one completion, ended by the agent, with the whole goodbye', async () => {
    const to = `+1555887${String(++lastNumber).padStart(4, '0')}`;
    stack.twilio!.setBehaviour(to, {
      kind: 'answer',
      duplicateCallbacks: true,
      reorderCallbacks: true,
      callee: { utterances: [], stayOnLine: true, maxCallMs: 60_000 },
    });
    const callbackId = uniqueId('hang-up-callbacks');
    const res = await initiate(stack, { callbackId, to, instructions: ENDS_AT_ONCE });
    const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 60_000));
    expect(event.detail).toMatchObject({ outcome: 'completed', endReason: 'agent_hangup', transcriptComplete: true, error: null });
    expect(event.detail.transcript.at(-1)).toMatchObject({ role: 'assistant', text: LONG_GOODBYE });
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    await waitFor(async () => sim.statusCallbacks.filter((c) => c.callStatus === 'completed').every((c) => c.responseStatus !== undefined));
    expect(sim.statusCallbacks.filter((c) => c.callStatus === 'completed').length, 'the end was reported twice').toBeGreaterThanOrEqual(2);
    expect(eventsFor(stack, callbackId).filter((e) => e['detail-type'] === 'Call Completed')).toHaveLength(1);
    expect((await getCall(stack, callbackId)).body.call).toMatchObject({ status: 'completed', endReason: 'agent_hangup' });
  }, 90_000);
});

describe('the model drops while the call is ending (OpenAI)', () => {
  // The call's first session drops right after its Nth response: the answer the cancel cuts (1), or the goodbye (2).
  it.each([
    { when: 'before its goodbye was generated: the session replacing it says the goodbye, and the call hangs up after it', dropAfterResponses: 1, replaced: 1 },
    { when: 'after its goodbye was generated: no new session; the goodbye plays out and the call hangs up', dropAfterResponses: 2, replaced: 0 },
  ])('$when', async ({ dropAfterResponses, replaced }) => {
    const fake = stack.fakes.openai!;
    fake.configure({ dropAfterResponses, faultySessions: fake.stats.connectionsOpened + 1 });
    try {
      const callbackId = uniqueId(`drop-after-${dropAfterResponses}`);
      const res = await initiate(stack, { callbackId, to: silentCallee() });
      await waitFor(async () => (stack.twilio!.calls.find((c) => c.sid === res.body.callSid)?.streams[0]?.framesReceived ?? 0) > 0);
      const sessionsBefore = fake.stats.connectionsOpened;
      expect((await postJson(stack, `/calls/${callbackId}/cancel`, {})).status).toBe(202);

      const event = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId, 60_000));
      expect(event.detail).toMatchObject({ outcome: 'completed', endReason: 'canceled', error: null });
      expect(fake.stats.connectionsOpened, 'sessions that replaced the one that dropped').toBe(sessionsBefore + replaced);
      const turns = (await getCall(stack, callbackId)).body.transcript.filter((t: { role: string }) => t.role === 'assistant');
      expect(turns.at(-1)?.text).toBe(GOODBYE);
      const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
      expect(sim.updates.map((u) => u.outcome)).toEqual(['hangup']);
      expect(sim.streams[0]!.heard.at(-1)).toBe(GOODBYE);
    } finally {
      fake.configure({ dropAfterResponses: undefined, faultySessions: undefined });
    }
  }, 90_000);
});

async function waitFor(probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
