import { createHash } from 'node:crypto';
import { INITIATE_BODY_MAX_BYTES, initiateRequestSchema, type CallRecord, type InitiateRequest } from '../shared/call-record';
import { MAX_SCHEDULE_AHEAD_DAYS, parseWindowSetting, placementTime } from '../shared/call-window';
import { BadGatewayError, BadRequestError, ConflictError, ForbiddenError } from '../shared/http-error';
import { callLogger } from '../shared/logger';
import { isAllowedCallerId, isAllowedDestination } from '../shared/phone';
import { defaultModel, missingProviderSettings } from '../shared/providers';
import { createTwilioClient } from '../shared/twilio-client';
import { assertLanguageSupported, assertToolUrlsAllowed } from './lib/call-options';
import { webhookUrlProblem } from '../shared/webhook-target';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, json, type HttpHandler } from './lib/http';
import { acquireSlot, placeCall } from './lib/place-call';
import { authorizeCaller, parseJsonBody } from './lib/request';

const SCHEDULER_UNAVAILABLE = 'scheduler_unavailable';
/** A call due sooner than this is placed at once rather than scheduled. */
const MIN_SCHEDULE_LEAD_MS = 5_000;

/**
 * `POST /call/initiate`: claims the callbackId, then asks Twilio to place the call, or
 * schedules it when `scheduleAt` or a calling window puts it later. Idempotent per callbackId.
 */
export function createInitiateHandler(deps: Deps): HttpHandler {
  const { config: c, store } = deps;
  return httpHandler(async (event) => {
    authorizeCaller(event, c);
    const request = parseJsonBody(event, initiateRequestSchema, INITIATE_BODY_MAX_BYTES);

    if (!isAllowedDestination(request.to, c.ALLOWED_DESTINATION_PREFIXES)) {
      throw new ForbiddenError('The destination number is not in ALLOWED_DESTINATION_PREFIXES', 'destination_not_allowed');
    }
    if (request.from && !isAllowedCallerId(request.from, c)) {
      throw new ForbiddenError('"from" is not TWILIO_PHONE_NUMBER or one of ALLOWED_CALLER_IDS', 'caller_id_not_allowed');
    }
    if (request.transferTo && !isAllowedDestination(request.transferTo, c.ALLOWED_DESTINATION_PREFIXES)) {
      throw new ForbiddenError('The transferTo number is not in ALLOWED_DESTINATION_PREFIXES', 'transfer_destination_not_allowed');
    }
    checkCallbackTargets(deps, request);
    const call = newCallRecord(deps, request);
    const { callbackId } = call;

    const existing = await store.get(callbackId);
    if (!existing && call.status === 'initiating') await acquireSlot(deps, callbackId);
    if (existing || !(await createOrRelease(deps, call))) {
      const replay = await replayOrRetry(deps, call);
      if (replay) return replay;
    }

    if (call.status === 'scheduled') return json(202, await scheduleCall(deps, call));
    const placed = await placeCall(deps, call);
    return json(200, { success: true, callbackId, callSid: placed.callSid, status: placed.status });
  });
}

/** Writes the new call; a failed write gives back the slot taken for it. */
async function createOrRelease(deps: Deps, call: CallRecord): Promise<boolean> {
  try {
    return await deps.store.create(call);
  } catch (error) {
    await deps.limiter.release(call.callbackId).catch(() => undefined);
    throw error;
  }
}

/** A per-call webhookUrl must pass the webhook policy; a task's failure outcomes need its token. */
function checkCallbackTargets(deps: Deps, request: InitiateRequest): void {
  const c = deps.config;
  if (request.webhookUrl) {
    const problem = webhookUrlProblem(request.webhookUrl, c);
    if (problem) throw new ForbiddenError(problem, 'webhook_not_allowed');
    if (!c.WEBHOOK_SIGNING_SECRET) throw new BadRequestError('Webhooks need WEBHOOK_SIGNING_SECRET to be set', undefined, 'webhook_not_configured');
  }
  if (request.taskFailureOutcomes && !request.taskToken) {
    throw new BadRequestError('taskFailureOutcomes needs a taskToken', [{ path: 'taskFailureOutcomes', message: 'needs taskToken' }], 'validation_error');
  }
}

/** Creates the call's one-time schedule; a scheduler failure fails the call so that the same request may try again. */
async function scheduleCall(deps: Deps, call: CallRecord) {
  const scheduledFor = call.scheduledFor!;
  try {
    await deps.scheduler().schedule({ callbackId: call.callbackId, scheduledFor });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await deps.store.mutate(call.callbackId, () => ({ status: 'failed', error: { code: SCHEDULER_UNAVAILABLE, message } }));
    throw new BadGatewayError('The call could not be scheduled; retry the same request', { reason: message }, SCHEDULER_UNAVAILABLE);
  }
  callLogger({ callbackId: call.callbackId }).info('Call scheduled', { scheduledFor });
  return { success: true, callbackId: call.callbackId, status: 'scheduled' as const, scheduledFor };
}

/** A new call in state `initiating`, with the caller ID and provider settled; refuses an unconfigured provider. */
export function newCallRecord(deps: Deps, request: InitiateRequest): CallRecord {
  const c = deps.config;
  const from = request.from ?? c.TWILIO_PHONE_NUMBER;
  if (!from) throw new BadRequestError('"from" is required when TWILIO_PHONE_NUMBER is not set', undefined, 'from_required');
  const provider = request.provider ?? c.REALTIME_PROVIDER;
  const unset = missingProviderSettings(provider, deps.env);
  if (unset.length) {
    throw new BadRequestError(`Provider "${provider}" is not configured: set ${unset.join(', ')}`, { provider, missing: unset }, 'provider_not_configured');
  }
  assertLanguageSupported(request.language, provider);
  assertToolUrlsAllowed(request, c);
  const scheduledFor = placementOf(deps, request);
  const status = scheduledFor ? 'scheduled' : 'initiating';
  const now = deps.now().toISOString();
  return {
    callbackId: request.callbackId,
    request: { ...request, from },
    requestHash: hashRequest(request),
    provider,
    model: request.model ?? c.REALTIME_MODEL ?? defaultModel(provider),
    status,
    statusSequence: -1,
    statusHistory: [{ status, at: now, source: 'api', applied: true }],
    version: 0,
    createdAt: now,
    updatedAt: now,
    ...(scheduledFor ? { scheduledFor } : {}),
  };
}

/**
 * When a call is to be placed, if not now: `scheduleAt` (at most 30 days ahead), moved
 * into the call's window (or DEFAULT_CALL_WINDOW) when it falls outside. Whole seconds,
 * as schedules have no finer grain.
 */
function placementOf(deps: Deps, request: InitiateRequest): string | undefined {
  const c = deps.config;
  const now = deps.now();
  if (request.scheduleAt && Date.parse(request.scheduleAt) > now.getTime() + MAX_SCHEDULE_AHEAD_DAYS * 86_400_000) {
    throw new BadRequestError(`scheduleAt may be at most ${MAX_SCHEDULE_AHEAD_DAYS} days ahead`, [{ path: 'scheduleAt', message: 'too far ahead' }], 'validation_error');
  }
  const window = request.callWindow ?? (c.DEFAULT_CALL_WINDOW ? parseWindowSetting(c.DEFAULT_CALL_WINDOW, c.BUSINESS_TIMEZONE) : undefined);
  const due = placementTime({ scheduleAt: request.scheduleAt, window }, now);
  if (due.getTime() - now.getTime() < MIN_SCHEDULE_LEAD_MS) return undefined;
  return new Date(Math.ceil(due.getTime() / 1000) * 1000).toISOString();
}

/**
 * The callbackId is taken. The same request again gets the first answer (no second
 * call); a request whose Twilio create was refused may try again; anything else is a 409.
 */
async function replayOrRetry(deps: Deps, attempt: CallRecord) {
  const existing = await deps.store.get(attempt.callbackId);
  if (!existing) throw new ConflictError('The callbackId is being created; retry shortly', 'in_flight');
  if (existing.requestHash !== attempt.requestHash) {
    throw new ConflictError('The callbackId was already used with a different request', 'callback_id_conflict');
  }
  if (existing.callSid) {
    return json(200, { success: true, callbackId: existing.callbackId, callSid: existing.callSid, status: existing.status });
  }
  if (existing.scheduledFor && !isRetriable(existing)) {
    return json(202, { success: true, callbackId: existing.callbackId, status: existing.status, scheduledFor: existing.scheduledFor });
  }
  if (!isRetriable(existing)) throw new ConflictError('A call for this callbackId is already being placed', 'in_flight');
  if (attempt.status === 'initiating') await acquireSlot(deps, attempt.callbackId);
  const reclaimed = await deps.store.mutate(attempt.callbackId, (current) =>
    isRetriable(current)
      ? {
          status: attempt.status,
          scheduledFor: attempt.scheduledFor,
          error: undefined,
          statusHistory: [...current.statusHistory, { status: attempt.status, at: deps.now().toISOString(), source: 'api', applied: true }],
        }
      : undefined,
  );
  if (!reclaimed?.changed) throw new ConflictError('A call for this callbackId is already being placed', 'in_flight');
  return undefined;
}

/** A call that failed before anything was placed or scheduled: Twilio or the scheduler refused. */
function isRetriable(call: CallRecord): boolean {
  return call.status === 'failed' && !call.callSid && Boolean(call.error && (call.error.code.startsWith('twilio_') || call.error.code === SCHEDULER_UNAVAILABLE));
}

function hashRequest(request: InitiateRequest): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const handler = lambdaEntry(createInitiateHandler, ['API_KEY', 'TWILIO_AUTH_TOKEN'], createTwilioClient);
