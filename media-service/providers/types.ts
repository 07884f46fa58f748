import type { EventEmitter } from 'node:events';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Config, RealtimeProvider } from '../../shared/config';
import type { TwilioOutbound } from '../twilio-stream';
import type { ToolRunner } from '../tools/types';

/** What a provider session reports to the bridge. */
export interface ProviderEvents {
  /**
   * A message for the Twilio stream: agent audio (μ-law 8 kHz), a playback mark, or `clear` on
   * barge-in. Audio carries the hrtime (ns) at which the model message it came from arrived.
   */
  twilio: [message: TwilioOutbound, modelMessageAtNs?: bigint];
  /** A finished turn of the conversation, ready to persist. */
  turn: [turn: { role: 'user' | 'assistant'; text: string }];
  /** The agent's current response has been fully generated (its audio may still be playing). */
  response_done: [];
  /** The caller started talking over the agent. */
  interrupted: [];
  error: [error: { code: string; message: string }];
  /** The model connection ended; `expected` is false when the provider dropped it. */
  closed: [info: { expected: boolean }];
}

/** The per-call settings a session is opened with. */
export interface ProviderSessionOptions {
  config: Config;
  provider: RealtimeProvider;
  model: string;
  voice: string;
  instructions: string;
  /** The call's `variables` (already filled into `instructions`); ElevenLabs also passes them as dynamic variables. */
  variables?: Record<string, string>;
  tools: ToolRunner;
  log: Logger;
}

/**
 * One realtime model conversation bridged to one Twilio stream. The bridge feeds it the
 * caller's side of the Twilio stream and writes whatever it emits as `twilio` back to Twilio.
 */
export interface ProviderSession extends EventEmitter<ProviderEvents> {
  /** Opens the model connection; resolves when audio can flow. */
  connect(): Promise<void>;
  /** The Twilio `start` has arrived (stream identity and media format). */
  streamStarted(streamSid: string): void;
  /** One caller audio frame: μ-law 8 kHz, base64 as Twilio sent it, with Twilio's timestamp. */
  sendAudio(payloadBase64: string, timestampMs: number | undefined): void;
  /** Twilio finished playing the audio sent before the mark of this name. */
  markPlayed(name: string): void;
  /** Asks the agent to speak now (greeting, goodbye), optionally with extra instructions. */
  requestResponse(instructions?: string): void;
  /** Tells the agent something that happened on the call (e.g. "the caller pressed 1"). */
  sendText(text: string): void;
  close(): Promise<void>;
}

export type ProviderFactory = (options: ProviderSessionOptions) => ProviderSession;
