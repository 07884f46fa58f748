import { z } from 'zod';
import { LONGEST_CALL_SECONDS } from './call-limits';
import { callToolsSchema } from './call-tools';
import { callWindowSchema, scheduleAtSchema } from './call-window';
import { realtimeProviderSchema } from './providers';
import { compileJsonSchema } from './json-schema';
import { languageTagSchema } from './languages';
import { CALLBACK_ID, CALLBACK_ID_MESSAGE } from './patterns';
import { e164Schema } from './phone';
import { jsonBytes } from './json-limits';

export const METADATA_MAX_BYTES = 8 * 1024;
export const INITIATE_BODY_MAX_BYTES = 64 * 1024;

const jsonObject = z.record(z.string(), z.json());

/** Per-call post-call analysis: what to extract (a JSON Schema) and what counts as success. */
export const analysisRequestSchema = z.strictObject({
  schema: jsonObject.superRefine((schema, ctx) => {
    const compiled = compileJsonSchema(schema);
    if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.problem });
  }),
  successCriterion: z.string().trim().min(1).max(2_000),
});
export type AnalysisRequest = z.infer<typeof analysisRequestSchema>;

/** The body of `POST /call/initiate`. Unknown keys are refused. */
export const initiateRequestSchema = z.strictObject({
  callbackId: z.string().regex(CALLBACK_ID, CALLBACK_ID_MESSAGE),
  to: e164Schema,
  from: e164Schema.optional(),
  record: z.boolean().default(false),
  machineDetection: z.boolean().default(false),
  instructions: z.string().trim().min(1).max(20_000).optional(),
  variables: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'variable names are identifiers'), z.string().max(2_000))
    .refine((v) => Object.keys(v).length <= 50, 'at most 50 variables')
    .optional(),
  metadata: jsonObject
    .refine((m) => jsonBytes(m) <= METADATA_MAX_BYTES, `must serialize to at most ${METADATA_MAX_BYTES} bytes`)
    .optional(),
  maxDurationSeconds: z.number().int().min(30).max(LONGEST_CALL_SECONDS).optional(),
  provider: realtimeProviderSchema.optional(),
  model: z.string().min(1).max(100).optional(),
  voice: z.string().min(1).max(100).optional(),
  /** Said after the beep when an answering machine picks up (needs `machineDetection`); without it the call hangs up. */
  voicemailMessage: z.string().trim().min(1).max(1_000).optional(),
  /** Where `transfer_call` sends the caller on this call (else TRANSFER_NUMBER); must pass the destination allow-list. */
  transferTo: e164Schema.optional(),
  analysis: analysisRequestSchema.optional(),
  /** The orchestrator's own HTTP tools for this call, run by a signed POST to each tool's URL. */
  tools: callToolsSchema.optional(),
  /** The callee's language (BCP-47): the agent's voice, speech recognition, wording and voicemail. */
  language: languageTagSchema.optional(),
  /** Masks phone numbers, e-mail addresses and card numbers in the event's transcript and summary. */
  redactTranscript: z.boolean().optional(),
  /** With `redactTranscript`, false keeps the originals in the stored turns (`GET /calls/{id}`); by default they are masked too. */
  redactStored: z.boolean().optional(),
  /** Place the call at this instant (ISO 8601 with its offset), at most 30 days ahead. */
  scheduleAt: scheduleAtSchema.optional(),
  /** Ring only inside this window (else DEFAULT_CALL_WINDOW, when set); the call waits for it to open. */
  callWindow: callWindowSchema.optional(),
  /** Seconds of callee silence before the agent asks whether they are still there (else SILENCE_TIMEOUT_SECONDS). */
  silenceTimeoutSeconds: z.number().int().min(5).max(600).optional(),
  /** Receives the `Call Completed` event, signed per Standard Webhooks; its host must be in WEBHOOK_ALLOWED_HOSTS. */
  webhookUrl: z.url({ protocol: /^https?$/ }).max(2_048).optional(),
  /** A Step Functions task token: the call's end completes that `.waitForTaskToken` state. */
  taskToken: z.string().min(1).max(1_024).optional(),
  /** Outcomes that fail the task (SendTaskFailure) instead of succeeding it. */
  taskFailureOutcomes: z.array(z.enum(['failed', 'busy', 'no-answer'])).min(1).max(3).optional(),
});
export type InitiateRequest = z.infer<typeof initiateRequestSchema>;

/** Why a call ended, when the side that ended it on purpose says so (see shared/end-reason.ts for the rest). */
export const RECORDED_END_REASONS = ['agent_hangup', 'time_limit', 'silence_timeout', 'canceled', 'error'] as const;
export type RecordedEndReason = (typeof RECORDED_END_REASONS)[number];

export const TERMINAL_STATUSES = ['completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
/** Call states in the only order they may move through; terminal states share the last rank. */
export const CALL_STATUSES = ['scheduled', 'initiating', 'queued', 'initiated', 'ringing', 'in-progress', ...TERMINAL_STATUSES] as const;
export const callStatusSchema = z.enum(CALL_STATUSES);
export type CallStatus = z.infer<typeof callStatusSchema>;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: CallStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export function statusRank(status: CallStatus): number {
  return isTerminal(status) ? CALL_STATUSES.indexOf('completed') : CALL_STATUSES.indexOf(status);
}

export const statusChangeSchema = z.object({
  status: callStatusSchema,
  at: z.string(),
  source: z.enum(['api', 'twilio']),
  sequenceNumber: z.number().int().optional(),
  sipResponseCode: z.string().optional(),
  answeredBy: z.string().optional(),
  callDuration: z.number().optional(),
  errorCode: z.string().optional(),
  errorMessage: z.string().optional(),
  /** False when the callback arrived after a later one and did not change the state. */
  applied: z.boolean(),
});
export type StatusChange = z.infer<typeof statusChangeSchema>;

export const callErrorSchema = z.object({ code: z.string(), message: z.string() });
export type CallError = z.infer<typeof callErrorSchema>;

/** The call item (`sk = "call"`). Transcript turns and tool calls are items of their own. */
export const callRecordSchema = z.object({
  callbackId: z.string(),
  request: initiateRequestSchema.extend({ from: e164Schema }),
  requestHash: z.string(),
  provider: realtimeProviderSchema,
  model: z.string(),
  status: callStatusSchema,
  /** Highest Twilio SequenceNumber applied; -1 before the first callback. */
  statusSequence: z.number().int(),
  statusHistory: z.array(statusChangeSchema),
  version: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
  callSid: z.string().optional(),
  answeredAt: z.string().optional(),
  endedAt: z.string().optional(),
  durationSeconds: z.number().optional(),
  answeredBy: z.string().optional(),
  recordingUrl: z.string().optional(),
  /** The call's recording, once copied into the recordings bucket. */
  recording: z.object({ bucket: z.string(), key: z.string(), durationSeconds: z.number(), channels: z.number().int() }).optional(),
  error: callErrorSchema.optional(),
  /** What the outstanding stream token is derived from, so a repeated TwiML fetch gets the same one. */
  streamTokenSeed: z.string().optional(),
  streamTokenHash: z.string().optional(),
  streamTokenExpiresAt: z.number().optional(),
  streamSid: z.string().optional(),
  streamStartedAt: z.string().optional(),
  streamEndedAt: z.string().optional(),
  transcriptComplete: z.boolean().optional(),
  summary: z.string().optional(),
  /** Set by call control (voicemail left, transfer made); wins over the Twilio status. */
  outcomeOverride: z.enum(['voicemail', 'transferred']).optional(),
  /** The post-call analysis of `request.analysis`, once extracted and validated. */
  analysisResult: z.object({ data: z.json(), successful: z.boolean() }).optional(),
  /** Set by the side that ended the call on purpose (agent, time limit, silence, cancel); first writer wins. */
  endReason: z.enum(RECORDED_END_REASONS).optional(),
  /** A cancel asked for through the API; a live call's media service acts on it. */
  cancel: z.object({ requestedAt: z.string(), immediate: z.boolean() }).optional(),
  /** When a scheduled call is (or was) due to be placed. */
  scheduledFor: z.string().optional(),
  completion: z.object({ eventId: z.string(), claimedAt: z.string(), by: z.string(), publishedAt: z.string().optional() }).optional(),
});
export type CallRecord = z.infer<typeof callRecordSchema>;

/** The call as its callers see it: without the stream token's secrets and the record's version. */
export function withoutSecrets(call: CallRecord) {
  const { streamTokenSeed: _seed, streamTokenHash: _hash, streamTokenExpiresAt: _expires, version: _version, ...shown } = call;
  return shown;
}

/** A change to a call: the fields to set, or undefined for no change. */
export type Mutation = Partial<CallRecord> | undefined;

export const transcriptTurnSchema = z.object({
  role: z.enum(['user', 'assistant']),
  text: z.string(),
  at: z.string(),
});
export type TranscriptTurn = z.infer<typeof transcriptTurnSchema>;

export const toolCallRecordSchema = z.object({
  name: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  result: z.unknown().optional(),
  error: z.string().optional(),
  at: z.string(),
});
export type ToolCallRecord = z.infer<typeof toolCallRecordSchema>;

/** A call with everything recorded under it, as `GET /calls/{callbackId}` returns it. */
export const callDetailsSchema = z.object({
  call: callRecordSchema,
  transcript: z.array(transcriptTurnSchema),
  toolCalls: z.array(toolCallRecordSchema),
});
export type CallDetails = z.infer<typeof callDetailsSchema>;
