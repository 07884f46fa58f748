import { performance } from 'node:perf_hooks';

/** The unit the timeline counts in: one Twilio frame of audio. */
export const TIMELINE_FRAME_MS = 20;

/**
 * When each 20 ms of one stream's audio was sent or received, on this process's monotonic clock.
 * The simulator and the fake models record their own ends of a call, so the benchmark can pair
 * the n-th frame the callee sent with the moment the model had received that much audio (and the
 * reverse): latency end to end, including the time frames wait in busy event loops.
 */
export class AudioTimeline {
  /** `frameAt[n]`: when the audio reached (n + 1) × 20 ms. */
  readonly frameAt: number[] = [];
  #ms = 0;

  add(durationMs: number): void {
    if (!(durationMs > 0)) return;
    this.#ms += durationMs;
    const now = performance.now();
    // A little slack so resampled audio (a sample short of a whole frame) still completes it.
    while ((this.frameAt.length + 1) * TIMELINE_FRAME_MS <= this.#ms + 0.5) this.frameAt.push(now);
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
