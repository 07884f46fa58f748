import { FRAME_BYTES, isAudible } from './speech';

type Queued = { kind: 'audio'; bytes: Uint8Array; audible: boolean } | { kind: 'mark'; name: string };

/**
 * The callee's loudspeaker: audio the app sent, played in real time one frame per tick, with the app's
 * marks in between. A mark is due once all audio queued before it has played.
 */
export class PlaybackQueue {
  private queue: Queued[] = [];

  enqueueAudio(bytes: Uint8Array): void {
    if (bytes.length > 0) this.queue.push({ kind: 'audio', bytes, audible: isAudible(bytes) });
  }

  enqueueMark(name: string): void {
    this.queue.push({ kind: 'mark', name });
  }

  /** Plays one frame: returns the marks whose audio finished during earlier frames, then up to 160 bytes. */
  playFrame(): { marks: string[]; audio?: Uint8Array } {
    const marks: string[] = [];
    while (this.queue[0]?.kind === 'mark') marks.push((this.queue.shift() as { name: string }).name);
    const parts: Uint8Array[] = [];
    let remaining = FRAME_BYTES;
    for (let head = this.queue[0]; head?.kind === 'audio' && remaining > 0; head = this.queue[0]) {
      const take = Math.min(remaining, head.bytes.length);
      parts.push(head.bytes.subarray(0, take));
      remaining -= take;
      if (take === head.bytes.length) this.queue.shift();
      else head.bytes = head.bytes.subarray(take);
    }
    return { marks, audio: parts.length > 0 ? Buffer.concat(parts) : undefined };
  }

  /** Twilio's `clear`: drops queued audio and returns every pending mark, to be echoed now. */
  clear(): string[] {
    const marks = this.queue.flatMap((item) => (item.kind === 'mark' ? [item.name] : []));
    this.queue = [];
    return marks;
  }

  get hasAudibleAudio(): boolean {
    return this.queue.some((item) => item.kind === 'audio' && item.audible);
  }

  get queuedBytes(): number {
    return this.queue.reduce((sum, item) => sum + (item.kind === 'audio' ? item.bytes.length : 0), 0);
  }
}
