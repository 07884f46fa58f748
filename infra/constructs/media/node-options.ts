/** The media task's size unless the stack says otherwise: 1 vCPU, 2 GiB. */
export const DEFAULT_MEDIA_TASK = { cpu: 1024, memoryLimitMiB: 2048 } as const;

/**
 * The media container's Node options (its `NODE_OPTIONS`), from the task's memory: V8's old
 * generation is capped at half of it.
 *
 * Left to itself, V8 sizes the heap from the memory it sees. Where that is a large host's (as on
 * a developer machine, or a runtime that does not see the task's limit), it lets the heap grow to
 * four times what survived the last full collection before collecting again: the process then
 * carries tens of megabytes of garbage at every moment, and a heap limit far beyond what the task
 * can hold. Capped below 2 GiB, V8 grows the heap by about 1.6 times instead and runs out of heap
 * inside the task's memory, not beyond it. `npm run bench` runs the media process with these same
 * options (docs/benchmarks.md, peak RSS).
 */
export function mediaNodeOptions(memoryLimitMiB: number): string {
  return `--max-old-space-size=${Math.floor(memoryLimitMiB / 2)}`;
}
