import { isAudible, understand } from './speech';

/** 300 ms of nothing audible ends an agent utterance. */
const GAP_FRAMES = 15;

export interface HeardUtterance {
  text: string;
  startedAt: number;
  endedAt: number;
  interrupted: boolean;
}

/**
 * The callee's hearing: splits the audio that actually played into agent utterances (separated by
 * silence, gaps in the audio, or a `clear`) and decodes each one.
 */
export class Ear {
  private frames: Uint8Array[] = [];
  private silentFrames = 0;
  private startedAt: number | undefined;
  private lastAudible = 0;

  constructor(private readonly onUtterance: (utterance: HeardUtterance) => void) {}

  /** Called once per 20 ms tick with what played, or undefined when nothing did. */
  hear(frame: Uint8Array | undefined, now: number): void {
    const audible = frame !== undefined && isAudible(frame);
    if (audible) this.lastAudible = now;
    if (this.startedAt === undefined) {
      if (!audible) return;
      this.startedAt = now;
    }
    if (frame) this.frames.push(frame);
    this.silentFrames = audible ? 0 : this.silentFrames + 1;
    if (this.silentFrames >= GAP_FRAMES) this.finish(now, false);
  }

  /** The app cleared its audio: whatever was playing ends here. */
  interrupt(now: number): void {
    if (this.startedAt !== undefined) this.finish(now, true);
  }

  flush(now: number): void {
    if (this.startedAt !== undefined) this.finish(now, false);
  }

  /** When the utterance now playing started; undefined between utterances. */
  get talkingSince(): number | undefined {
    return this.startedAt;
  }

  get lastAudibleAt(): number {
    return this.lastAudible;
  }

  private finish(now: number, interrupted: boolean): void {
    const decoded = understand(Buffer.concat(this.frames));
    const text = decoded ?? (interrupted ? '[interrupted]' : '[unintelligible]');
    const startedAt = this.startedAt ?? now;
    this.frames = [];
    this.silentFrames = 0;
    this.startedAt = undefined;
    this.onUtterance({ text, startedAt, endedAt: now, interrupted });
  }
}
