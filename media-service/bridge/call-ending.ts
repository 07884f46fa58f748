import type { Logger } from '@aws-lambda-powertools/logger';
import type { CallError, CallRecord, RecordedEndReason } from '../../shared/call-record';
import type { TwilioClient } from '../../shared/twilio';
import { waitAtMost } from '../../shared/wait-at-most';
import type { CallerPlayback } from '../playback/caller-playback';
import type { TranscriptCollector } from '../transcript/collector';
import { finalizeCall, type FinalizerDeps } from './call-finalizer';
import type { ModelLink } from './model-link';

const GOODBYE_PLAYBACK_TIMEOUT_MS = 15_000;

export interface BridgeOutcome {
  callbackId: string;
  authenticated: boolean;
  transcriptComplete: boolean;
}

export interface CallEndingOptions {
  callbackId: string;
  log: Logger;
  model: ModelLink;
  playback: () => CallerPlayback | undefined;
  callSid: () => string | undefined;
  twilio: () => TwilioClient;
  /** Ends the stream from this side. */
  close: (code: number, reason: string) => void;
  /** Stops what the call has running (timers, watches, the model session, playback) once the stream is gone. */
  release: () => Promise<void>;
  /** The call, once its stream has authenticated. */
  call: () => CallRecord | undefined;
  collector: TranscriptCollector;
  /** When the stream started (epoch ms). */
  startedAt: () => number;
  /** Resolves once the tool calls under way have finished. */
  settleTools: () => Promise<void>;
  finalizer: Omit<FinalizerDeps, 'log'>;
}

/**
 * How a call ends from this side, and what it leaves behind: a goodbye the callee hears whole
 * before Twilio hangs up, a hang-up, or a failure that closes the stream; then, once the stream
 * is gone, the call finalized once with why it ended.
 */
export class CallEnding {
  readonly #o: CallEndingOptions;
  #ended = false;
  #hangingUp = false;
  #sayingGoodbye = false;
  /** The goodbye's instructions until its response is done. */
  #goodbyeAsked: string | undefined;
  /** Why this side ended the call, when it did (the agent, a limit, a cancel). */
  #endReason: RecordedEndReason | undefined;
  #error: CallError | undefined;
  #finalized: Promise<BridgeOutcome> | undefined;

  constructor(options: CallEndingOptions) {
    this.#o = options;
  }

  /** True once the stream has closed and the call is being finalized. */
  get ended(): boolean {
    return this.#ended;
  }

  /** True from a goodbye's request until the hang-up. */
  get sayingGoodbye(): boolean {
    return this.#sayingGoodbye;
  }

  /** The instructions of a goodbye asked for and not yet generated: a session replacing a dropped one says it instead. */
  get goodbyeToSay(): string | undefined {
    return this.#goodbyeAsked;
  }

  /** True once the call is ending with nothing more for the model to say: its goodbye generated, or the hang-up under way. */
  get modelDone(): boolean {
    return this.#ended || this.#hangingUp || (this.#sayingGoodbye && this.#goodbyeAsked === undefined);
  }

  /** The time limit, the silence limit or a cancel: the agent says goodbye, its audio finishes playing, then Twilio hangs up. */
  async sayGoodbyeAndHangUp(instructions: string, endReason: RecordedEndReason): Promise<void> {
    const { model, playback, log } = this.#o;
    if (this.#ended || this.#sayingGoodbye) return;
    this.#sayingGoodbye = true;
    this.#endReason ??= endReason;
    log.info('Saying goodbye before hanging up', { endReason });
    playback()?.interrupt();
    this.#goodbyeAsked = instructions;
    const done = model.responseDone().then(() => {
      this.#goodbyeAsked = undefined;
    });
    // While a dropped session is being replaced, the new one says the goodbye once connected (goodbyeToSay).
    model.session?.requestResponse(instructions);
    await waitAtMost(done.then(() => playback()?.finished()), GOODBYE_PLAYBACK_TIMEOUT_MS);
    await this.hangUp(endReason, endReason);
  }

  /**
   * The agent ends the call (end_call) after the goodbye it just said: that goodbye plays out
   * whole, and a time limit or cancel meanwhile has nothing to add (an immediate cancel still
   * hangs up at once).
   */
  async hangUpAfterPlayback(reason: string): Promise<void> {
    if (this.#ended || this.#hangingUp) return;
    this.#sayingGoodbye = true;
    await waitAtMost(this.#o.playback()?.finished() ?? Promise.resolve(), GOODBYE_PLAYBACK_TIMEOUT_MS);
    await this.hangUp(reason);
  }

  /** Ends the phone call itself through Twilio's REST API, then the stream; the agent's own hang-up unless told otherwise. */
  async hangUp(reason: string, endReason: RecordedEndReason = 'agent_hangup'): Promise<void> {
    if (this.#hangingUp) return;
    this.#hangingUp = true;
    this.#endReason ??= endReason;
    const { log, callSid, twilio, close } = this.#o;
    log.info('Hanging up', { reason });
    const sid = callSid();
    if (sid) {
      try {
        await twilio().calls(sid).update({ status: 'completed' });
      } catch (error) {
        log.error('Twilio hang-up failed; closing the stream instead', { error: error instanceof Error ? error.message : String(error) });
      }
    }
    close(1000, reason);
  }

  /** The call failed (`code` goes on its record): the stream ends. */
  fail(code: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.#error ??= { code, message };
    this.#o.log.error('Call bridge failed; ending the stream', { code, error: message, ...(code === 'internal_error' ? { stack: (error as Error).stack } : {}) });
    this.#o.close(1011, code);
  }

  /** Finalizes once: what runs stopped, tools settled, then the call's record and completion. Never rejects. */
  finalize(): Promise<BridgeOutcome> {
    this.#finalized ??= this.#settle().catch((error: unknown) => {
      // The sweeper completes the call from what was persisted.
      this.#o.log.error('Finalizing the call failed', { error });
      return { callbackId: this.#o.callbackId, authenticated: this.#o.call() !== undefined, transcriptComplete: false };
    });
    return this.#finalized;
  }

  async #settle(): Promise<BridgeOutcome> {
    const { callbackId, log, collector, finalizer } = this.#o;
    this.#ended = true;
    await this.#o.release();
    const call = this.#o.call();
    if (!call) return { callbackId, authenticated: false, transcriptComplete: false };
    await this.#o.settleTools();
    const transcriptComplete = await finalizeCall(
      { call, collector, error: this.#error, endReason: this.#endReason, startedAt: this.#o.startedAt() },
      { ...finalizer, log },
    );
    return { callbackId, authenticated: true, transcriptComplete };
  }
}
