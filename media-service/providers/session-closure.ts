import type { EventEmitter } from 'node:events';
import type { ProviderEvents } from './types';

/**
 * How a session tells the bridge its model connection is gone: `closed` exactly once, and when
 * the provider dropped it (not the call ending it), the error first.
 */
export class SessionClosure {
  #reported = false;

  constructor(private readonly session: EventEmitter<ProviderEvents>) {}

  /** The call ended the connection. */
  expected(): void {
    this.#report(true);
  }

  /** The provider ended it: the error, then `closed`. */
  dropped(error: { code: string; message: string }): void {
    if (this.#reported) return;
    this.session.emit('error', error);
    this.#report(false);
  }

  #report(expected: boolean): void {
    if (this.#reported) return;
    this.#reported = true;
    this.session.emit('closed', { expected });
  }
}
