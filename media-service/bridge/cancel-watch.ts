import type { CallRecord } from '../../shared/call-record';
import type { CallStore } from '../../shared/call-store';

/**
 * Notices a cancel of the live call, asked for through the API on whichever instance the
 * call API runs: the call's own record is read every few seconds, only its `cancel`
 * attribute (an eventually consistent read of under 1 KB). The media task holding the
 * stream needs no address, and a cancel reaches it within one interval.
 */
export class CancelWatch {
  readonly #timer: NodeJS.Timeout;
  #reading = false;
  #done = false;

  constructor(store: CallStore, callbackId: string, everyMs: number, onCancel: (cancel: NonNullable<CallRecord['cancel']>) => void) {
    this.#timer = setInterval(() => {
      if (this.#reading || this.#done) return;
      this.#reading = true;
      store
        .cancelOf(callbackId)
        .then((cancel) => {
          if (!cancel || this.#done) return;
          this.stop();
          onCancel(cancel);
        })
        .catch(() => undefined)
        .finally(() => {
          this.#reading = false;
        });
    }, everyMs);
    this.#timer.unref();
  }

  stop(): void {
    this.#done = true;
    clearInterval(this.#timer);
  }
}
