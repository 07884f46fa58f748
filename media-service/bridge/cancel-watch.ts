import type { CallRecord } from '../../shared/call-record';
import type { CallStore } from '../../shared/call-store';

type Cancel = NonNullable<CallRecord['cancel']>;

/**
 * Notices a cancel of a live call, asked for through the API on whichever instance the call API
 * runs. One watch per process: every few seconds the `cancel` attribute of all its live calls is
 * read at once (a hundred calls per request, eventually consistent), so the media task holding a
 * stream needs no address, a cancel reaches it within one interval, and the table sees one small
 * request per interval rather than one per call.
 */
export class CancelWatch {
  readonly #watched = new Map<string, (cancel: Cancel) => void>();
  #timer: NodeJS.Timeout | undefined;
  #reading = false;

  constructor(
    private readonly store: CallStore,
    private readonly everyMs: number,
  ) {}

  /** Calls `onCancel` once when the call is canceled; the returned function stops watching it. */
  watch(callbackId: string, onCancel: (cancel: Cancel) => void): () => void {
    this.#watched.set(callbackId, onCancel);
    this.#timer ??= setInterval(() => void this.#poll(), this.everyMs).unref();
    return () => this.#unwatch(callbackId, onCancel);
  }

  /** Stops every watch (the process is shutting down). */
  stop(): void {
    this.#watched.clear();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #unwatch(callbackId: string, onCancel: (cancel: Cancel) => void): void {
    if (this.#watched.get(callbackId) !== onCancel) return;
    this.#watched.delete(callbackId);
    if (this.#watched.size === 0) this.stop();
  }

  async #poll(): Promise<void> {
    if (this.#reading || this.#watched.size === 0) return;
    this.#reading = true;
    try {
      const cancels = await this.store.cancelsOf([...this.#watched.keys()]);
      for (const [callbackId, cancel] of cancels) {
        const onCancel = this.#watched.get(callbackId);
        if (!onCancel) continue;
        this.#watched.delete(callbackId);
        onCancel(cancel);
      }
      if (this.#watched.size === 0) this.stop();
    } catch {
      // The table could not be read this time; the next interval tries again.
    } finally {
      this.#reading = false;
    }
  }
}
