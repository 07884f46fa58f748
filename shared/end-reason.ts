import { z } from 'zod';
import { isAnsweringMachine } from './answered-by';
import { isTerminal, type CallRecord } from './call-record';

/** Why a call ended, as the event and `GET /calls/{callbackId}` report it. */
export const END_REASONS = [
  'agent_hangup',
  'callee_hangup',
  'time_limit',
  'silence_timeout',
  'transferred',
  'voicemail',
  'canceled',
  'no_answer',
  'busy',
  'failed',
  'media_lost',
  'error',
] as const;
export const endReasonSchema = z.enum(END_REASONS);
export type EndReason = z.infer<typeof endReasonSchema>;


/**
 * Why a finished call ended; undefined while it is still open. A reason recorded by
 * whoever ended the call on purpose (the agent, the time limit, a cancel) wins; otherwise
 * Twilio's final status, the answering machine, or a recorded failure tells.
 */
export function endReasonOf(call: CallRecord): EndReason | undefined {
  if (!isTerminal(call.status)) return undefined;
  if (call.outcomeOverride === 'transferred') return 'transferred';
  if (call.endReason) return call.endReason;
  if (call.cancel) return 'canceled';
  switch (call.status) {
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'canceled':
      return 'canceled';
    case 'failed':
      return call.error?.code === 'no_final_status' ? 'error' : 'failed';
    case 'completed':
      if (call.outcomeOverride === 'voicemail' || isAnsweringMachine(call.answeredBy)) return 'voicemail';
      if (call.error?.code === 'media_lost') return 'media_lost';
      if (call.error) return 'error';
      return 'callee_hangup';
  }
}
