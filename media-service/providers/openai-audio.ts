import { base64ByteLength } from '../audio/codec';
import type { CallerPlayback, PlaybackReport } from '../playback/caller-playback';
import type { AudioDelta } from './openai-socket';

/** μ-law 8 kHz: one byte per sample. */
const MULAW_BYTES_PER_MS = 8;
const MULAW_SILENCE = 0xff;
const MAX_GAP_PADDING_MS = 10_000;
/** While the caller is talking, this long without a frame means the stream stalled… */
const INPUT_STALL_MS = 750;
/** …and this much silence tells the model's turn detection the caller has stopped. */
const STALL_SILENCE_MS = 1_000;

/**
 * The agent's audio on its way to the caller, straight from the model's deltas (base64 μ-law,
 * never decoded) into the call's playback. It does what the SDK's Twilio transport would do for
 * audio it no longer sees: on barge-in, the interrupted response's late deltas are dropped and the
 * model is told how much of the item the caller actually heard (`conversation.item.truncate`).
 */
export class OpenAIAgentAudio {
  #responseId: string | undefined;
  readonly #discarded = new Set<string>();
  #item: { id: string; contentIndex: number; startMs: number } | undefined;

  constructor(
    private readonly playback: CallerPlayback,
    private readonly sendEvent: (event: { type: 'conversation.item.truncate'; item_id: string; content_index: number; audio_end_ms: number }) => void,
  ) {
    playback.on('interrupted', this.#onInterrupted);
  }

  /** The session is over: a later session on the same playback does its own truncating. */
  close(): void {
    this.playback.off('interrupted', this.#onInterrupted);
  }

  readonly #onInterrupted = ({ heard }: { heard: PlaybackReport }) => this.#truncate(heard);

  /** Takes one delta (always: a discarded response's audio is dropped here, not by the SDK). */
  delta(delta: AudioDelta): true {
    if (this.#discarded.has(delta.responseId)) return true;
    const item = this.#item;
    if (!item || item.id !== delta.itemId || item.contentIndex !== delta.contentIndex) {
      this.#item = { id: delta.itemId, contentIndex: delta.contentIndex, startMs: this.playback.report.sentMs };
    }
    this.playback.playBase64(delta.payloadBase64, delta.atNs);
    return true;
  }

  responseCreated(responseId: string | undefined): void {
    this.#responseId = responseId;
    this.#item = undefined;
    this.playback.startResponse();
  }

  responseDone(responseId: string | undefined): void {
    if (responseId) this.#discarded.delete(responseId);
    if (responseId !== this.#responseId) return;
    this.#responseId = undefined;
    this.playback.endResponse();
  }

  /** The caller started talking: whatever is queued stops, and the response in progress is dropped. */
  bargeIn(): void {
    if (this.#responseId) this.#discarded.add(this.#responseId);
    this.#responseId = undefined;
    this.playback.interrupt();
  }

  /** After a clear: the model keeps only what the caller heard of the item being played. */
  #truncate(heard: PlaybackReport): void {
    const item = this.#item;
    this.#item = undefined;
    if (!item || heard.sentMs <= item.startMs) return;
    const audioEndMs = Math.min(heard.sentMs, Math.max(heard.playedMs, item.startMs)) - item.startMs;
    this.sendEvent({ type: 'conversation.item.truncate', item_id: item.id, content_index: item.contentIndex, audio_end_ms: Math.floor(audioEndMs) });
  }
}

/**
 * What the SDK's Twilio transport does for caller audio it no longer handles: a stretch Twilio
 * skipped (its timestamps jump) is filled with silence, and when frames stop while the caller is
 * talking, a second of silence lets the model's turn detection end the turn.
 */
export class CallerInputPadding {
  #nextTimestampMs: number | undefined;
  #gapPadded = false;
  #lastFrameAt = 0;
  #speaking = false;
  #stallTimer: NodeJS.Timeout | undefined;

  constructor(private readonly append: (payloadBase64: string) => void) {}

  /** Call before appending each frame. */
  frame(timestampMs: number | undefined, payloadBase64: string): void {
    if (timestampMs === undefined || (this.#nextTimestampMs !== undefined && timestampMs < this.#nextTimestampMs)) {
      this.#nextTimestampMs = undefined;
    } else {
      const gap = this.#nextTimestampMs === undefined ? 0 : timestampMs - this.#nextTimestampMs;
      if (!this.#gapPadded && gap > 0) this.#silence(Math.min(gap, MAX_GAP_PADDING_MS));
      this.#nextTimestampMs = timestampMs + base64ByteLength(payloadBase64) / MULAW_BYTES_PER_MS;
    }
    this.#gapPadded = false;
    this.#lastFrameAt = Date.now();
    if (this.#speaking && !this.#stallTimer) this.#watchForStall(INPUT_STALL_MS);
  }

  speechStarted(): void {
    this.#speaking = true;
    this.#watchForStall(INPUT_STALL_MS);
  }

  speechStopped(): void {
    this.#speaking = false;
    this.close();
  }

  close(): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = undefined;
  }

  /** One timer per utterance (not one per frame): it re-arms for the time left since the last frame. */
  #watchForStall(delayMs: number): void {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = undefined;
      if (!this.#speaking) return;
      const quietMs = Date.now() - this.#lastFrameAt;
      if (quietMs < INPUT_STALL_MS) return this.#watchForStall(INPUT_STALL_MS - quietMs);
      this.#silence(STALL_SILENCE_MS);
      this.#gapPadded = true;
    }, delayMs);
    this.#stallTimer.unref();
  }

  #silence(ms: number): void {
    this.append(Buffer.alloc(Math.floor(ms * MULAW_BYTES_PER_MS), MULAW_SILENCE).toString('base64'));
  }
}
