import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallError, CallRecord, RecordedEndReason } from '../../shared/call-record';
import type { CallCompleter } from '../../shared/completion';
import type { Config } from '../../shared/config';
import { redactsStored, redactText } from '../../shared/redaction';
import { analyzeCall } from '../transcript/analysis';
import type { TranscriptCollector } from '../transcript/collector';
import { summarizeCall } from '../transcript/summary';

export interface FinalizeInput {
  call: CallRecord;
  collector: TranscriptCollector;
  /** Why the bridge ended the call, if it failed. */
  error: CallError | undefined;
  /** Why this side ended the call, if it did. */
  endReason: RecordedEndReason | undefined;
  startedAt: number;
}

export interface FinalizerDeps {
  config: Config;
  completer: CallCompleter;
  now: () => Date;
  log: Logger;
}

/**
 * The end of an authenticated stream: the transcript flushed, the summary and analysis made,
 * the stream's end recorded on the call, and the completion event attempted. Returns whether
 * the transcript is complete. When this fails, the sweeper completes the call from what was persisted.
 */
export async function finalizeCall({ call, collector, error, endReason, startedAt }: FinalizeInput, deps: FinalizerDeps): Promise<boolean> {
  const { config, completer, now, log } = deps;
  const persisted = await collector.flush();
  const transcriptComplete = persisted && !error;
  const [summary, analysis] = await Promise.all([
    summarizeCall(config, collector.turns, log),
    analyzeCall(config, call.request.analysis, collector.turns, log),
  ]);
  try {
    // The stream's end is recorded with the completion's claim when Twilio has already reported the call over.
    const completion = await completer.complete(call.callbackId, 'media-service', {
      change: () => ({
        streamEndedAt: now().toISOString(),
        transcriptComplete,
        ...(summary ? { summary: redactsStored(call.request) ? redactText(summary) : summary } : {}),
        ...(analysis ? { analysisResult: { data: analysis.data as never, successful: analysis.successful } } : {}),
        ...(error ? { error } : {}),
        ...(endReason ? { endReason } : {}),
      }),
    });
    log.info('Media stream finalized', { turns: collector.turns.length, transcriptComplete, durationMs: Date.now() - startedAt, completion });
  } catch (failure) {
    log.error('Finalizing the call failed', { error: failure instanceof Error ? failure.message : String(failure) });
  }
  return transcriptComplete;
}
