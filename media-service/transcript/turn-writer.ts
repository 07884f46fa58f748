import type { TranscriptTurn } from '../../shared/call-record';
import { MAX_BATCH_WRITE_ITEMS, type CallStore } from '../../shared/call-store';

/** How long a finished turn waits for others to share its write. */
const LINGER_MS = 100;

interface Pending {
  turn: { callbackId: string; sequence: number; turn: TranscriptTurn };
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Persists the finished transcript turns of all the process's calls, a batch at a time: a turn
 * waits at most a tenth of a second for others, and twenty-five go in one request. One write per
 * turn would cost a signed request each (a few a second per call, the media service's largest
 * share of table traffic) for items of a few hundred bytes.
 */
export class TurnWriter {
  #pending: Pending[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: CallStore) {}

  /** Resolves once the turn is stored; rejects if it could not be. */
  write(callbackId: string, sequence: number, turn: TranscriptTurn): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ turn: { callbackId, sequence, turn }, resolve, reject });
      if (this.#pending.length >= MAX_BATCH_WRITE_ITEMS) this.#flush();
      else this.#timer ??= setTimeout(() => this.#flush(), LINGER_MS);
    });
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#pending.splice(0, MAX_BATCH_WRITE_ITEMS);
    if (this.#pending.length > 0) this.#timer = setTimeout(() => this.#flush(), 0);
    this.store.appendTurns(batch.map((p) => p.turn)).then(
      () => batch.forEach((p) => p.resolve()),
      (error: unknown) => batch.forEach((p) => p.reject(error)),
    );
  }
}
