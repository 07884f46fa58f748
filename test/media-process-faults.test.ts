import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildDeps } from '../functions/lib/deps';
import { createSweeper } from '../functions/sweeper';
import { exited, freePort, startMediaProcess } from '../local/media-process';
import type { LocalStack } from '../local/stack';
import type { CalleeScript } from '../local/twilio-sim';
import { callCompletedEventSchema } from '../shared/events';
import { createTwilioClient } from '../shared/twilio-client';
import { openRawStream } from './support/raw-stream';
import { eventsFor, getCall, initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

/**
 * A callee who stays on the line after the conversation until `maxCallMs` (on the call's clock):
 * still there while the media process is killed or drained, however fast or slow the machine.
 */
const STAYING_CALLEE: CalleeScript = { utterances: ['Yes, this is Sam.', 'Tuesday works for me.'], stayOnLine: true, maxCallMs: 40_000 };

describe('the media process dies or is stopped', () => {
  let stack: LocalStack;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    stack = await startTestStack({ externalMediaUrl: `ws://127.0.0.1:${port}` });
  });
  let media: ChildProcess | undefined;
  // A test that fails while its media process still runs must not leave it holding the port.
  afterEach(async () => {
    if (media && media.exitCode === null && media.signalCode === null) {
      media.kill('SIGKILL');
      await exited(media);
    }
    media = undefined;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('SIGKILL mid-call: the sweeper completes the call from the persisted turns, transcriptComplete false, one event', async () => {
    media = await startMediaProcess(stack.env, port);
    const callbackId = uniqueId('sigkill');
    stack.twilio!.setBehaviour('+15557774201', { kind: 'answer', callee: { ...STAYING_CALLEE, maxCallMs: 120_000 } });
    const res = await initiate(stack, { callbackId, to: '+15557774201' });
    await stack.twilio!.waitForCall(res.body.callSid, 'streaming');
    await waitUntilTurns(stack, callbackId, 2);
    media.kill('SIGKILL');
    await exited(media);
    await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(eventsFor(stack, callbackId), 'no event while the media half is missing').toHaveLength(0);

    const later = new Date(Date.now() + 2 * 3600_000);
    const sweep = createSweeper(buildDeps(stack.config, stack.env, { now: () => later, twilioFactory: createTwilioClient }));
    expect((await sweep()).actions['complete-lost-media']).toBe(1);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail).toMatchObject({ transcriptComplete: false, error: { code: 'media_lost' }, outcome: 'completed' });
    expect(detail.transcript.length).toBeGreaterThanOrEqual(2);
    await sweep();
    expect(eventsFor(stack, callbackId)).toHaveLength(1);
  });

  it('SIGTERM with calls live: new streams get 503, live calls finish, the process exits, no event lost', async () => {
    media = await startMediaProcess(stack.env, port);
    const ids = [uniqueId('sigterm'), uniqueId('sigterm')];
    const placed = await Promise.all(
      ids.map((callbackId, i) => {
        stack.twilio!.setBehaviour(`+1555777430${i}`, { kind: 'answer', callee: STAYING_CALLEE });
        return initiate(stack, { callbackId, to: `+1555777430${i}` });
      }),
    );
    await Promise.all(placed.map((p) => stack.twilio!.waitForCall(p.body.callSid!, 'streaming')));
    media.kill('SIGTERM');
    const health = () => fetch(`http://127.0.0.1:${port}/health`).then(async (res) => ({ status: res.status, body: await res.json() }));
    await vi.waitFor(async () => expect((await health()).body).toMatchObject({ status: 'draining' }), { timeout: 10_000, interval: 20 });
    expect(await openRawStream(stack, ids[0]!).refused).toBe(503);
    expect(await health()).toMatchObject({ status: 200, body: { status: 'draining', activeCalls: 2 } });
    expect(media.exitCode, 'still serving its live calls').toBeNull();
    const events = await Promise.all(ids.map((id) => waitForEvent(stack, id, 90_000)));
    for (const { detail } of events) expect(detail.transcriptComplete).toBe(true);
    expect(await exited(media)).toMatchObject({ code: 0 });
  });
});

async function waitUntilTurns(stack: LocalStack, callbackId: string, turns: number): Promise<void> {
  await vi.waitFor(async () => expect((await getCall(stack, callbackId)).body.transcript?.length).toBeGreaterThanOrEqual(turns), {
    timeout: 60_000,
    interval: 100,
  });
}
