import { LocalBargeIn } from '../providers/barge-in';

export interface SilenceWatchOptions {
  /** Callee silence, in ms, before the agent asks whether they are still there; half as much again before it gives up. */
  timeoutMs: number;
  /** True while the agent is speaking or its audio is still playing: that is no silence. */
  agentBusy: () => boolean;
  /** The first timeout: ask once whether the callee is still there. */
  ask: () => void;
  /** Silence went on after the question: say goodbye and hang up. */
  giveUp: () => void;
  /** How often the silence is measured. @default a twentieth of `timeoutMs`, at most a second */
  checkEveryMs?: number;
}

/** The silence timeout's precision is 5 %, and never worse than this. */
const MAX_CHECK_EVERY_MS = 1_000;

/**
 * A callee who says nothing: measured from the later of the callee's last speech and the end
 * of the agent's last audio, so only silence on both sides counts. Speech is detected from
 * the caller's audio itself (energy over 200 ms), so it works the same for every provider.
 */
export class SilenceWatch {
  readonly #speech = new LocalBargeIn();
  readonly #timer: NodeJS.Timeout;
  #quietSince = Date.now();
  #asked = false;
  #done = false;

  constructor(private readonly options: SilenceWatchOptions) {
    this.#timer = setInterval(() => this.#check(), options.checkEveryMs ?? Math.min(MAX_CHECK_EVERY_MS, options.timeoutMs / 20));
    this.#timer.unref();
  }

  /** One frame of the caller's audio. */
  hear(payloadBase64: string): void {
    if (this.#speech.hear(payloadBase64, true)) this.calleeSpoke();
  }

  /** The callee said something (their audio, or a transcribed turn): the silence starts over. */
  calleeSpoke(): void {
    this.#quietSince = Date.now();
    this.#asked = false;
  }

  stop(): void {
    this.#done = true;
    clearInterval(this.#timer);
  }

  #check(): void {
    if (this.#done) return;
    if (this.options.agentBusy()) {
      this.#quietSince = Date.now();
      return;
    }
    const quietMs = Date.now() - this.#quietSince;
    if (!this.#asked && quietMs >= this.options.timeoutMs) {
      this.#asked = true;
      this.#quietSince = Date.now();
      this.options.ask();
    } else if (this.#asked && quietMs >= this.options.timeoutMs / 2) {
      this.stop();
      this.options.giveUp();
    }
  }
}
