import type { CallRecord } from '../../shared/call-record';
import type { CallStore } from '../../shared/call-store';
import { consumeStreamToken, STREAM_PARAMETERS } from '../../shared/stream-token';
import type { StartMessage } from '../twilio-stream';

export type StreamClaim = { ok: true; call: CallRecord } | { ok: false; reason: string };

/**
 * Authenticates a stream's `start`: it must name this call and the CallSid Twilio placed it
 * under, and carry the call's single-use token, which is used up in the same write that
 * records the stream on the call. A start naming another CallSid leaves the token unspent.
 * `known` is the call as read when the socket was admitted (it saves a read while it is current).
 */
export async function claimStream(store: CallStore, callbackId: string, message: StartMessage, now: Date, known?: CallRecord): Promise<StreamClaim> {
  const { streamSid, callSid, customParameters: params } = message.start;
  if (params[STREAM_PARAMETERS.callbackId] !== callbackId) return { ok: false, reason: 'start parameters name another call' };
  let refusal = 'unknown call';
  try {
    const claimed = await store.mutate(callbackId, (call) => {
      const check =
        call.callSid === callSid
          ? consumeStreamToken(call, params[STREAM_PARAMETERS.token], now)
          : { ok: false as const, reason: 'start names another CallSid' };
      if (!check.ok) {
        refusal = check.reason;
        return undefined;
      }
      return { ...check.mutation, streamSid, streamStartedAt: now.toISOString() };
    }, known);
    return claimed?.changed ? { ok: true, call: claimed.call } : { ok: false, reason: refusal };
  } catch (error) {
    return { ok: false, reason: `call store unavailable: ${error instanceof Error ? error.message : String(error)}` };
  }
}
