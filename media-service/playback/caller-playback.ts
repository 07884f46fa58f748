import type { TwilioOutbound } from '../twilio-stream';

/**
 * What the caller has heard. Every message on its way to Twilio passes through here: each
 * `mark` sent is pending until Twilio echoes it (the audio before it has played), and `clear`
 * drops everything queued. Anyone waiting for playback to finish waits here.
 */
export class CallerPlayback {
  readonly #send: (message: TwilioOutbound, modelMessageAtNs?: bigint) => void;
  readonly #pending = new Set<string>();
  #waiters: Array<() => void> = [];
  #ended = false;

  constructor(send: (message: TwilioOutbound, modelMessageAtNs?: bigint) => void) {
    this.#send = send;
  }

  /** True while audio sent to Twilio has not finished playing. */
  get playing(): boolean {
    return this.#pending.size > 0;
  }

  /** Sends a message to Twilio, noting the marks it places and the queue it clears. */
  relay(message: TwilioOutbound, modelMessageAtNs?: bigint): void {
    if (this.#ended) return;
    if (message.event === 'mark') this.#pending.add(message.mark.name);
    this.#send(message, modelMessageAtNs);
    if (message.event === 'clear') this.#settle();
  }

  /** Twilio echoed a mark; false when it was not pending (never sent, or cleared since). */
  markPlayed(name: string): boolean {
    if (!this.#pending.delete(name)) return false;
    if (this.#pending.size === 0) this.#settle();
    return true;
  }

  /** Resolves when everything sent so far has played, been cleared, or the stream has ended. */
  finished(): Promise<void> {
    if (!this.playing || this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The stream is gone: nothing pending will be echoed. */
  streamEnded(): void {
    this.#ended = true;
    this.#settle();
  }

  #settle(): void {
    this.#pending.clear();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }
}
