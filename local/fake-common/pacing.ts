/**
 * How fast a fake model produces speech. Its durations (chunk gaps, "thinking" time) are on the
 * call's clock: with a `timeScale` of 4 (the Twilio simulator's callee running four times faster
 * than real time) each one is a quarter as long on the wall.
 */
export interface SpeechPacing {
  /** How many times faster than real time the call runs; match the Twilio simulator's. @default 1 */
  timeScale?: number;
  /** Gap between two 100 ms output audio chunks (real models generate faster than they speak). @default 20 (5× the call's speed) */
  audioChunkIntervalMs?: number;
}

const DEFAULT_CHUNK_INTERVAL_MS = 20;

/** Wall-clock gap between two output chunks. */
export function chunkIntervalMs(pacing: SpeechPacing): number {
  return wallMs(pacing.audioChunkIntervalMs ?? DEFAULT_CHUNK_INTERVAL_MS, pacing);
}

/** A duration on the call's clock as wall-clock milliseconds. */
export function wallMs(callMs: number, pacing: SpeechPacing): number {
  return callMs / (pacing.timeScale ?? 1);
}

/**
 * Calls `emit` once per chunk, the first after `startDelayMs` and then every `intervalMs` (wall
 * clock), until it returns false or the returned stop function is called. Chunks that fell due
 * while the event loop was busy go out at once, so output keeps its pace on a loaded machine.
 */
export function paceChunks(startDelayMs: number, intervalMs: number, emit: () => boolean): () => void {
  const firstAt = Date.now() + startDelayMs;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let emitted = 0;
  const tick = () => {
    timer = undefined;
    const due = intervalMs > 0 ? Math.floor((Date.now() - firstAt) / intervalMs) + 1 : Number.POSITIVE_INFINITY;
    while (!stopped && emitted < due) {
      emitted += 1;
      if (!emit()) stopped = true;
    }
    if (!stopped) timer = setTimeout(tick, Math.max(0, firstAt + emitted * intervalMs - Date.now()));
  };
  timer = setTimeout(tick, startDelayMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
