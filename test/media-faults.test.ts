import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../local/stack';
import { callCounts } from '../media-service/telemetry';
import { callCompletedEventSchema } from '../shared/events';
import { callWithOwnStreamToken, openRawStream } from './support/raw-stream';
import { getCall, initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

describe('the model connection drops mid-call', () => {
  describe('once', () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startTestStack({ fakes: { openai: { dropAfterResponses: 1, faultySessions: 1 } } });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('reconnects once with the conversation so far, and the call carries on', async () => {
      const callbackId = uniqueId('drop-once');
      await initiate(stack, { callbackId, to: '+15557772002' });
      const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
      expect(detail).toMatchObject({ transcriptComplete: true, error: null, outcome: 'completed' });
      const roles = detail.transcript.map((t) => t.role);
      expect(roles.slice(roles.indexOf('user')), 'the conversation went on after the reconnect').toContain('assistant');
      const [first, second] = stack.fakes.openai!.stats.sessions;
      expect(first!.closedBy).toBe('fault');
      expect(second!.instructions).toContain('The conversation so far');
      expect(second!.instructions).toContain(detail.transcript[0]!.text);
    });
  });

  describe('and again after the reconnect', () => {
    let stack: LocalStack;
    beforeAll(async () => {
      stack = await startTestStack({ fakes: { openai: { dropAfterResponses: 1 } } });
    });
    afterAll(async () => {
      await stack?.close();
    });

    it('ends the call cleanly with an apology, keeps the partial transcript and says so in the event', async () => {
      const callbackId = uniqueId('drop');
      const res = await initiate(stack, { callbackId, to: '+15557772001' });
      const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
      expect(detail.transcriptComplete).toBe(false);
      expect(detail.error).toMatchObject({ code: 'model_disconnected' });
      expect(detail.error!.message).toContain('after one reconnect');
      expect(detail.transcript[0]).toMatchObject({ role: 'assistant' });
      expect(detail.outcome).toBe('completed');
      expect(stack.fakes.openai!.stats.sessions).toHaveLength(2);
      const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
      expect(sim.streams[0]!.endReason).toBe('server-closed');
      const executed = sim.twiml[0]!.executed.map((step) => step.verb);
      expect(executed, 'Twilio carried on with the apology after </Connect>').toEqual(expect.arrayContaining(['Say', 'Hangup']));
      const stored = await getCall(stack, callbackId);
      expect(stored.body.transcript).toEqual(detail.transcript);
    });
  });
});

describe('many calls at once', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // Real time: twenty callees at four times the speed would be eighty real-time streams on a small machine.
    stack = await startTestStack({ timeScale: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('20 concurrent calls: each event carries only its own conversation', async () => {
    const calls = Array.from({ length: 20 }, (_, i) => {
      const to = `+1555888${String(i).padStart(4, '0')}`;
      const utterances = [`This is caller number ${i}.`, `My favourite number is ${i * 7}.`];
      stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances, hangUpAfterAgentTurns: 3, maxCallMs: 80_000 } });
      return { callbackId: uniqueId(`many${i}`), to, utterances };
    });
    await Promise.all(calls.map((call) => initiate(stack, { callbackId: call.callbackId, to: call.to })));
    const events = await Promise.all(calls.map((call) => waitForEvent(stack, call.callbackId, 120_000)));
    events.forEach(({ detail }, i) => {
      const userLines = detail.transcript.filter((t: { role: string }) => t.role === 'user').map((t: { text: string }) => t.text);
      expect(userLines).toEqual(calls[i]!.utterances);
      expect(detail.transcriptComplete).toBe(true);
      const agentLines = detail.transcript.filter((t: { role: string }) => t.role === 'assistant').map((t: { text: string }) => t.text);
      expect(agentLines.join(' ')).toContain(calls[i]!.utterances[0]);
    });
  }, 180_000);
});

describe('draining', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses new streams with 503 while live calls finish, then resolves', async () => {
    const callbackId = uniqueId('drain');
    const res = await initiate(stack, { callbackId, to: '+15557773001' });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');
    const drained = stack.media!.drain(60_000);
    const health = await fetch(`${stack.mediaUrl.replace('ws:', 'http:')}/health`);
    expect(health.status, '/health is liveness: a draining task is alive').toBe(200);
    expect(await health.json()).toMatchObject({ status: 'draining', draining: true, activeCalls: 1 });
    expect(await openRawStream(stack, callbackId).refused).toBe(503);
    const cutBefore = callCounts.cutByDrain;
    await drained;
    const { detail } = await waitForEvent(stack, callbackId);
    expect(detail.transcriptComplete).toBe(true);
    expect(stack.media!.activeCalls()).toBe(0);
    expect(callCounts.cutByDrain, 'the call ended by itself').toBe(cutBefore);
  });
});

describe('a drain that outlasts its timeout', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('ends the calls still live, counts them as cut by drain, and each still gets its event', async () => {
    const to = '+15557773101';
    stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: ['Take your time.'], maxCallMs: 600_000 } });
    const callbackId = uniqueId('cut');
    const res = await initiate(stack, { callbackId, to });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');
    const cutBefore = callCounts.cutByDrain;
    await stack.media!.drain(50);
    expect(callCounts.cutByDrain - cutBefore).toBe(1);
    expect(stack.media!.activeCalls()).toBe(0);
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(sim.streams[0]!.endReason).toBe('server-closed');
    expect((await waitForEvent(stack, callbackId)).detail.callbackId).toBe(callbackId);
  });
});

describe('per-task call cap', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    stack = await startTestStack({ overrides: { MAX_CALLS_PER_TASK: '1' } });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses a stream above MAX_CALLS_PER_TASK with 503 and counts it, stays healthy, and admits again once a call ends', async () => {
    const waiting = await callWithOwnStreamToken(stack);
    const to = '+15557773201';
    stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: ['Hello?'], hangUpAfterAgentTurns: 2 } });
    const callbackId = uniqueId('cap');
    const res = await initiate(stack, { callbackId, to });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');

    const refusedBefore = callCounts.refusedAtCap;
    expect(await openRawStream(stack, waiting.callbackId).refused).toBe(503);
    expect(callCounts.refusedAtCap - refusedBefore).toBe(1);
    const health = await fetch(`${stack.mediaUrl.replace('ws:', 'http:')}/health`);
    expect(health.status, 'a full task is alive, not unhealthy').toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', activeCalls: 1, maxCalls: 1 });

    await waitForEvent(stack, callbackId);
    await vi.waitFor(() => expect(stack.media!.activeCalls()).toBe(0), { timeout: 10_000, interval: 20 });
    const again = openRawStream(stack, waiting.callbackId);
    expect(await again.refused, 'below the cap the upgrade is accepted').toBeUndefined();
    again.ws.close();
    expect(callCounts.refusedAtCap - refusedBefore).toBe(1);
  });
});
