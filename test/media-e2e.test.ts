import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../local/stack';
import { DEFAULT_CALLEE } from '../local/scenarios';
import { callCompletedEventSchema } from '../shared/events';
import { eventsFor, getCall, initiate, postSignedForm, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

describe('a whole simulated call', () => {
  it('ends in one event with the conversation in order, a summary, the callSid and the metadata; the store agrees', async () => {
    const callbackId = uniqueId('e2e');
    const res = await initiate(stack, {
      callbackId,
      to: '+15557770001',
      instructions: 'Your name is Ava. You are calling {{name}}.',
      variables: { name: 'Sam' },
      metadata: { orderId: 'A-17', tags: ['vip'] },
    });
    expect(res.status).toBe(200);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));

    const roles = detail.transcript.map((turn) => turn.role);
    expect(roles.filter((r) => r === 'user').length).toBeGreaterThanOrEqual(2);
    expect(roles.filter((r) => r === 'assistant').length).toBeGreaterThanOrEqual(2);
    expect(roles[0]).toBe('assistant');
    expect(detail.transcript[0]!.text).toContain('Ava');
    const userLines = detail.transcript.filter((t) => t.role === 'user').map((t) => t.text);
    expect(userLines).toEqual(DEFAULT_CALLEE.utterances);
    const times = detail.transcript.map((t) => Date.parse(t.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(detail).toMatchObject({
      callSid: res.body.callSid,
      outcome: 'completed',
      transcriptComplete: true,
      metadata: { orderId: 'A-17', tags: ['vip'] },
      provider: 'openai',
      error: null,
    });
    expect(detail.summary).toEqual(expect.stringContaining(DEFAULT_CALLEE.utterances[0]!));
    expect(detail.durationSeconds).toBeGreaterThan(0);

    const stored = await getCall(stack, callbackId);
    expect(stored.body.transcript).toEqual(detail.transcript);
    expect(stored.body.call.summary).toBe(detail.summary);

    const heard = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!.heard;
    expect(heard[0]).toBe(detail.transcript[0]!.text);
    const session = stack.fakes.openai!.stats.sessions.find((s) => s.instructions.includes('calling Sam'));
    expect(session, 'the model got the rendered instructions').toBeDefined();
    expect(session).toMatchObject({ inputFormat: { type: 'audio/pcmu' }, outputFormat: { type: 'audio/pcmu' } });
  });
});

describe('the completion join', () => {
  it('a terminal status before the stream closes still gives exactly one event, after the stream', async () => {
    const callbackId = uniqueId('join');
    const res = await initiate(stack, { callbackId, to: '+15557770003' });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');
    // The simulator has sent its `start`; the status must come once the media service has claimed the stream with it.
    await vi.waitFor(async () => expect((await stack.deps.store.get(callbackId))?.streamStartedAt).toBeDefined(), { timeout: 10_000, interval: 50 });
    const early = await postSignedForm(stack, `/webhooks/call-status?callbackId=${callbackId}`, {
      CallSid: res.body.callSid,
      CallStatus: 'completed',
      SequenceNumber: '50',
      CallDuration: '9',
    });
    expect(early.status).toBe(204);
    // The status was handled (204) while the stream is still live: had it completed the call, the event would be out.
    expect(stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!.endedAt).toBeUndefined();
    expect(eventsFor(stack, callbackId), 'no event while the stream is live').toHaveLength(0);
    const { detail } = await waitForEvent(stack, callbackId);
    expect(detail.transcript.length).toBeGreaterThanOrEqual(1);
    // Every webhook of the call has been answered: nothing is left that could complete it again.
    await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
  });

  it('a stream that closes before the terminal status gives exactly one event, after the status', async () => {
    stack.twilio!.setBehaviour('+15557770004', { kind: 'answer', callee: { utterances: [], hangUpAfterAgentTurns: 1, maxCallMs: 30_000 } });
    const callbackId = uniqueId('join');
    const res = await initiate(stack, { callbackId, to: '+15557770004' });
    const ended = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    const completed = ended.statusCallbacks.find((cb) => cb.callStatus === 'completed')!;
    const { detail } = await waitForEvent(stack, callbackId);
    expect(Date.parse(detail.endedAt!)).toBeLessThanOrEqual(completed.sentAt + 1000);
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
  });
});
