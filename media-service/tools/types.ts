import type { z } from 'zod';
import type { Config } from '../../shared/config';
import type { TwilioClient } from '../../shared/twilio';
import type { GoogleClients } from './google';

/** A tool the agent may call: defined once, mapped by each provider to its own format. */
export interface ToolDefinition<P extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  parameters: P;
  /** The parameters as the caller wrote them in JSON Schema, when the tool came that way (per-call tools). */
  jsonSchema?: Record<string, unknown>;
  /** Milliseconds before the call is abandoned and the model told so. */
  timeoutMs?: number;
  execute(args: z.infer<P>, context: ToolContext): Promise<unknown>;
}

/** What a tool may do to the phone call itself; the bridge implements it over the live stream. */
export interface CallControl {
  /** Waits until the agent's queued audio has played (Twilio echoed every mark), then ends the call. */
  hangUpAfterPlayback(reason: string): Promise<void>;
  /** Waits for the agent's audio to play, then replaces the call's TwiML with a `<Dial>` to `to`. */
  transfer(to: string): Promise<void>;
  /** Plays DTMF tones to the far end (a phone menu); resolves once they have played. */
  sendDigits(digits: string): Promise<void>;
}

/** The outside services tools talk to, created on first use. */
export interface ToolServices {
  twilio(): TwilioClient;
  google(): GoogleClients;
}

/** What a tool may know about and do to the call it runs in. */
export interface ToolContext {
  callbackId: string;
  callSid: string | undefined;
  /** The number being called (the only destination the agent may text). */
  to: string;
  from: string;
  /** The e-mail addresses the call's request names: the only ones send_email writes to outside EMAIL_ALLOWED_DOMAINS. */
  emailRecipients?: readonly string[];
  config: Config;
  now: () => Date;
  callControl: CallControl;
  services: ToolServices;
  signal: AbortSignal;
}

/** The tools offered on one call, and the one way to run them (timeout, recording, errors as sentences). */
export interface ToolRunner {
  definitions: readonly ToolDefinition[];
  run(name: string, args: unknown): Promise<{ output: string; isError: boolean }>;
  /** Resolves when no tool call is in flight (the bridge waits for it before finalizing). */
  idle(): Promise<void>;
}
