import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { getCall, initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

/** A 20 ms frame of μ-law silence (0xFF): the callee's pauses, and the padding the bridge may add where a stream stalls. */
const SILENCE = crc32(Buffer.alloc(160, 0xff));
const speech = (checksums: number[]) => checksums.filter((c) => c !== SILENCE);

describe('μ-law audio through the OpenAI bridge', () => {
  it('reaches the model byte for byte as the callee sent it, and the callee byte for byte as the model sent it', async () => {
    const callbackId = uniqueId('bytes');
    const res = await initiate(stack, { callbackId, to: '+15557770101', instructions: `Byte check ${callbackId}.` });
    expect(res.status).toBe(200);
    await waitForEvent(stack, callbackId);
    const stream = stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.streams[0]!;
    const session = stack.fakes.openai!.stats.sessions.find((s) => s.instructions.includes(callbackId))!;
    expect(session).toMatchObject({ inputFormat: { type: 'audio/pcmu' }, outputFormat: { type: 'audio/pcmu' } });

    // Caller → model: frames before the stream was authenticated are not relayed, and silence may
    // be added where the stream stalls; every frame of the callee's speech arrives unchanged, in order.
    const spoken = speech(stream.timeline.sent.frameChecksums);
    expect(spoken.length, 'the callee spoke').toBeGreaterThan(25);
    expect(speech(session.timeline.received.frameChecksums)).toEqual(spoken);

    // Model → caller: every frame of the agent's audio, unchanged and in order.
    const agent = session.timeline.sent.frameChecksums;
    expect(agent.length, 'the agent spoke').toBeGreaterThan(25);
    expect(stream.timeline.received.frameChecksums).toEqual(agent);

    // Agent audio went from the wire to the playback without the SDK's per-message work: every
    // mark Twilio echoed is the playback's own, none the SDK transport's.
    expect(stream.marksEchoed.length).toBeGreaterThan(0);
    expect(stream.marksEchoed.filter((name) => !/^agent-\d+$/.test(name))).toEqual([]);

    // The callee's turns reach the transcript from the transcription event itself: the SDK did not
    // fetch each caller item back (with its audio) for a history nothing reads.
    const { body } = await getCall(stack, callbackId);
    expect(body.transcript.filter((turn) => turn.role === 'user').length, 'the callee was transcribed').toBeGreaterThan(0);
    expect(session.itemsRetrieved).toBe(0);
  });
});
