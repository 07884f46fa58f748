import { z } from 'zod';
import {
  callStatusSchema,
  isTerminal,
  statusRank,
  type CallRecord,
  type Mutation,
  type StatusChange,
} from './call-record';

/** The fields of a Twilio call status callback that the call state depends on. */
export const statusCallbackSchema = z.object({
  CallSid: z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'must be a Twilio call SID'),
  CallStatus: callStatusSchema.exclude(['scheduled', 'initiating']),
  SequenceNumber: z.coerce.number().int().min(0).optional(),
  Timestamp: z.string().optional(),
  CallDuration: z.coerce.number().int().min(0).optional(),
  SipResponseCode: z.string().optional(),
  AnsweredBy: z.string().optional(),
  ErrorCode: z.string().optional(),
  ErrorMessage: z.string().optional(),
  RecordingUrl: z.string().optional(),
});
export type StatusCallback = z.infer<typeof statusCallbackSchema>;

/** How far Twilio's clock may run ahead of ours before a Timestamp is taken for no event time at all. */
const MAX_CLOCK_AHEAD_MS = 5 * 60_000;

/**
 * When the callback's event happened. Twilio's Timestamp has whole seconds, so an event in the
 * second the call was placed can read as earlier than `createdAt`; it is never put before it. A
 * Timestamp far in the future (whatever it parses to, up to the end of the Date range) is not an
 * event time: the callback's arrival is used instead.
 */
function callbackTime(callback: StatusCallback, call: CallRecord, now: Date): string {
  const parsed = callback.Timestamp ? Date.parse(callback.Timestamp) : Number.NaN;
  const plausible = !Number.isNaN(parsed) && parsed <= now.getTime() + MAX_CLOCK_AHEAD_MS;
  return new Date(Math.max(plausible ? parsed : now.getTime(), Date.parse(call.createdAt))).toISOString();
}

/**
 * The change one status callback makes to a call. Callbacks arrive twice and out of
 * order: a SequenceNumber already seen changes nothing, and the state only moves forward
 * (a late `ringing` after `in-progress` is kept in the history but not applied). Facts a
 * callback carries (answer time, duration, AnsweredBy, recording) are kept whatever its order.
 */
export function applyStatusCallback(call: CallRecord, callback: StatusCallback, now: Date): Mutation {
  const sequence = callback.SequenceNumber;
  const seen = call.statusHistory.some(
    (change) =>
      change.source === 'twilio' &&
      (sequence === undefined ? change.status === callback.CallStatus : change.sequenceNumber === sequence),
  );
  if (seen) return undefined;

  const at = callbackTime(callback, call, now);
  const newer = sequence === undefined || sequence > call.statusSequence;
  const applied = !isTerminal(call.status) && newer && statusRank(callback.CallStatus) >= statusRank(call.status);
  const change: StatusChange = {
    status: callback.CallStatus,
    at,
    source: 'twilio',
    applied,
    sequenceNumber: sequence,
    sipResponseCode: callback.SipResponseCode,
    answeredBy: callback.AnsweredBy,
    callDuration: callback.CallDuration,
    errorCode: callback.ErrorCode,
    errorMessage: callback.ErrorMessage,
  };
  const terminal = isTerminal(callback.CallStatus);
  return {
    callSid: call.callSid ?? callback.CallSid,
    status: applied ? callback.CallStatus : call.status,
    statusSequence: Math.max(call.statusSequence, sequence ?? -1),
    statusHistory: [...call.statusHistory, change],
    answeredAt: call.answeredAt ?? (callback.CallStatus === 'in-progress' ? at : undefined),
    answeredBy: call.answeredBy ?? callback.AnsweredBy,
    recordingUrl: call.recordingUrl ?? callback.RecordingUrl,
    ...(terminal && applied
      ? {
          endedAt: at,
          durationSeconds: callback.CallDuration ?? call.durationSeconds,
          error: callback.CallStatus === 'failed' ? failureOf(callback) : call.error,
        }
      : {}),
  };
}

function failureOf(callback: StatusCallback) {
  return {
    code: callback.ErrorCode ?? (callback.SipResponseCode ? `sip-${callback.SipResponseCode}` : 'call_failed'),
    message: callback.ErrorMessage ?? 'Twilio reported the call as failed',
  };
}

/** A call is ready to complete when Twilio says it ended and the media side (if any) is done. */
export function isReadyToComplete(call: CallRecord): boolean {
  return isTerminal(call.status) && (call.streamStartedAt === undefined || call.streamEndedAt !== undefined);
}
