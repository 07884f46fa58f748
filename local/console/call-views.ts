import { withoutSecrets, type CallDetails, type CallRecord } from '../../shared/call-record';
import { knownOutcome } from '../../shared/outcome';
import type { SunkEvent } from '../event-sink';
import { BROWSER_CALL_METADATA } from './browser-edge';
import type { CallPage, CallSummary } from './wire';

export function channelOf(call: CallRecord): CallSummary['channel'] {
  return call.request.metadata?.channel === BROWSER_CALL_METADATA.channel ? 'browser' : 'phone';
}

export function summarizeCall(call: CallRecord): CallSummary {
  return {
    callbackId: call.callbackId,
    channel: channelOf(call),
    to: call.request.to,
    status: call.status,
    outcome: knownOutcome(call),
    durationSeconds: call.durationSeconds ?? null,
    provider: call.provider,
    model: call.model,
    createdAt: call.createdAt,
    answeredAt: call.answeredAt ?? null,
    completed: Boolean(call.completion?.publishedAt),
  };
}

/** A call's page: the stored call (without its token hash), its turns and tool calls, and its event. */
export function callPage(details: CallDetails, event: SunkEvent | undefined): CallPage {
  return {
    summary: summarizeCall(details.call),
    call: withoutSecrets(details.call),
    transcript: details.transcript,
    toolCalls: details.toolCalls,
    event: event ?? null,
  };
}
