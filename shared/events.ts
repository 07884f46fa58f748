import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventBridgeClient, PutEventsCommand, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { z } from 'zod';
import { awsClientOptions } from './aws';
import { endReasonOf, endReasonSchema } from './end-reason';
import type { Config } from './config';
import { OUTCOMES, outcomeOf } from './outcome';
import { realtimeProviderSchema } from './providers';
import {
  callErrorSchema,
  callRecordSchema,
  transcriptTurnSchema,
  type CallDetails,
} from './call-record';
import { redactText, redactTurns } from './redaction';

export const EVENT_SOURCE = 'caller-engine';
export const CALL_COMPLETED = 'Call Completed';
/** 1.1 added `endReason`; a change that removes or retypes a field would be 2.0. */
export const CALL_COMPLETED_SCHEMA_VERSION = '1.1';
/** EventBridge refuses entries over 256 KB; leave room for the envelope. */
export const MAX_DETAIL_BYTES = 240 * 1024;


/** The `detail` of a `Call Completed` event: the product's output, versioned for consumers. */
export const callCompletedDetailSchema = z.object({
  schemaVersion: z.literal(CALL_COMPLETED_SCHEMA_VERSION),
  /** Stable per call: a consumer that sees the same eventId twice has seen one event. */
  eventId: z.string(),
  callbackId: z.string(),
  callSid: z.string().nullable(),
  to: z.string(),
  from: z.string(),
  outcome: z.enum(OUTCOMES),
  /** Why the call ended, finer than `outcome` (who hung up, a time or silence limit, a cancel). */
  endReason: endReasonSchema,
  answeredBy: z.string().nullable(),
  startedAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string().nullable(),
  durationSeconds: z.number().nullable(),
  provider: realtimeProviderSchema,
  model: z.string(),
  transcript: z.array(transcriptTurnSchema),
  transcriptComplete: z.boolean(),
  /** True when the transcript was cut to fit the event; `GET /calls/{callbackId}` has all of it. */
  transcriptTruncated: z.boolean(),
  summary: z.string().nullable(),
  /** The post-call analysis asked for at initiate: `data` validates against the caller's schema. Null when not asked for or not obtained. */
  analysis: z.object({ data: z.json(), successful: z.boolean() }).nullable(),
  /** Which tools ran, when, and whether they succeeded; arguments and results are in `GET /calls/{callbackId}`. */
  toolCalls: z.array(z.object({ name: z.string(), at: z.string(), ok: z.boolean() })),
  recordingUrl: z.string().nullable(),
  /** The recording in the recordings bucket (`record: true`), or null when there is none (yet). */
  recording: callRecordSchema.shape.recording.unwrap().nullable(),
  metadata: z.record(z.string(), z.json()).nullable(),
  error: callErrorSchema.nullable(),
});
export type CallCompletedDetail = z.infer<typeof callCompletedDetailSchema>;

export const RECORDING_AVAILABLE = 'Recording Available';

/** The `detail` of a `Recording Available` event: the call's recording is in the recordings bucket. */
export const recordingAvailableDetailSchema = z.object({
  schemaVersion: z.literal('1.0'),
  /** Stable per recording. */
  eventId: z.string(),
  callbackId: z.string(),
  callSid: z.string().nullable(),
  recording: callRecordSchema.shape.recording.unwrap(),
  metadata: z.record(z.string(), z.json()).nullable(),
});
export type RecordingAvailableDetail = z.infer<typeof recordingAvailableDetailSchema>;

export const callCompletedEventSchema = z.object({
  source: z.literal(EVENT_SOURCE),
  'detail-type': z.literal(CALL_COMPLETED),
  detail: callCompletedDetailSchema,
});
export type CallCompletedEvent = z.infer<typeof callCompletedEventSchema>;

/** A UUID-shaped id derived from the callbackId, so every emission of a call's event carries the same one. */
export function completionEventId(callbackId: string): string {
  const hex = createHash('sha256').update(`call-completed:${callbackId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** The event detail for a call, with the transcript cut from the end if the event would be too large. */
export function buildCallCompletedDetail({ call, transcript, toolCalls }: CallDetails): CallCompletedDetail {
  const redact = call.request.redactTranscript === true;
  const detail: CallCompletedDetail = {
    schemaVersion: CALL_COMPLETED_SCHEMA_VERSION,
    eventId: completionEventId(call.callbackId),
    callbackId: call.callbackId,
    callSid: call.callSid ?? null,
    to: call.request.to,
    from: call.request.from,
    outcome: outcomeOf(call),
    endReason: endReasonOf(call) ?? 'error',
    answeredBy: call.answeredBy ?? null,
    startedAt: call.createdAt,
    answeredAt: call.answeredAt ?? null,
    endedAt: call.endedAt ?? null,
    durationSeconds: call.durationSeconds ?? null,
    provider: call.provider,
    model: call.model,
    transcript: redact ? redactTurns(transcript) : transcript,
    transcriptComplete: call.transcriptComplete ?? call.streamStartedAt === undefined,
    transcriptTruncated: false,
    summary: call.summary === undefined ? null : redact ? redactText(call.summary) : call.summary,
    analysis: call.analysisResult ?? null,
    toolCalls: toolCalls.map(({ name, at, error }) => ({ name, at, ok: error === undefined })),
    recordingUrl: call.recordingUrl ?? null,
    recording: call.recording ?? null,
    metadata: call.request.metadata ?? null,
    error: call.error ?? null,
  };
  let size = Buffer.byteLength(JSON.stringify(detail));
  while (size > MAX_DETAIL_BYTES && detail.transcript.length > 0) {
    const dropped = detail.transcript.pop()!;
    size -= Buffer.byteLength(JSON.stringify(dropped)) + 1;
    detail.transcriptTruncated = true;
  }
  return detail;
}

export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
}

export interface EventPublisherOptions {
  busName: string;
  attempts?: number;
  baseDelayMs?: number;
}

/** Puts `Call Completed` events on the bus; entries EventBridge refuses are retried with backoff. */
export class EventPublisher {
  private readonly attempts: number;
  private readonly baseDelayMs: number;

  constructor(
    private readonly client: EventBridgeClient,
    private readonly options: EventPublisherOptions,
  ) {
    this.attempts = options.attempts ?? 5;
    this.baseDelayMs = options.baseDelayMs ?? 100;
  }

  async publishCallCompleted(detail: CallCompletedDetail): Promise<void> {
    await this.publish(CALL_COMPLETED, callCompletedDetailSchema.parse(detail));
  }

  async publishRecordingAvailable(detail: RecordingAvailableDetail): Promise<void> {
    await this.publish(RECORDING_AVAILABLE, recordingAvailableDetailSchema.parse(detail));
  }

  private async publish(detailType: string, detail: unknown): Promise<void> {
    const entry: PutEventsRequestEntry = {
      EventBusName: this.options.busName,
      Source: EVENT_SOURCE,
      DetailType: detailType,
      Detail: JSON.stringify(detail),
    };
    let lastError = 'unknown';
    for (let attempt = 1; attempt <= this.attempts; attempt++) {
      try {
        const result = await this.client.send(new PutEventsCommand({ Entries: [entry] }));
        if (!result.FailedEntryCount) return;
        const failed = result.Entries?.[0];
        lastError = `${failed?.ErrorCode ?? 'FailedEntry'}: ${failed?.ErrorMessage ?? 'entry refused'}`;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      }
      if (attempt < this.attempts) await sleep(backoff(attempt, this.baseDelayMs));
    }
    throw new EventPublishError(`PutEvents failed after ${this.attempts} attempts: ${lastError}`);
  }
}

/** Exponential backoff with full jitter. */
export function backoff(attempt: number, baseMs: number, capMs = 5_000): number {
  return Math.random() * Math.min(capMs, baseMs * 2 ** attempt);
}


export function createEventPublisher(c: Pick<Config, 'AWS_REGION' | 'EVENTBRIDGE_ENDPOINT' | 'EVENT_BUS_NAME'>): EventPublisher {
  const client = new EventBridgeClient(awsClientOptions(c.AWS_REGION, c.EVENTBRIDGE_ENDPOINT));
  return new EventPublisher(client, { busName: c.EVENT_BUS_NAME });
}
