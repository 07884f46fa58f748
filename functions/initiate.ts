import { createHash } from 'node:crypto';
import {
  INITIATE_BODY_MAX_BYTES,
  initiateRequestSchema,
  statusRank,
  type CallRecord,
  type InitiateRequest,
} from '../shared/call-record';
import {
  BadGatewayError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  HttpError,
} from '../shared/http-error';
import { callLogger } from '../shared/logger';
import { isAllowedDestination } from '../shared/phone';
import { defaultModel, missingProviderSettings } from '../shared/providers';
import { TwilioRestException } from '../shared/twilio';
import { createTwilioClient } from '../shared/twilio-client';
import { assertLanguageSupported, assertToolUrlsAllowed } from './lib/call-options';
import { lambdaEntry, type Deps } from './lib/deps';
import { httpHandler, json, type HttpHandler } from './lib/http';
import { authorizeCaller, parseJsonBody } from './lib/request';

/** `POST /call/initiate`: claims the callbackId, then asks Twilio to place the call. Idempotent per callbackId. */
export function createInitiateHandler(deps: Deps): HttpHandler {
  const { config: c, store } = deps;
  return httpHandler(async (event) => {
    authorizeCaller(event, c);
    const request = parseJsonBody(event, initiateRequestSchema, INITIATE_BODY_MAX_BYTES);
    const log = callLogger({ callbackId: request.callbackId });

    if (!isAllowedDestination(request.to, c.ALLOWED_DESTINATION_PREFIXES)) {
      throw new ForbiddenError('The destination number is not in ALLOWED_DESTINATION_PREFIXES', 'destination_not_allowed');
    }
    if (request.transferTo && !isAllowedDestination(request.transferTo, c.ALLOWED_DESTINATION_PREFIXES)) {
      throw new ForbiddenError('The transferTo number is not in ALLOWED_DESTINATION_PREFIXES', 'transfer_destination_not_allowed');
    }
    const call = newCallRecord(deps, request);
    const { from } = call.request;
    const { provider } = call;

    if (!(await store.create(call))) {
      const replay = await replayOrRetry(deps, call);
      if (replay) return replay;
    }

    try {
      const created = await deps.twilio().calls.create({
        to: request.to,
        from,
        url: `${c.BASE_URL}/twiml/outbound?callbackId=${encodeURIComponent(request.callbackId)}`,
        method: 'POST',
        statusCallback: `${c.BASE_URL}/webhooks/call-status?callbackId=${encodeURIComponent(request.callbackId)}`,
        statusCallbackMethod: 'POST',
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
        record: request.record,
        ...(request.machineDetection ? { machineDetection: 'DetectMessageEnd' } : {}),
        // Twilio's hard stop, a little after the agent's own goodbye at maxDurationSeconds.
        timeLimit: (request.maxDurationSeconds ?? c.MAX_CALL_DURATION_SECONDS) + 30,
      });
      const stored = await store.mutate(request.callbackId, (current) => ({
        callSid: created.sid,
        status: statusRank(current.status) < statusRank('queued') ? 'queued' : current.status,
        statusHistory: [...current.statusHistory, { status: 'queued', at: deps.now().toISOString(), source: 'api', applied: true }],
      }));
      log.appendPersistentKeys({ callSid: created.sid });
      log.info('Call placed', { to: request.to, provider, record: request.record });
      return json(200, { success: true, callbackId: request.callbackId, callSid: created.sid, status: stored?.call.status ?? 'queued' });
    } catch (error) {
      throw await twilioFailure(deps, request.callbackId, error);
    }
  });
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
  const now = deps.now().toISOString();
  return {
    callbackId: request.callbackId,
    request: { ...request, from },
    requestHash: hashRequest(request),
    provider,
    model: request.model ?? c.REALTIME_MODEL ?? defaultModel(provider),
    status: 'initiating',
    statusSequence: -1,
    statusHistory: [{ status: 'initiating', at: now, source: 'api', applied: true }],
    version: 0,
    createdAt: now,
    updatedAt: now,
  };
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
  const retriable = existing.status === 'failed' && existing.error?.code.startsWith('twilio_');
  if (!retriable) throw new ConflictError('A call for this callbackId is already being placed', 'in_flight');
  const reclaimed = await deps.store.mutate(attempt.callbackId, (current) =>
    current.status === 'failed' && !current.callSid
      ? {
          status: 'initiating',
          error: undefined,
          statusHistory: [...current.statusHistory, { status: 'initiating', at: deps.now().toISOString(), source: 'api', applied: true }],
        }
      : undefined,
  );
  if (!reclaimed?.changed) throw new ConflictError('A call for this callbackId is already being placed', 'in_flight');
  return undefined;
}

/**
 * A refusal from Twilio fails the call (a retry may try again); a timeout leaves it
 * `initiating`, since Twilio may have placed it: its callbacks will move it on.
 */
async function twilioFailure(deps: Deps, callbackId: string, error: unknown): Promise<HttpError> {
  if (error instanceof TwilioRestException) {
    const details = { twilioCode: error.code, twilioStatus: error.status, moreInfo: error.moreInfo };
    await deps.store.mutate(callbackId, (current) => ({
      status: 'failed',
      error: { code: `twilio_${error.code ?? error.status}`, message: error.message },
      statusHistory: [
        ...current.statusHistory,
        { status: 'failed', at: deps.now().toISOString(), source: 'api', applied: true, errorCode: String(error.code ?? error.status), errorMessage: error.message },
      ],
    }));
    return new BadGatewayError(`Twilio refused the call: ${error.message}`, details, 'twilio_error');
  }
  const message = error instanceof Error ? error.message : String(error);
  callLogger({ callbackId }).error('Twilio did not answer the create request', { error: message });
  return new BadGatewayError('Twilio did not answer in time; the call may still be placed', { reason: message }, 'twilio_unavailable');
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
