import { EventEmitter } from 'node:events';
import type { Logger } from '@aws-lambda-powertools/logger';
import { base64ByteLength, TWILIO_SAMPLE_RATE } from '../audio/codec';
import { LocalBargeIn } from '../providers/barge-in';
import { outbound, type TwilioOutbound } from '../twilio-stream';

/** μ-law is one byte per sample. */
const BYTES_PER_MS = TWILIO_SAMPLE_RATE / 1000;

export interface PlaybackReport {
  /** Agent audio of the current response that Twilio confirmed played (mark echoed), in ms. */
  playedMs: number;
  /** Agent audio of the current response sent to Twilio, in ms. */
  sentMs: number;
}

export interface PlaybackEvents {
  /** Queued audio was cleared: the model reported barge-in, or the caller talked over finished audio. */
  interrupted: [info: { by: 'model' | 'caller'; heard: PlaybackReport }];
  /** Twilio echoed a mark that came through `relay` (an SDK tracking its own playback wants it back). */
  mark: [name: string];
  /** Everything sent so far has played. */
  idle: [];
}

/**
 * What the caller has heard, for one call: the only writer of agent audio, marks and `clear` to
 * Twilio. Each audio chunk goes out as `media` followed by a `mark`; a mark is pending until
 * Twilio echoes it, so the echoes say how much of the current response the caller heard. On
 * barge-in `interrupt()` clears Twilio's queue and reports that position.
 *
 * Barge-in the model cannot see is detected here too: models generate faster than real time, so
 * a response is often complete while seconds of it still wait in Twilio's queue, and a provider
 * interrupts only a generation in progress. When the caller talks over audio that is still
 * playing after its generation finished, the queue is cleared here. An SDK that writes to
 * Twilio itself (`relay`) also interrupts by itself, so its audio is left to it.
 */
export class CallerPlayback extends EventEmitter<PlaybackEvents> {
  readonly #send: (message: TwilioOutbound, modelMessageAtNs?: bigint) => void;
  readonly #streamSid: string;
  readonly #log: Logger | undefined;
  readonly #bargeIn = new LocalBargeIn();
  /** Marks sent and not yet echoed: the response position (ms) each stands for, and what it follows. */
  readonly #pending = new Map<string, { atMs: number; kind: 'speech' | 'tones' | 'relayed' }>();
  #waiters: Array<() => void> = [];
  #seq = 0;
  #sentMs = 0;
  #playedMs = 0;
  #generating = false;
  #sdkDriven = false;
  #ended = false;

  constructor(options: { streamSid: string; send: (message: TwilioOutbound, modelMessageAtNs?: bigint) => void; log?: Logger }) {
    super();
    this.#streamSid = options.streamSid;
    this.#send = options.send;
    this.#log = options.log;
  }

  get streamSid(): string {
    return this.#streamSid;
  }

  /** True while audio sent to Twilio has not finished playing. */
  get playing(): boolean {
    return this.#pending.size > 0;
  }

  /** Where the current response stands. */
  get report(): PlaybackReport {
    return { playedMs: this.#playedMs, sentMs: this.#sentMs };
  }

  /** Queues μ-law 8 kHz agent speech for the caller; `modelMessageAtNs` is when the model message it came from arrived. */
  play(mulaw: Uint8Array, modelMessageAtNs?: bigint): void {
    this.#queue(mulaw, 'speech', modelMessageAtNs);
  }

  /** Agent speech already as Twilio takes it (base64 μ-law 8 kHz, e.g. a model's audio delta): sent as is, never decoded. */
  playBase64(payloadBase64: string, modelMessageAtNs?: bigint): void {
    this.#queueEncoded(payloadBase64, base64ByteLength(payloadBase64), 'speech', modelMessageAtNs);
  }

  /** Queues keypad tones (μ-law 8 kHz): not speech, so the far end talking over them is no barge-in. */
  playTones(mulaw: Uint8Array): void {
    this.#queue(mulaw, 'tones');
  }

  /** A message an SDK wrote for Twilio itself (it keeps its own count of what played). */
  relay(message: TwilioOutbound, modelMessageAtNs?: bigint): void {
    if (this.#ended) return;
    this.#sdkDriven = true;
    if (message.event === 'mark') this.#pending.set(message.mark.name, { atMs: this.#sentMs, kind: 'relayed' });
    if (message.event === 'media') this.#sentMs += Buffer.byteLength(message.media.payload, 'base64') / BYTES_PER_MS;
    if (message.event === 'clear') this.#clear('model', message);
    else this.#send(message, modelMessageAtNs);
  }

  /** A new response is being generated: positions count from zero again. */
  startResponse(): void {
    this.#generating = true;
    this.#sentMs = 0;
    this.#playedMs = 0;
  }

  /** The response has been fully generated (its audio may still be playing). */
  endResponse(): void {
    this.#generating = false;
  }

  /** The model reported barge-in: Twilio drops whatever is queued, and the report says how much the caller heard. */
  interrupt(): PlaybackReport {
    return this.#clear('model');
  }

  /** One frame of the caller's audio: clears the queue when the caller talks over finished speech still playing. */
  hearCaller(payloadBase64: string): void {
    const unattended = !this.#generating && !this.#sdkDriven && this.#speechQueued();
    if (this.#bargeIn.hear(payloadBase64, unattended)) this.#clear('caller');
  }

  /** Twilio echoed a mark; false when it was not pending (never sent, or cleared since). */
  markPlayed(name: string): boolean {
    const mark = this.#pending.get(name);
    if (!mark) return false;
    this.#pending.delete(name);
    this.#playedMs = Math.max(this.#playedMs, mark.atMs);
    if (mark.kind === 'relayed') this.emit('mark', name);
    if (this.#pending.size === 0) this.#settle();
    return true;
  }

  /** Resolves when everything sent so far has played, been cleared, or the stream has ended. */
  finished(): Promise<void> {
    if (!this.playing || this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The stream is gone: nothing pending will be echoed, and nothing more is sent. */
  streamEnded(): void {
    this.#ended = true;
    this.#pending.clear();
    this.#settle();
  }

  #queue(mulaw: Uint8Array, kind: 'speech' | 'tones', modelMessageAtNs?: bigint): void {
    if (mulaw.length === 0) return;
    this.#queueEncoded(Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString('base64'), mulaw.length, kind, modelMessageAtNs);
  }

  #queueEncoded(payloadBase64: string, bytes: number, kind: 'speech' | 'tones', modelMessageAtNs?: bigint): void {
    if (bytes === 0 || this.#ended) return;
    this.#sentMs += bytes / BYTES_PER_MS;
    const name = `${kind === 'speech' ? 'agent' : 'tones'}-${++this.#seq}`;
    this.#pending.set(name, { atMs: this.#sentMs, kind });
    this.#send(outbound.media(this.#streamSid, payloadBase64), modelMessageAtNs);
    this.#send(outbound.mark(this.#streamSid, name));
  }

  #speechQueued(): boolean {
    for (const mark of this.#pending.values()) if (mark.kind === 'speech') return true;
    return false;
  }

  /** `clear` (only when something is queued, or when an SDK asked for it), then positions start over. */
  #clear(by: 'model' | 'caller', message?: TwilioOutbound): PlaybackReport {
    const heard = this.report;
    const wasPlaying = this.playing;
    this.#pending.clear();
    if (message) this.#send(message);
    else if (wasPlaying) this.#send(outbound.clear(this.#streamSid));
    this.#sentMs = 0;
    this.#playedMs = 0;
    this.#generating = false;
    if (wasPlaying) {
      this.#log?.info(by === 'caller' ? 'Caller talked over queued agent audio; playback cleared' : 'Caller interrupted the agent; playback cleared', { ...heard });
      this.emit('interrupted', { by, heard });
    }
    this.#settle();
    return heard;
  }

  #settle(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
    this.emit('idle');
  }
}
