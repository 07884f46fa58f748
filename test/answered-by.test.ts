import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../shared/outcome';
import { isAnsweringMachine, takesVoicemail } from '../shared/answered-by';
import type { CallRecord } from '../shared/call-record';

const completed = (answeredBy?: string) =>
  ({ status: 'completed', answeredBy }) as Pick<CallRecord, 'status' | 'answeredBy'> as CallRecord;

describe('AnsweredBy', () => {
  it('counts every machine result and a fax as an answering machine, nothing else', () => {
    for (const value of ['machine_start', 'machine_end_beep', 'machine_end_silence', 'machine_end_other', 'fax']) {
      expect(isAnsweringMachine(value), value).toBe(true);
      expect(outcomeOf(completed(value)), value).toBe('voicemail');
    }
    for (const value of ['human', 'unknown', undefined]) {
      expect(isAnsweringMachine(value), String(value)).toBe(false);
      expect(outcomeOf(completed(value)), String(value)).toBe('completed');
    }
  });

  it('leaves a voicemail message on a machine but not on a fax', () => {
    expect(takesVoicemail('machine_end_beep')).toBe(true);
    expect(takesVoicemail('fax')).toBe(false);
    expect(takesVoicemail('human')).toBe(false);
  });
});
