import { EventEmitter } from 'node:events';
import type { RealtimeProvider } from '../../shared/config';
import type { ProviderEvents, ProviderFactory, ProviderSession, ProviderSessionOptions } from '../../media-service/providers/types';
import { outbound } from '../../media-service/twilio-stream';

/**
 * A realtime model session the test plays: a real ProviderSession whose every move (connect,
 * speak, hear, drop) the test makes, and which remembers everything the bridge asked of it.
 */
export class ScriptedSession extends EventEmitter<ProviderEvents> implements ProviderSession {
  readonly audio: string[] = [];
  readonly marksPlayed: string[] = [];
  readonly responsesRequested: Array<string | undefined> = [];
  readonly texts: string[] = [];
  streamSid: string | undefined;
  closed = false;
  #connected!: { resolve: () => void; reject: (error: Error) => void };
  readonly #connection = new Promise<void>((resolve, reject) => (this.#connected = { resolve, reject }));
  #spoken = 0;

  constructor(readonly options: ProviderSessionOptions) {
    super();
  }

  connect(): Promise<void> {
    return this.#connection;
  }

  /** The model connection comes up (or fails), when the test says so. */
  connected(error?: Error): void {
    if (error) this.#connected.reject(error);
    else this.#connected.resolve();
  }

  streamStarted(streamSid: string): void {
    this.streamSid = streamSid;
  }

  sendAudio(payloadBase64: string): void {
    this.audio.push(payloadBase64);
  }

  markPlayed(name: string): void {
    this.marksPlayed.push(name);
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

  /** The agent says `text`: one audio frame and a mark to Twilio, then the finished turn. Returns the mark's name. */
  say(text: string): string {
    const mark = `scripted-${++this.#spoken}`;
    this.emit('twilio', outbound.media(this.streamSid!, Buffer.from(text).toString('base64')));
    this.emit('twilio', outbound.mark(this.streamSid!, mark));
    this.emit('turn', { role: 'assistant', text });
    this.emit('response_done');
    return mark;
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
