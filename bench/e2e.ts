import type { AudioTimeline } from '../local/fake-common/audio-timeline';

/** Latency of every 20 ms frame of a run, end to end, in ms. */
export class LatencySamples {
  readonly #values: number[] = [];

  /**
   * Pairs the n-th frame leaving one end with the n-th frame reaching the other. Frames sent
   * before `from` (the model link was still opening, so they were held) are not counted: that
   * wait is the call's set-up, not its latency.
   */
  pair(sent: AudioTimeline, received: AudioTimeline, from = -Infinity): void {
    const n = Math.min(sent.frameAt.length, received.frameAt.length);
    for (let i = 0; i < n; i++) {
      const at = sent.frameAt[i]!;
      if (at >= from) this.#values.push(Math.max(0, received.frameAt[i]! - at));
    }
  }

  summary(): { count: number; p50: number; p99: number; max: number } {
    const sorted = Float64Array.from(this.#values).sort();
    const at = (q: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! : 0);
    return { count: sorted.length, p50: round(at(0.5)), p99: round(at(0.99)), max: round(sorted.at(-1) ?? 0) };
  }
}

/** Whole 20 ms frames one end sent that the other never received (`slack` frames tolerated for resampling). */
export function framesLost(sentMs: number, receivedMs: number, slack: number): number {
  return Math.max(0, Math.floor((sentMs - receivedMs) / 20) - slack);
}

export function round(n: number, digits = 2): number {
  return Number(n.toFixed(digits));
}
