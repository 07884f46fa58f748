import type { EventEmitter } from 'node:events';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config } from '../../shared/config';
import type { RealtimeProvider } from '../../shared/providers';
import type { CallerPlayback } from '../playback/caller-playback';
import type { ToolRunner } from '../tools/types';

/** What a provider session reports to the bridge. */
export interface ProviderEvents {
  /** A finished turn of the conversation, ready to persist. */
  turn: [turn: { role: 'user' | 'assistant'; text: string }];
  /** The agent's current response has been fully generated (its audio may still be playing). */
  response_done: [];
  error: [error: { code: string; message: string }];
  /** The model connection ended; `expected` is false when the provider dropped it. */
  closed: [info: { expected: boolean }];
  /**
   * The adapter or its SDK threw while handling the model (a message it could not parse, a bug):
   * the session cannot be trusted to go on, and the call ends.
   */
  fault: [error: Error];
}

/** The per-call settings a session is opened with. */
export interface ProviderSessionOptions {
  config: Config;
  provider: RealtimeProvider;
  model: string;
  voice: string;
  instructions: string;
  /** The callee's language (BCP-47), when the call names one: speech recognition and the agent's wording. */
  language?: string;
  /** The call's `variables` (already filled into `instructions`); ElevenLabs also passes them as dynamic variables. */
  variables?: Record<string, string>;
  tools: ToolRunner;
  /** The call's playback: the one way agent audio reaches the caller, and where barge-in clears it. */
  playback: CallerPlayback;
  log: Logger;
}

/**
 * One realtime model conversation bridged to one Twilio stream. The bridge feeds it the
 * caller's audio; the agent's audio goes to the caller through the call's `playback`.
 */
export interface ProviderSession extends EventEmitter<ProviderEvents> {
  /** Opens the model connection; resolves when audio can flow. */
  connect(): Promise<void>;
  /** One caller audio frame: μ-law 8 kHz, base64 as Twilio sent it, with Twilio's timestamp. */
  sendAudio(payloadBase64: string, timestampMs: number | undefined): void;
  /** Asks the agent to speak now (greeting, goodbye), optionally with extra instructions. */
  requestResponse(instructions?: string): void;
  /** Tells the agent something that happened on the call (e.g. "the caller pressed 1"). */
  sendText(text: string): void;
  close(): Promise<void>;
}

/** Creates a provider's session; may first load the provider's module. */
export type ProviderFactory = (options: ProviderSessionOptions) => ProviderSession | Promise<ProviderSession>;
