import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../local/stack';
import { initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ media: { pingIntervalMs: 100 } });
});
afterAll(async () => {
  await stack?.close();
});

describe('idle Media Streams', () => {
  it('are pinged while the call lasts, and Twilio answers without the call noticing', async () => {
    const callbackId = uniqueId('ping');
    const to = '+15557774001';
    stack.twilio!.setBehaviour(to, { kind: 'answer', callee: { utterances: ['Hello?', 'Sure.'], hangUpAfterAgentTurns: 3, maxCallMs: 60_000 } });
    const { body } = await initiate(stack, { callbackId, to });
    const call = await stack.twilio!.waitForCall(body.callSid, 'streaming');
    const stream = call.streams[0]!;
    await vi.waitFor(() => expect(stream.pingsReceived).toBeGreaterThanOrEqual(3), { timeout: 20_000, interval: 20 });

    const { detail } = await waitForEvent(stack, callbackId);
    expect(detail).toMatchObject({ transcriptComplete: true, error: null });
  }, 60_000);
});
