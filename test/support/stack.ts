import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import { z } from 'zod';
import type { cancelResponseSchema } from '../../functions/cancel-call';
import type { SunkEvent } from '../../local/event-sink';
import type { CallView } from '../../functions/get-call';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack';
import { CALL_COMPLETED, callCompletedEventSchema, type CallCompletedEvent } from '../../shared/events';

/**
 * How many times faster than real time the simulated callee and the fake models run in tests.
 * Tests about wall-clock timing start their stack with `timeScale: 1`.
 */
export const TEST_TIME_SCALE = Number(process.env.TEST_TIME_SCALE ?? 4);

/** A whole embedded stack on free ports, writing its events to a throwaway file. */
export function startTestStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return startLocalStack({
    port: 0,
    mediaPort: 0,
    env: {},
    timeScale: TEST_TIME_SCALE,
    ...options,
    overrides: { EVENTS_FILE: `.local/test-events-${process.pid}-${Date.now()}.jsonl`, ...options.overrides },
  });
}

let counter = 0;
/** A callbackId no other test uses. */
export function uniqueId(prefix = 'test'): string {
  return `${prefix}-${process.pid}-${Date.now()}-${++counter}`;
}

/** How every route refuses: a stable code, a message, and sometimes details. */
export interface ApiError {
  error: { code: string; message: string; details?: unknown };
}

/**
 * What a route answered: typed as its success body, which a test that expects success reads
 * directly; on a refusal only `error` is there, which a test that expects one reads instead.
 */
export interface ApiReply<T extends object> {
  status: number;
  body: T & Partial<ApiError>;
}

/** `POST /call/initiate`'s answer: placed (200) or scheduled (202). */
export interface InitiateBody {
  success: true;
  callbackId: string;
  callSid: string;
  status: string;
  scheduledFor: string;
}

/** `POST /calls/{id}/cancel`'s answer. */
export type CancelBody = z.infer<typeof cancelResponseSchema>;

/** A `validation_error`'s details: which field, and what is wrong with it. */
export function validationIssues(reply: ApiReply<object>): Array<{ path: string; message: string }> {
  return z.array(z.object({ path: z.string(), message: z.string() })).parse(reply.body.error?.details);
}

/** `GET /calls/{id}`: the stored call with its derived `outcome` (null until it ended) and `endReason`. */
export type CallBody = CallView;

export async function postJson<T extends object = Record<string, unknown>>(
  stack: LocalStack,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<ApiReply<T>> {
  const response = await fetch(`${stack.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, body: ((await response.json().catch(() => undefined)) ?? {}) as ApiReply<T>['body'] };
}

export function initiate(stack: LocalStack, body: Record<string, unknown>, headers?: Record<string, string>): Promise<ApiReply<InitiateBody>> {
  return postJson<InitiateBody>(stack, '/call/initiate', body, headers);
}

export async function getCall(stack: LocalStack, callbackId: string, apiKey = stack.apiKey): Promise<ApiReply<CallBody>> {
  const response = await fetch(`${stack.apiUrl}/calls/${encodeURIComponent(callbackId)}`, { headers: { 'x-api-key': apiKey } });
  return { status: response.status, body: (await response.json()) as ApiReply<CallBody>['body'] };
}

/** POSTs a form to the API signed as Twilio would sign it (or with the given signature). */
export async function postSignedForm(stack: LocalStack, pathAndQuery: string, params: Record<string, string>, signature?: string) {
  const url = `${stack.config.BASE_URL}${pathAndQuery}`;
  const sig = signature ?? getExpectedTwilioSignature(stack.config.TWILIO_AUTH_TOKEN!, url, params);
  const response = await fetch(`${stack.apiUrl}${pathAndQuery}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, text: await response.text(), contentType: response.headers.get('content-type') };
}

/** Events on the bus for one call. */
export function eventsFor(stack: LocalStack, callbackId: string) {
  return stack.events.events.filter((event) => (event.detail as { callbackId?: string }).callbackId === callbackId);
}

/** The call's `Call Completed` event, checked against the event's schema. */
export function waitForEvent(stack: LocalStack, callbackId: string, timeoutMs?: number): Promise<CallCompletedEvent>;
/** The call's event of another detail-type, as it was put on the bus. */
export function waitForEvent(stack: LocalStack, callbackId: string, timeoutMs: number, detailType: string): Promise<SunkEvent>;
export async function waitForEvent(stack: LocalStack, callbackId: string, timeoutMs = 60_000, detailType: string = CALL_COMPLETED) {
  const event = await stack.events.waitFor(
    (candidate) => candidate['detail-type'] === detailType && (candidate.detail as { callbackId?: string }).callbackId === callbackId,
    timeoutMs,
  );
  return detailType === CALL_COMPLETED ? callCompletedEventSchema.parse(event) : event;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
