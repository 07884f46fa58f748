import { performance } from 'node:perf_hooks';
import { crc32 } from 'node:zlib';

/** The unit the timeline counts in: one Twilio frame of audio. */
export const TIMELINE_FRAME_MS = 20;
/** One 20 ms frame of μ-law 8 kHz. */
const MULAW_FRAME_BYTES = 160;

/**
 * When each 20 ms of one stream's audio was sent or received, on this process's monotonic clock.
 * The simulator and the fake models record their own ends of a call, so the benchmark can pair
 * the n-th frame the callee sent with the moment the model had received that much audio (and the
 * reverse): latency end to end, including the time frames wait in busy event loops.
 */
export class AudioTimeline {
  /** `frameAt[n]`: when the audio reached (n + 1) × 20 ms. */
  readonly frameAt: number[] = [];
  /**
   * CRC-32 of each 160-byte (20 ms μ-law) frame of the bytes given to `add`, as they were on the
   * wire: the two ends of a μ-law call hold the same list when nothing changed the audio.
   */
  readonly frameChecksums: number[] = [];
  #ms = 0;
  #partial: Buffer = Buffer.alloc(0);

  /** `durationMs` more audio; pass its bytes where they are μ-law, to checksum them. */
  add(durationMs: number, bytes?: Uint8Array): void {
    if (bytes) this.#checksum(bytes);
    if (!(durationMs > 0)) return;
    this.#ms += durationMs;
    const now = performance.now();
    // A little slack so resampled audio (a sample short of a whole frame) still completes it.
    while ((this.frameAt.length + 1) * TIMELINE_FRAME_MS <= this.#ms + 0.5) this.frameAt.push(now);
  }

  #checksum(bytes: Uint8Array): void {
    let data = this.#partial.length ? Buffer.concat([this.#partial, bytes]) : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    while (data.length >= MULAW_FRAME_BYTES) {
      this.frameChecksums.push(crc32(data.subarray(0, MULAW_FRAME_BYTES)));
      data = data.subarray(MULAW_FRAME_BYTES);
    }
    this.#partial = Buffer.from(data);
  }
}

/** The two directions of one end of a call. */
export interface AudioTimelines {
  sent: AudioTimeline;
  received: AudioTimeline;
}

export function audioTimelines(): AudioTimelines {
  return { sent: new AudioTimeline(), received: new AudioTimeline() };
}
