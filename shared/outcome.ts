import { isAnsweringMachine } from './answered-by';
import { isTerminal, type CallRecord } from './call-record';

/** How a call ended, as the `Call Completed` event and `GET /calls/{callbackId}` name it. */
export const OUTCOMES = ['completed', 'no-answer', 'busy', 'failed', 'canceled', 'voicemail', 'transferred'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** The call's outcome once Twilio has reported its end; null before. */
export function knownOutcome(call: CallRecord): Outcome | null {
  return isTerminal(call.status) ? outcomeOf(call) : null;
}

export function outcomeOf(call: CallRecord): Outcome {
  if (call.outcomeOverride) return call.outcomeOverride;
  switch (call.status) {
    case 'busy':
    case 'no-answer':
    case 'failed':
    case 'canceled':
      return call.status;
    case 'completed':
      return isAnsweringMachine(call.answeredBy) ? 'voicemail' : 'completed';
    // Completed by the sweeper before Twilio reported an end.
    case 'scheduled':
    case 'initiating':
    case 'queued':
    case 'initiated':
    case 'ringing':
    case 'in-progress':
      return 'failed';
  }
}
