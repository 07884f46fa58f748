import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../local/stack';
import { callCompletedEventSchema, recordingAvailableDetailSchema } from '../shared/events';
import { RECORDING_LINK_SECONDS } from '../shared/recordings';
import { getCall, initiate, startTestStack, uniqueId, waitForEvent } from './support/stack';

/** The fields of a PCM WAV file and the energy of each channel. */
function readWav(file: Buffer) {
  expect(file.toString('ascii', 0, 4)).toBe('RIFF');
  expect(file.toString('ascii', 8, 12)).toBe('WAVE');
  const channels = file.readUInt16LE(22);
  const sampleRate = file.readUInt32LE(24);
  const bitsPerSample = file.readUInt16LE(34);
  expect(file.toString('ascii', 36, 40)).toBe('data');
  const data = file.subarray(44, 44 + file.readUInt32LE(40));
  const energy = Array.from({ length: channels }, () => 0);
  for (let offset = 0; offset + 2 <= data.length; offset += 2) energy[(offset / 2) % channels]! += Math.abs(data.readInt16LE(offset));
  return { channels, sampleRate, bitsPerSample, seconds: data.length / (sampleRate * channels * 2), energy };
}

let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack();
});
afterAll(async () => {
  await stack?.close();
});

const getRecording = (callbackId: string, apiKey = stack.apiKey) =>
  fetch(`${stack.apiUrl}/calls/${encodeURIComponent(callbackId)}/recording`, { headers: { 'x-api-key': apiKey }, redirect: 'manual' });

describe('record: true', () => {
  it("copies Twilio's dual-channel recording into the bucket, deletes Twilio's copy, and links to it for 5 minutes", async () => {
    const callbackId = uniqueId('recorded');
    const res = await initiate(stack, { callbackId, to: '+15557760001', record: true, instructions: 'Your name is Ava.' });
    expect(res.status).toBe(200);
    const create = stack.twilio!.requests.find((r) => r.path.endsWith('/Calls.json') && r.params.To === '+15557760001')!;
    expect(create.params).toMatchObject({ Record: 'true', RecordingChannels: 'dual', RecordingStatusCallbackEvent: 'completed' });

    const available = recordingAvailableDetailSchema.parse((await waitForEvent(stack, callbackId, 90_000, 'Recording Available')).detail);
    expect(available.recording).toMatchObject({ bucket: stack.s3!.bucket, key: `recordings/${callbackId}/${stack.twilio!.calls.find((c) => c.sid === res.body.callSid)!.recording!.sid}.wav`, channels: 2 });
    expect(available.recording.durationSeconds).toBeGreaterThan(0);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail.recordingUrl).toMatch(/\/Recordings\/RE[0-9a-f]{32}$/);

    const stored = (await getCall(stack, callbackId)).body;
    expect(stored.call.recording).toEqual(available.recording);

    // Twilio's copy: fetched with the account's credentials, then deleted.
    const sim = await stack.twilio!.waitForCall(res.body.callSid, 'ended');
    expect(sim.recording!.deleted).toBe(true);
    const twilioGets = stack.twilio!.requests.filter((r) => r.method === 'GET' && r.path.includes(`/Recordings/${sim.recording!.sid}`));
    expect(twilioGets.map((r) => r.status)).toEqual([200]);
    expect(stack.twilio!.requests.some((r) => r.method === 'DELETE' && r.path.endsWith(`/Recordings/${sim.recording!.sid}.json`) && r.status === 204)).toBe(true);

    const redirect = await getRecording(callbackId);
    expect(redirect.status).toBe(302);
    const link = new URL(redirect.headers.get('location')!);
    expect(link.origin).toBe(stack.s3!.endpoint);
    expect(link.searchParams.get('X-Amz-Expires')).toBe(String(RECORDING_LINK_SECONDS));
    const file = await fetch(link);
    expect(file.status).toBe(200);
    const wav = readWav(Buffer.from(await file.arrayBuffer()));
    expect(wav).toMatchObject({ channels: 2, sampleRate: 8000, bitsPerSample: 16 });
    expect(Math.abs(wav.seconds - available.recording.durationSeconds)).toBeLessThanOrEqual(2);
    // Both sides are in it: the callee on channel 1, the agent on channel 2.
    expect(wav.energy[0]).toBeGreaterThan(0);
    expect(wav.energy[1]).toBeGreaterThan(0);
  });

  it("Twilio's recording URL needs the account's credentials", async () => {
    const sim = stack.twilio!.calls.find((c) => c.recording);
    expect(sim).toBeDefined();
    const response = await fetch(`${sim!.recording!.url}.wav`);
    expect(response.status).toBe(401);
  });

  it('GET /calls/{callbackId}/recording: 404 for a call without a recording, 401 without the API key', async () => {
    const callbackId = uniqueId('not-recorded');
    stack.twilio!.setBehaviour('+15557760002', { kind: 'no-answer' });
    expect((await initiate(stack, { callbackId, to: '+15557760002' })).status).toBe(200);
    const missing = await getRecording(callbackId);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('recording_not_available');
    expect((await getRecording(callbackId, 'wrong')).status).toBe(401);
    expect((await getRecording('no-such-call')).status).toBe(404);
  });
});
