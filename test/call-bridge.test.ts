import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalStack } from '../local/stack';
import { pcm16ToMulaw } from '../media-service/audio/codec';
import { catchEscapedFaults } from '../media-service/last-net';
import { RESUME_RESPONSE_INSTRUCTIONS } from '../media-service/prompt';
import { callCompletedEventSchema } from '../shared/events';
import { createTwilioClient } from '../shared/twilio-client';
import { callWithOwnStreamToken, openRawStream, sendJson, startMessage, type RawStream } from './support/raw-stream';
import { scriptedProvider, type ScriptedSession } from './support/scripted-provider';
import { getCall, startTestStack, waitForEvent } from './support/stack';

const script = scriptedProvider();
let stack: LocalStack;
beforeAll(async () => {
  stack = await startTestStack({ media: { providerFactory: script.providerFactory } });
});
afterAll(async () => {
  await stack?.close();
});

const until = <T>(check: () => T) => vi.waitFor(() => {
  const value = check();
  if (!value) throw new Error('not yet');
  return value;
}, { timeout: 10_000, interval: 10 });

const frame = (n: number) => Buffer.alloc(160, n).toString('base64');

/** A stream started with its real token; resolves with the scripted session the bridge opened for it. */
async function startedCall(): Promise<{ callbackId: string; callSid: string; stream: RawStream; session: ScriptedSession; streamSid: string }> {
  const { callbackId, callSid, token } = await callWithOwnStreamToken(stack);
  const opened = script.sessions.length;
  const stream = openRawStream(stack, callbackId);
  expect(await stream.refused).toBeUndefined();
  const start = startMessage(callbackId, token, callSid);
  sendJson(stream.ws, start);
  const session = await until(() => script.sessions[opened]);
  return { callbackId, callSid, stream, session, streamSid: start.streamSid };
}

/** The simulated call never rings through; ending it on Twilio's side lets the completion event go out. */
async function cancelOnTwilio(callSid: string): Promise<void> {
  await createTwilioClient(stack.config).calls(callSid).update({ status: 'canceled' });
}

describe('the call bridge, driven by a scripted model session over a real Media Stream', () => {
  it('holds early caller audio, greets once, relays both ways and finalizes with the transcript', async () => {
    const { callbackId, callSid, stream, session, streamSid } = await startedCall();
    // Caller audio before the model is up is held, not lost.
    for (const n of [1, 2, 3]) sendJson(stream.ws, { event: 'media', media: { payload: frame(n), timestamp: String(n * 20) } });
    await until(() => stack.media!.activeCalls() === 1);
    expect(session.responsesRequested).toEqual([]);
    session.connected();
    await until(() => session.responsesRequested.length === 1);
    expect(session.responsesRequested).toEqual([undefined]);
    expect(session.options.playback.streamSid).toBe(streamSid);
    await until(() => session.audio.length === 3);
    expect(session.audio).toEqual([frame(1), frame(2), frame(3)]);
    sendJson(stream.ws, { event: 'media', media: { payload: frame(4), timestamp: '80' } });
    await until(() => session.audio.length === 4);

    session.say('Hello, this is Ava.');
    await until(() => stream.received.some((m) => m.event === 'mark'));
    expect(stream.received.map((m) => m.event)).toEqual(['media', 'mark']);
    expect(stream.received.every((m) => m.streamSid === streamSid)).toBe(true);
    const [media, mark] = stream.received;
    expect(media?.event === 'media' && Buffer.from(media.media.payload, 'base64').toString()).toBe('Hello, this is Ava.');
    const { playback } = session.options;
    expect(playback.playing).toBe(true);
    sendJson(stream.ws, { event: 'mark', streamSid, mark: { name: mark?.event === 'mark' ? mark.mark.name : '' } });
    await playback.finished();
    expect(playback.report).toEqual({ playedMs: 19 / 8, sentMs: 19 / 8 });

    sendJson(stream.ws, { event: 'dtmf', streamSid, dtmf: { digit: '5' } });
    await until(() => session.texts.length === 1);
    expect(session.texts[0]).toContain('pressed 5');
    session.heard('Hi Ava, I would like to book a cleaning.');
    sendJson(stream.ws, { event: 'stop', streamSid });
    await cancelOnTwilio(callSid);

    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail.transcript.map((t) => [t.role, t.text])).toEqual([
      ['assistant', 'Hello, this is Ava.'],
      ['user', 'Hi Ava, I would like to book a cleaning.'],
    ]);
    expect(detail).toMatchObject({ transcriptComplete: true, error: null });
    expect(session.closed).toBe(true);
    expect(session.responsesRequested).toHaveLength(1);
    expect((await getCall(stack, callbackId)).body.transcript).toEqual(detail.transcript);
  });

  it('reconnects once with the conversation so far, then ends the call when the model drops again', async () => {
    const { callbackId, callSid, stream, session: first } = await startedCall();
    first.connected();
    await until(() => first.responsesRequested.length === 1);
    first.say('Good morning from Northwind Dental.');
    first.heard('Morning.');
    const opened = script.sessions.length;
    first.drop('socket reset');

    const second = await until(() => script.sessions[opened]);
    expect(first.closed).toBe(true);
    expect(second.options.instructions).toContain('Good morning from Northwind Dental.');
    expect(second.options.instructions).toContain('Morning.');
    second.connected();
    await until(() => second.responsesRequested.length === 1);
    expect(second.responsesRequested).toEqual([RESUME_RESPONSE_INSTRUCTIONS]);
    second.say('As I was saying, we have an opening on Tuesday.');
    await until(() => stream.received.filter((m) => m.event === 'media').length === 2);
    // The first session's words were complete: they play on after the drop, as the transcript says they were said.
    expect(stream.received.map((m) => m.event)).toEqual(['media', 'mark', 'media', 'mark']);
    second.drop('socket reset again');

    expect((await stream.closed).code).toBe(1011);
    await cancelOnTwilio(callSid);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(script.sessions).toHaveLength(opened + 1);
    expect(detail.transcriptComplete).toBe(false);
    expect(detail.error).toMatchObject({ code: 'model_disconnected' });
    expect(detail.error!.message).toContain('socket reset again');
    expect(detail.transcript.map((t) => t.text)).toEqual([
      'Good morning from Northwind Dental.',
      'Morning.',
      'As I was saying, we have an opening on Tuesday.',
    ]);
  });

  it('clears queued agent speech when the caller talks over it, whatever the model does', async () => {
    const { callSid, stream, session, streamSid } = await startedCall();
    session.connected();
    await until(() => session.responsesRequested.length === 1);
    session.say('Let me read you the whole list of our opening hours, day by day.');
    await until(() => stream.received.some((m) => m.event === 'mark'));
    const speech = Buffer.from(pcm16ToMulaw(Int16Array.from({ length: 160 }, (_, i) => Math.round(6000 * Math.sin(i / 3))))).toString('base64');
    for (let i = 0; i < 15; i++) sendJson(stream.ws, { event: 'media', streamSid, media: { payload: speech, timestamp: String(i * 20) } });
    await until(() => stream.received.some((m) => m.event === 'clear'));
    expect(stream.received.filter((m) => m.event === 'clear')).toHaveLength(1);
    expect(session.options.playback.playing).toBe(false);
    await until(() => session.audio.length === 15);
    stream.ws.close();
    await cancelOnTwilio(callSid);
  });

  it('a fault in one call (its adapter or SDK threw) ends that call with its transcript so far; a call beside it carries on', async () => {
    const broken = await startedCall();
    const bystander = await startedCall();
    broken.session.connected();
    bystander.session.connected();
    await until(() => broken.session.responsesRequested.length === 1 && bystander.session.responsesRequested.length === 1);
    broken.session.say('Hello, this is Ava.');
    broken.session.heard('Hi.');
    broken.session.emit('fault', new Error('scripted: the SDK could not parse an event'));
    expect((await broken.stream.closed).code).toBe(1011);
    await cancelOnTwilio(broken.callSid);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, broken.callbackId));
    expect(detail).toMatchObject({ transcriptComplete: false, error: { code: 'internal_error', message: 'scripted: the SDK could not parse an event' } });
    expect(detail.transcript.map((t) => t.text)).toEqual(['Hello, this is Ava.', 'Hi.']);

    expect(bystander.stream.ws.readyState).toBe(bystander.stream.ws.OPEN);
    bystander.session.say('Still here.');
    sendJson(bystander.stream.ws, { event: 'stop', streamSid: bystander.streamSid });
    await cancelOnTwilio(bystander.callSid);
    const other = callCompletedEventSchema.parse(await waitForEvent(stack, bystander.callbackId)).detail;
    expect(other).toMatchObject({ transcriptComplete: true, error: null });
  });

  it('the process-level net ends only the call whose code the escaped failure came from', async () => {
    const { callbackId, callSid, stream, session } = await startedCall();
    session.connected();
    await until(() => session.responsesRequested.length === 1);
    const lastNet = catchEscapedFaults(stack.media!, new Logger({ logLevel: 'SILENT' }));
    lastNet(new Error('escaped from no call'));
    expect(stream.ws.readyState).toBe(stream.ws.OPEN);
    session.inCallContext(() => lastNet(new Error('escaped from this call')));
    expect((await stream.closed).code).toBe(1011);
    await cancelOnTwilio(callSid);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail.error).toMatchObject({ code: 'internal_error', message: 'escaped from this call' });
  });

  it('a model that cannot connect ends the stream with 1011 and the event says why', async () => {
    const { callbackId, callSid, stream, session } = await startedCall();
    session.connected(new Error('scripted: invalid API key'));
    expect((await stream.closed).code).toBe(1011);
    await cancelOnTwilio(callSid);
    const { detail } = callCompletedEventSchema.parse(await waitForEvent(stack, callbackId));
    expect(detail.error).toMatchObject({ code: 'model_connect_failed', message: 'scripted: invalid API key' });
    expect(session.responsesRequested).toEqual([]);
  });
});
