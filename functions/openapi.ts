import { z } from 'zod';
import { createDocument } from 'zod-openapi';
import { initiateRequestSchema } from '../shared/call-record';
import { END_REASONS } from '../shared/end-reason';
import { CALL_COMPLETED_WEBHOOK_TYPE } from '../shared/deliveries';
import { callCompletedDetailSchema } from '../shared/events';
import { VERSION } from '../shared/version';
import { cancelRequestSchema, cancelResponseSchema } from './cancel-call';
import { callViewSchema } from './get-call';
import { json, type HttpHandler } from './lib/http';

const errorSchema = z
  .object({ error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }) })
  .meta({ id: 'Error', description: 'Every refusal and failure: a stable code, a message, and sometimes details.' });
const callCompletedSchema = callCompletedDetailSchema.meta({
  id: 'CallCompleted',
  description: `The detail of the "Call Completed" event, also the data of the completion webhook. endReason is one of ${END_REASONS.join(', ')}.`,
});
const placedSchema = z.object({ success: z.literal(true), callbackId: z.string(), callSid: z.string(), status: z.string() }).meta({ id: 'CallPlaced' });
const scheduledSchema = z
  .object({ success: z.literal(true), callbackId: z.string(), status: z.string(), scheduledFor: z.string() })
  .meta({ id: 'CallScheduled' });
const callbackIdParam = z.object({ callbackId: z.string().meta({ description: 'The caller-chosen id of the call' }) });

const body = (schema: z.ZodType, description: string) => ({ description, content: { 'application/json': { schema } } });
const errors = (...codes: number[]) =>
  Object.fromEntries(codes.map((code) => [String(code), body(errorSchema, ERROR_DESCRIPTIONS[code] ?? 'Error')]));
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (validation_error, malformed_json, …)',
  401: 'A valid x-api-key header is required',
  403: 'Not allowed (destination, webhook host, tool URL)',
  404: 'No such call (or, for a recording, recording_not_available)',
  409: 'The callbackId is in use, in flight, or the call has already ended',
  413: 'The body is too large',
  415: 'The body must be JSON',
  429: 'MAX_CONCURRENT_CALLS calls are in progress (concurrency_limit); see Retry-After',
  502: 'Twilio or the scheduler refused or did not answer',
};

/** The API's contract, generated from the same zod schemas the handlers validate with. */
export function openApiDocument() {
  return createDocument({
    openapi: '3.1.0',
    info: { title: 'Caller Engine', version: VERSION, description: 'Outbound phone calls with a realtime AI voice agent.' },
    security: [{ apiKey: [] }],
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' } },
      schemas: { CallCompleted: callCompletedSchema, Error: errorSchema },
    },
    paths: {
      '/call/initiate': {
        post: {
          summary: 'Place a call now, or schedule it (scheduleAt, callWindow); idempotent per callbackId',
          requestBody: { content: { 'application/json': { schema: initiateRequestSchema.meta({ id: 'InitiateRequest' }) } } },
          responses: {
            '200': body(placedSchema, 'The call was placed'),
            '202': body(scheduledSchema, 'The call is scheduled'),
            ...errors(400, 401, 403, 409, 413, 415, 429, 502),
          },
        },
      },
      '/calls/{callbackId}': {
        get: {
          summary: 'The whole call: state, endReason, transcript, tool calls',
          requestParams: { path: callbackIdParam },
          responses: { '200': body(callViewSchema.meta({ id: 'CallDetails' }), 'The call'), ...errors(400, 401, 404) },
        },
      },
      '/calls/{callbackId}/cancel': {
        post: {
          summary: 'Cancel a scheduled, ringing or live call; idempotent',
          requestParams: { path: callbackIdParam },
          requestBody: { required: false, content: { 'application/json': { schema: cancelRequestSchema.meta({ id: 'CancelRequest' }) } } },
          responses: {
            '200': body(cancelResponseSchema.meta({ id: 'CancelResponse' }), 'The call ended canceled'),
            '202': body(cancelResponseSchema, 'The cancel is under way (Twilio, or the agent saying goodbye)'),
            ...errors(400, 401, 404, 409, 502),
          },
        },
      },
      '/calls/{callbackId}/recording': {
        get: {
          summary: "A link to the call's recording in the bucket, valid 5 minutes",
          requestParams: { path: callbackIdParam },
          responses: {
            '302': {
              description: 'Location is a presigned link to the WAV (cache-control: no-store)',
              headers: z.object({ location: z.string().meta({ description: 'The presigned link' }) }),
            },
            ...errors(400, 401, 404),
          },
        },
      },
      '/health': { get: { security: [], summary: 'Liveness', responses: { '200': { description: 'Up' } } } },
      '/openapi.json': { get: { security: [], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } } },
    },
    webhooks: {
      [CALL_COMPLETED_WEBHOOK_TYPE]: {
        post: {
          summary: 'Sent to a call\'s webhookUrl when it ends, signed per Standard Webhooks (webhook-id is the eventId)',
          requestBody: {
            content: {
              'application/json': {
                schema: z.object({ type: z.literal(CALL_COMPLETED_WEBHOOK_TYPE), timestamp: z.string(), data: callCompletedSchema }),
              },
            },
          },
          responses: { '2XX': { description: 'Received; any other answer is retried with backoff for 24 hours' } },
        },
      },
    },
  });
}

let document: string | undefined;

/** `GET /openapi.json`: the contract, for tools and orchestrators. */
export const handler: HttpHandler = async () => json(200, JSON.parse((document ??= JSON.stringify(openApiDocument()))));
