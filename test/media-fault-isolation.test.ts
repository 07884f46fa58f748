import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema } from '../shared/events';
import { initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

const CALLS = 12;

describe('one call that breaks among many', () => {
  let stack: LocalStack;
  beforeAll(async () => {
    // The first model session gets one event the Agents SDK cannot parse (its zod parse throws in its socket handler).
    // Real time: twelve callees at four times the speed would be 48 real-time streams, which starve a small busy machine.
    stack = await startTestStack({ fakes: { openai: { malformedItemAfterResponses: 1, faultySessions: 1 } }, timeScale: 1 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`${CALLS} concurrent calls, an unparseable model event on one: that call ends with its transcript so far, the rest finish normally`, async () => {
    const calls = Array.from({ length: CALLS }, (_, i) => {
      const to = `+1555889${String(i).padStart(4, '0')}`;
      const utterances = [`This is caller number ${i}.`, `My favourite number is ${i * 7}.`];
      stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances, hangUpAfterAgentTurns: 3, maxCallMs: 80_000 } });
      return { callbackId: uniqueId(`iso${i}`), to, utterances };
    });
    await Promise.all(calls.map((call) => initiate(stack, { callbackId: call.callbackId, to: call.to })));
    const events = await Promise.all(calls.map((call) => waitForEvent(stack, call.callbackId, 150_000).then((e) => callCompletedEventSchema.parse(e).detail)));

    expect(stack.fakes.openai!.stats.sessions.reduce((n, s) => n + s.malformedEventsSent, 0)).toBe(1);
    const broken = events.filter((detail) => detail.error !== null);
    expect(broken).toHaveLength(1);
    const [faulted] = broken;
    expect(faulted).toMatchObject({ transcriptComplete: false, endReason: 'error', error: { code: 'internal_error' } });
    expect(faulted!.transcript[0]).toMatchObject({ role: 'assistant' });

    const healthy = events.filter((detail) => detail.error === null);
    expect(healthy).toHaveLength(CALLS - 1);
    for (const detail of healthy) {
      const call = calls.find((c) => c.callbackId === detail.callbackId)!;
      expect(detail.transcriptComplete).toBe(true);
      expect(detail.transcript.filter((t) => t.role === 'user').map((t) => t.text)).toEqual(call.utterances);
    }
    const health = await fetch(`${stack.mediaUrl.replace('ws:', 'http:')}/health`);
    expect(health.status).toBe(200);
    await vi.waitFor(() => expect(stack.media!.activeCalls()).toBe(0), { timeout: 10_000 });
  }, 200_000);
});
