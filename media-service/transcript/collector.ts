import type { Logger } from '@aws-lambda-powertools/logger';
import type { TranscriptTurn } from '../../shared/call-record';
import { redactText } from '../../shared/redaction';
import type { TurnWriter } from './turn-writer';

/**
 * The call's transcript, persisted one finished turn at a time (in order, each within a tenth of
 * a second of its end), so a crash loses at most the turn in progress.
 */
export class TranscriptCollector {
  readonly turns: TranscriptTurn[] = [];
  private writes: Promise<void> = Promise.resolve();
  private failedWrites = 0;
  private redactStored = false;

  constructor(
    private readonly writer: TurnWriter,
    private readonly callbackId: string,
    private readonly log: Logger,
  ) {}

  /** From now on turns are stored with personal data masked (the agent still sees them whole). */
  maskStoredTurns(): void {
    this.redactStored = true;
  }

  add(role: TranscriptTurn['role'], text: string, at = new Date()): TranscriptTurn {
    const turn: TranscriptTurn = { role, text, at: at.toISOString() };
    const sequence = this.turns.push(turn);
    const stored = this.redactStored ? { ...turn, text: redactText(text) } : turn;
    this.writes = this.writes.then(() =>
      this.writer.write(this.callbackId, sequence, stored).catch((error: unknown) => {
        this.failedWrites++;
        this.log.error('Transcript turn could not be persisted', { error, sequence });
      }),
    );
    return turn;
  }

  /** Resolves when every turn so far is written; true when none was lost. */
  async flush(): Promise<boolean> {
    await this.writes;
    return this.failedWrites === 0;
  }
}
