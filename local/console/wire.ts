import type { CallRecord, ToolCallRecord, TranscriptTurn, withoutSecrets } from '../../shared/call-record';
import type { Outcome } from '../../shared/outcome';
import type { SunkEvent } from '../sunk-event';

/**
 * What the console's API and live feed send, declared once for the server (local/console/*.ts)
 * and the page (web/), which imports these as types only so its bundle holds no server code.
 * Call data is the store's own types, inferred from the zod schemas in shared/call-record.ts.
 */

/** One row of the calls list. */
export interface CallSummary {
  callbackId: string;
  channel: 'browser' | 'phone';
  to: string;
  status: CallRecord['status'];
  /** Known once the call has ended. */
  outcome: Outcome | null;
  durationSeconds: number | null;
  provider: string;
  model: string;
  createdAt: string;
  answeredAt: string | null;
  /** The `Call Completed` event is on the bus. */
  completed: boolean;
}

/** The stored call as the console shows it: without its stream token's secrets and version. */
export type ConsoleCall = ReturnType<typeof withoutSecrets>;

/** A call's page: the stored call, its turns and tool calls, and its `Call Completed` event once out. */
export interface CallPage {
  summary: CallSummary;
  call: ConsoleCall;
  transcript: TranscriptTurn[];
  toolCalls: ToolCallRecord[];
  event: SunkEvent | null;
}

/** A provider a console call may use, and whether this stack can. */
export interface ProviderChoice {
  id: string;
  label: string;
  ready: boolean;
  /** What is missing when not ready. */
  why: string | null;
  defaultModel: string;
  defaultVoice: string;
  voices: string[];
}

/** What the console pages need to know about this stack: which services are real, which providers can take a call. */
export interface ConsoleEnvironment {
  twilio: 'simulator' | 'real';
  model: 'fake' | 'real';
  apiUrl: string;
  mediaUrl: string;
  fromNumber: string | null;
  allowedPrefixes: string[] | null;
  defaultProvider: string;
  defaultInstructions: string;
  maxDurationSeconds: number;
  providers: ProviderChoice[];
}

/** The answer to placing a browser call: what the page's phone needs to open the media stream. */
export interface PlacedBrowserCallReply {
  callbackId: string;
  callSid: string;
  accountSid: string;
  streamToken: string;
  ticket: string;
  mediaStreamPath: string;
}

/** What the console pushes to open pages. */
export type LiveMessage =
  | { type: 'turn'; callbackId: string; turn: TranscriptTurn }
  | { type: 'completed'; callbackId: string; event: SunkEvent }
  | { type: 'call'; callbackId: string; change: 'placed' | 'ended' };
