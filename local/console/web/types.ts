/** The console API's answers, as the page reads them (see local/console/call-views.ts and environment.ts). */

export type CallStatus = 'initiating' | 'queued' | 'initiated' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';

export interface CallSummary {
  callbackId: string;
  channel: 'browser' | 'phone';
  to: string;
  status: CallStatus;
  outcome: string | null;
  durationSeconds: number | null;
  provider: string;
  model: string;
  createdAt: string;
  answeredAt: string | null;
  completed: boolean;
}

export interface TranscriptTurn {
  role: 'user' | 'assistant';
  text: string;
  at: string;
}

export interface ToolCall {
  name: string;
  arguments: Record<string, unknown>;
  result?: unknown;
  error?: string;
  at: string;
}

export interface StatusChange {
  status: CallStatus;
  at: string;
  source: string;
  applied: boolean;
  sequenceNumber?: number;
  errorCode?: string;
  errorMessage?: string;
}

export interface CallRecord {
  callbackId: string;
  request: { to: string; from: string; voice?: string; instructions?: string; variables?: Record<string, string>; metadata?: Record<string, unknown> };
  provider: string;
  model: string;
  status: CallStatus;
  statusHistory: StatusChange[];
  createdAt: string;
  callSid?: string;
  answeredAt?: string;
  endedAt?: string;
  durationSeconds?: number;
  answeredBy?: string;
  summary?: string;
  transcriptComplete?: boolean;
  error?: { code: string; message: string };
}

export interface CallPage {
  summary: CallSummary;
  call: CallRecord;
  transcript: TranscriptTurn[];
  toolCalls: ToolCall[];
  event: unknown | null;
}

export interface ProviderChoice {
  id: string;
  label: string;
  ready: boolean;
  why: string | null;
  defaultModel: string;
  defaultVoice: string;
  voices: string[];
}

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

export interface PlacedBrowserCall {
  callbackId: string;
  callSid: string;
  accountSid: string;
  streamToken: string;
  ticket: string;
  mediaStreamPath: string;
}

export type LiveMessage =
  | { type: 'turn'; callbackId: string; turn: TranscriptTurn }
  | { type: 'completed'; callbackId: string; event: unknown }
  | { type: 'call'; callbackId: string; change: 'placed' | 'ended' };
