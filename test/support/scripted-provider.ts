import { AsyncResource } from 'node:async_hooks';
import { EventEmitter } from 'node:events';
import type { RealtimeProvider } from '../../shared/providers';
import type { ProviderEvents, ProviderFactory, ProviderSession, ProviderSessionOptions } from '../../media-service/providers/types';

/**
 * A realtime model session the test plays: a real ProviderSession whose every move (connect,
 * speak, hear, drop) the test makes, and which remembers everything the bridge asked of it.
 */
export class ScriptedSession extends EventEmitter<ProviderEvents> implements ProviderSession {
  readonly audio: string[] = [];
  readonly responsesRequested: Array<string | undefined> = [];
  readonly texts: string[] = [];
  closed = false;
  #connected!: { resolve: () => void; reject: (error: Error) => void };
  readonly #connection = new Promise<void>((resolve, reject) => (this.#connected = { resolve, reject }));

  /** The async context the bridge opened this session in (its call's). */
  readonly #context = new AsyncResource('ScriptedSession');

  constructor(readonly options: ProviderSessionOptions) {
    super();
  }

  /** Runs `fn` as code of this session's call would run (a timer or socket the call created). */
  inCallContext<T>(fn: () => T): T {
    return this.#context.runInAsyncScope(fn);
  }

  connect(): Promise<void> {
    return this.#connection;
  }

  /** The model connection comes up (or fails), when the test says so. */
  connected(error?: Error): void {
    if (error) this.#connected.reject(error);
    else this.#connected.resolve();
  }

  sendAudio(payloadBase64: string): void {
    this.audio.push(payloadBase64);
  }

  requestResponse(instructions?: string): void {
    this.responsesRequested.push(instructions);
  }

  sendText(text: string): void {
    this.texts.push(text);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emit('closed', { expected: true });
  }

  /** The agent says `text` (as one chunk of audio), then its turn is finished. */
  say(text: string): void {
    const { playback } = this.options;
    playback.startResponse();
    playback.play(Buffer.from(text));
    playback.endResponse();
    this.emit('turn', { role: 'assistant', text });
    this.emit('response_done');
  }

  /** The model transcribed the caller saying `text`. */
  heard(text: string): void {
    this.emit('turn', { role: 'user', text });
  }

  /** The model connection drops. */
  drop(message = 'scripted drop'): void {
    this.emit('error', { code: 'model_disconnected', message });
    this.emit('closed', { expected: false });
  }
}

/** A provider registry whose every session is scripted; `sessions` lists them in the order opened. */
export function scriptedProvider(): { providerFactory: (provider: RealtimeProvider) => ProviderFactory; sessions: ScriptedSession[] } {
  const sessions: ScriptedSession[] = [];
  return {
    sessions,
    providerFactory: () => (options) => {
      const session = new ScriptedSession(options);
      sessions.push(session);
      return session;
    },
  };
}
