import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { AgentScript } from '../fake-openai/scripts';
import type { WireTap } from './wire-tap';

/** What every fake model's WebSocket session is started with; each adds its provider's own. */
export interface FakeSessionOptions<Stats, Faults> {
  socket: WebSocket;
  stats: Stats;
  /** What the fake agent says and does. */
  script: AgentScript;
  faults: Faults;
  /** How often a chunk of the agent's audio goes out (wall clock). */
  audioChunkIntervalMs: number;
  onSend?: WireTap['onSend'];
}

/** Why a fake's session ended: the client left, a fault was injected, the fake shut down, or a cause of the provider's own. */
export type BaseCloseCause = 'client' | 'fault' | 'server';

/**
 * The WebSocket end of one fake provider session: it records how and when the session closed,
 * sends nothing once closed, owns the session's timers, and can die as an outage does (no close
 * frame) after the frames already sent have left.
 */
export class FakeSocket<Cause extends string> {
  readonly #socket: WebSocket;
  readonly #stats: { closedAt?: number; closedBy?: Cause | BaseCloseCause };
  readonly #onClosed: () => void;
  readonly #timers: NodeJS.Timeout[] = [];
  #closed = false;
  #unflushed = 0;
  readonly #whenFlushed: Array<() => void> = [];

  /** `onClosed` stops what the session has under way (a response being spoken). */
  constructor(socket: WebSocket, stats: { closedAt?: number; closedBy?: Cause | BaseCloseCause }, onClosed: () => void) {
    this.#socket = socket;
    this.#stats = stats;
    this.#onClosed = onClosed;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether a frame sent now would go out. */
  get open(): boolean {
    return !this.#closed && this.#socket.readyState === this.#socket.OPEN;
  }

  /** Hands each message to `onMessage` until closed; `dropAfterMs` injects an outage that long after opening. */
  listen(onMessage: (data: RawData, isBinary: boolean) => void, dropAfterMs: number | undefined): void {
    this.#socket.on('message', (data, isBinary) => {
      if (!this.#closed) onMessage(data, isBinary);
    });
    this.#socket.on('close', () => this.markClosed('client'));
    if (dropAfterMs !== undefined) this.after(dropAfterMs, () => this.drop());
  }

  /** Runs `callback` once after `ms` unless the session closes first. */
  after(ms: number, callback: () => void): void {
    this.#timers.push(setTimeout(callback, ms));
  }

  /** Runs `callback` every `ms` until the session closes. */
  every(ms: number, callback: () => void): void {
    this.#timers.push(setInterval(callback, ms));
  }

  /** A provider outage: the TCP connection dies without a close frame. */
  drop(): void {
    this.markClosed('fault');
    this.#socket.terminate();
  }

  /**
   * An outage right after what was already sent: the frames reach the client, then the connection
   * dies without a close frame. It ends with a FIN, which follows every byte written: a reset, as
   * `terminate` sends while the client's audio waits unread here, would discard what the kernel had
   * not yet delivered to a busy client.
   */
  dropWhenFlushed(): void {
    if (this.#closed) return;
    this.markClosed('fault');
    const tcp = (this.#socket as unknown as { _socket?: Duplex })._socket;
    const cut = () => (tcp ? tcp.end() : this.#socket.terminate());
    if (this.#unflushed === 0) cut();
    else this.#whenFlushed.push(cut);
  }

  /** The fake shuts down. */
  terminate(): void {
    this.markClosed('server');
    this.#socket.terminate();
  }

  /** The provider closes the session with a close frame. */
  close(cause: Cause | BaseCloseCause, code: number, reason: string): void {
    this.markClosed(cause);
    this.#socket.close(code, reason);
  }

  markClosed(cause: Cause | BaseCloseCause): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#timers.forEach(clearTimeout);
    this.#onClosed();
    this.#stats.closedAt = Date.now();
    this.#stats.closedBy = cause;
  }

  /** Sends a frame while the session is open. */
  send(data: string | Buffer): void {
    if (!this.open) return;
    this.#unflushed += 1;
    this.#socket.send(data, () => {
      this.#unflushed -= 1;
      if (this.#unflushed === 0) this.#whenFlushed.splice(0).forEach((callback) => callback());
    });
  }
}

export function rawToString(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}
