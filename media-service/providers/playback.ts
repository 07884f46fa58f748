import { outbound, type TwilioOutbound } from '../twilio-stream';
import { TWILIO_SAMPLE_RATE } from '../audio/codec';

/** μ-law is one byte per sample. */
const BYTES_PER_MS = TWILIO_SAMPLE_RATE / 1000;

export interface PlaybackReport {
  /** Agent audio of the current response that Twilio confirmed played (mark echoed), in ms. */
  playedMs: number;
  /** Agent audio of the current response sent to Twilio, in ms. */
  sentMs: number;
}

/**
 * Agent audio on its way to the caller, for adapters whose SDK does not drive Twilio itself:
 * each chunk goes out as a `media` message followed by a `mark`, so Twilio's mark echoes tell
 * how much has actually played. On barge-in `interrupt()` sends `clear` and reports how much of
 * the response the caller heard. Audio that arrives before the stream's `start` is held and sent
 * once the streamSid is known.
 */
export class TwilioPlayback {
  readonly #send: (message: TwilioOutbound) => void;
  readonly #markPrefix: string;
  #streamSid: string | undefined;
  #held: Uint8Array[] = [];
  #seq = 0;
  /** Marks sent and not yet echoed, with the response position (ms) each one stands for. */
  #pending = new Map<string, number>();
  #sentMs = 0;
  #playedMs = 0;

  constructor(send: (message: TwilioOutbound) => void, markPrefix = 'agent') {
    this.#send = send;
    this.#markPrefix = markPrefix;
  }

  streamStarted(streamSid: string): void {
    this.#streamSid = streamSid;
    const held = this.#held;
    this.#held = [];
    for (const chunk of held) this.play(chunk);
  }

  /** Queues μ-law 8 kHz agent audio for the caller. */
  play(mulaw: Uint8Array): void {
    if (mulaw.length === 0) return;
    const streamSid = this.#streamSid;
    if (!streamSid) {
      this.#held.push(mulaw);
      return;
    }
    this.#sentMs += mulaw.length / BYTES_PER_MS;
    const name = `${this.#markPrefix}-${++this.#seq}`;
    this.#pending.set(name, this.#sentMs);
    this.#send(outbound.media(streamSid, Buffer.from(mulaw.buffer, mulaw.byteOffset, mulaw.byteLength).toString('base64')));
    this.#send(outbound.mark(streamSid, name));
  }

  /** Twilio echoed a mark; returns false when it was not one of ours (or was cleared). */
  markPlayed(name: string): boolean {
    const position = this.#pending.get(name);
    if (position === undefined) return false;
    this.#pending.delete(name);
    this.#playedMs = Math.max(this.#playedMs, position);
    return true;
  }

  /** True while sent audio has not finished playing. */
  get playing(): boolean {
    return this.#pending.size > 0 || this.#held.length > 0;
  }

  /** Where the current response stands. */
  get report(): PlaybackReport {
    return { playedMs: this.#playedMs, sentMs: this.#sentMs };
  }

  /** A new response starts: positions count from zero again. */
  startResponse(): void {
    this.#sentMs = 0;
    this.#playedMs = 0;
  }

  /**
   * Barge-in: Twilio drops whatever is queued (`clear`, only when something is), echoes of marks
   * sent so far no longer count, and the report says how much the caller heard.
   */
  interrupt(): PlaybackReport {
    const report = this.report;
    const wasPlaying = this.playing;
    this.#held = [];
    this.#pending.clear();
    if (wasPlaying && this.#streamSid) this.#send(outbound.clear(this.#streamSid));
    this.startResponse();
    return report;
  }
}
