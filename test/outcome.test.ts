import { describe, expect, it } from 'vitest';
import { CALL_STATUSES, isTerminal, type CallRecord } from '../shared/call-record';
import { knownOutcome, outcomeOf } from '../shared/outcome';

const call = (status: CallRecord['status'], more: Partial<CallRecord> = {}) => ({ status, ...more }) as CallRecord;

describe('a call’s outcome', () => {
  it('is the terminal status Twilio reported; a call completed before any end was reported failed', () => {
    for (const status of CALL_STATUSES) {
      expect(outcomeOf(call(status)), status).toBe(isTerminal(status) ? status : 'failed');
      expect(knownOutcome(call(status)), status).toBe(isTerminal(status) ? status : null);
    }
  });

  it('is what call control recorded, whatever Twilio reported', () => {
    expect(outcomeOf(call('completed', { outcomeOverride: 'transferred' }))).toBe('transferred');
    expect(outcomeOf(call('in-progress', { outcomeOverride: 'voicemail' }))).toBe('voicemail');
  });
});
