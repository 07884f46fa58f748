import type { Logger } from '@aws-lambda-powertools/logger';
import { guarded } from '../fault-boundary';
import type { ProviderFactory, ProviderEvents, ProviderSession, ProviderSessionOptions } from '../providers/types';

export interface ModelLinkHandlers {
  turn: (turn: ProviderEvents['turn'][0]) => void;
  /** The session in use closed without being asked to; `cause` says what the model last reported. */
  dropped: (cause: string) => void;
  /** The session, or the bridge's handling of what it reported, threw. */
  fault: (error: Error) => void;
}

/** Why a session could not be opened: the provider could not be created, or did not connect. */
export class ModelOpenError extends Error {
  override readonly name = 'ModelOpenError';
  constructor(
    readonly stage: 'create' | 'connect',
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }
}

/**
 * The call's connection to its realtime model: one session at a time, created by the injected
 * factory and wired to the bridge.
 */
export class ModelLink {
  #session: ProviderSession | undefined;
  #connected = false;
  #doneWaiters: Array<() => void> = [];

  constructor(
    private readonly factory: ProviderFactory,
    private readonly handlers: ModelLinkHandlers,
    private readonly log: Logger,
  ) {}

  /** The session in use once it is connected; none while a new one connects (what it would be sent cannot reach it yet). */
  get session(): ProviderSession | undefined {
    return this.#connected ? this.#session : undefined;
  }

  /** Opens a session (replacing the one in use) and resolves once audio can flow. */
  async open(options: ProviderSessionOptions): Promise<ProviderSession> {
    let session: ProviderSession;
    try {
      session = await this.factory(options);
    } catch (error) {
      throw new ModelOpenError('create', error);
    }
    this.#session = session;
    this.#connected = false;
    this.#wire(session);
    const connectStarted = Date.now();
    try {
      await session.connect();
    } catch (error) {
      throw new ModelOpenError('connect', error);
    }
    this.#connected = session === this.#session;
    this.log.info('Realtime session connected', { connectMs: Date.now() - connectStarted });
    return session;
  }

  /** Resolves when the session in use finishes a response (after a reconnect, the new session's). */
  responseDone(): Promise<void> {
    return new Promise((resolve) => this.#doneWaiters.push(resolve));
  }

  /** Closes the session in use, if any; a close that fails is of no consequence. */
  async close(): Promise<void> {
    await this.#session?.close().catch(() => undefined);
  }

  /** Every listener is guarded: a throw in the bridge's handling ends this call, not the adapter's socket handler. */
  #wire(session: ProviderSession): void {
    const current = () => session === this.#session;
    const fault = (error: Error) => this.handlers.fault(error);
    let lastModelError: string | undefined;
    // A replaced session may still report its last words; only its closing is ignored.
    session.on('turn', guarded((turn) => this.handlers.turn(turn), fault));
    session.on(
      'error',
      guarded((error) => {
        lastModelError = error.message;
        this.log.warn('Realtime model error', { error });
      }, fault),
    );
    session.on(
      'closed',
      guarded(({ expected }) => {
        if (expected || !current()) return;
        this.handlers.dropped(`The realtime model connection closed unexpectedly${lastModelError ? `: ${lastModelError}` : ''}`);
      }, fault),
    );
    session.on('response_done', () => {
      if (!current()) return;
      const waiters = this.#doneWaiters;
      this.#doneWaiters = [];
      for (const resolve of waiters) resolve();
    });
    session.on('fault', (error) => {
      if (current()) fault(error);
    });
  }
}
