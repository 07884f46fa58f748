import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebSocket } from 'ws';
import type { CallRecord, ToolCallRecord } from '../shared/call-record';
import type { CallStore } from '../shared/call-store';
import type { CallCompleter } from '../shared/completion';
import type { Config } from '../shared/config';
import { callLogger } from '../shared/logger';
import { redactsStored } from '../shared/redaction';
import { defaultVoice, voiceFor, type RealtimeProvider } from '../shared/providers';
import type { TwilioClient } from '../shared/twilio';
import { CallerAudio } from './bridge/caller-audio';
import type { CancelWatch } from './bridge/cancel-watch';
import { SilenceWatch } from './bridge/silence-watch';
import { CallEnding, type BridgeOutcome } from './bridge/call-ending';
import { CallTimers } from './bridge/call-timers';
import { CallTools } from './bridge/call-tools';
import { ModelLink, ModelOpenError } from './bridge/model-link';
import { claimStream } from './bridge/stream-claim';
import { TwilioLine } from './bridge/twilio-line';
import { callContext, guarded, type CallIds } from './fault-boundary';
import { CallerPlayback } from './playback/caller-playback';
import {
  CANCEL_INSTRUCTIONS,
  DEFAULT_INSTRUCTIONS,
  inLanguage,
  renderInstructions,
  RESUME_RESPONSE_INSTRUCTIONS,
  resumeInstructions,
  SILENCE_CHECK_INSTRUCTIONS,
  SILENCE_GOODBYE_INSTRUCTIONS,
  TIME_UP_INSTRUCTIONS,
} from './prompt';
import type { ProviderFactory } from './providers/types';
import { TranscriptCollector } from './transcript/collector';
import type { TurnWriter } from './transcript/turn-writer';
import { parseTwilioMessage, type StartMessage, type TwilioInbound } from './twilio-stream';

export const START_TIMEOUT_MS = 10_000;
/** Under CloudFront's and the ALB's idle timeouts with room to spare. */
export const PING_INTERVAL_MS = 20_000;
const MAX_LOGGED_BAD_FRAMES = 5;
/** WebSocket close code for a policy violation: unauthenticated or malformed streams. */
export const POLICY_VIOLATION = 1008;

export interface BridgeDeps {
  config: Config;
  store: CallStore;
  completer: CallCompleter;
  /** The process's watch for cancels of its live calls. */
  cancels: CancelWatch;
  /** Where the transcript turns of the process's calls are written, together. */
  turns: TurnWriter;
  twilio: () => TwilioClient;
  now: () => Date;
  /** The session factory of each realtime provider (the registry, or a scripted one in tests). */
  providerFactory: (provider: RealtimeProvider) => ProviderFactory;
  /** Observes the conversation as it happens (the demo prints it; the console streams it). */
  onTurn?: (callbackId: string, turn: { role: 'user' | 'assistant'; text: string; at: string }) => void;
  /** Observes each tool call as it completes (the demo and `npm run dev` print them). */
  onToolCall?: (callbackId: string, toolCall: ToolCallRecord) => void;
  /** How long a stream may stay silent before its `start` message. @default 10000 */
  startTimeoutMs?: number;
  /** How often every stream is pinged. @default 20000 */
  pingIntervalMs?: number;
}

/**
 * One Twilio Media Stream, from the upgrade to the completion event: authenticates the
 * stream, opens the model session, forces the greeting, relays audio both ways, reconnects
 * once if the model drops, enforces the time limit, and finalizes on the way out. Each of
 * those jobs is done by a collaborator; this class puts them in order.
 */
export class CallBridge {
  private readonly log: Logger;
  private readonly line: TwilioLine;
  private playback: CallerPlayback | undefined;
  private readonly audio = new CallerAudio();
  private readonly model: ModelLink;
  private readonly timers = new CallTimers<'start' | 'time-limit'>();
  private readonly collector: TranscriptCollector;
  private streamSid: string | undefined;
  private callSid: string | undefined;
  private call: CallRecord | undefined;
  /** True while the stream's `start` is being authenticated. */
  private claiming = false;
  private tools: CallTools | undefined;
  private badFrames = 0;
  private readonly ending: CallEnding;
  private silence: SilenceWatch | undefined;
  private stopCancelWatch: (() => void) | undefined;
  private startedAt = 0;
  private reconnected = false;
  private baseInstructions = '';
  private readonly ids: CallIds;

  constructor(
    private readonly ws: WebSocket,
    readonly callbackId: string,
    private readonly deps: BridgeDeps,
    /** The call as read when the socket was admitted. */
    private readonly admitted?: CallRecord,
  ) {
    this.log = callLogger({ callbackId });
    this.ids = { callbackId };
    this.collector = new TranscriptCollector(deps.turns, callbackId, this.log);
    this.line = new TwilioLine(ws, deps.pingIntervalMs ?? PING_INTERVAL_MS);
    this.model = new ModelLink(
      (options) => deps.providerFactory(options.provider)(options),
      {
        turn: (turn) => {
          if (turn.role === 'user') this.silence?.calleeSpoke();
          // Stored whether or not anyone listens: an optional call would skip evaluating its argument.
          const stored = this.collector.add(turn.role, turn.text);
          this.deps.onTurn?.(this.callbackId, stored);
        },
        dropped: (cause) => {
          // A call that is hanging up, its goodbye already generated, needs no new session.
          if (this.ending.modelDone) return void this.log.info('Realtime model dropped as the call ends', { cause });
          guarded(() => this.reconnect(cause), this.fault)();
        },
        fault: this.fault,
      },
      this.log,
    );
    this.ending = new CallEnding({
      callbackId,
      log: this.log,
      model: this.model,
      playback: () => this.playback,
      callSid: () => this.callSid,
      twilio: deps.twilio,
      close: (code, reason) => this.close(code, reason),
      release: () => this.release(),
      call: () => this.call,
      collector: this.collector,
      startedAt: () => this.startedAt,
      settleTools: async () => {
        await this.tools?.settle();
      },
      finalizer: { config: deps.config, completer: deps.completer, now: deps.now },
    });
  }

  /** True once the stream's `start` carried this call's token and CallSid. */
  get authenticated(): boolean {
    return this.call !== undefined;
  }

  /** Runs the stream to its end; resolves once the call is finalized. */
  run(): Promise<BridgeOutcome> {
    return new Promise((resolve) => {
      this.timers.set('start', this.deps.startTimeoutMs ?? START_TIMEOUT_MS, () => this.reject('no start message in time'));
      this.ws.on('message', guarded((data: Buffer) => this.onMessage(data), this.fault));
      this.ws.on('close', (code, reason) => {
        const level = code === 1000 || code === 1005 ? 'info' : 'warn';
        this.log[level]('Media stream closed', { code, reason: reason.toString() || undefined });
        void this.ending.finalize().then(resolve);
      });
      this.ws.on('error', (error) => this.log.warn('Media stream socket error', { error: error.message }));
    });
  }

  /** Ends the stream from this side (drain timeout, hang-up). */
  close(code = 1000, reason = 'call ended'): void {
    this.line.close(code, reason);
  }

  /**
   * Something on this call's code path threw (the adapter, its SDK, the bridge itself): this
   * call ends with what it has so far, and no other call notices.
   */
  readonly fault = (error: Error): void => {
    if (this.ending.ended) return void this.log.error('Fault after the call ended', { error });
    this.ending.fail('internal_error', error);
  };

  private onMessage(data: Buffer): void {
    const receivedAtNs = process.hrtime.bigint();
    const parsed = parseTwilioMessage(data);
    if (parsed.ok) return this.onTwilioMessage(parsed.message, receivedAtNs);
    this.badFrames++;
    if (this.badFrames <= MAX_LOGGED_BAD_FRAMES) this.log.warn('Ignored a malformed Media Stream message', { reason: parsed.reason });
  }

  private onTwilioMessage(message: TwilioInbound, receivedAtNs: bigint): void {
    switch (message.event) {
      case 'connected':
        return;
      case 'start':
        // What the call starts (model sockets, timers) carries its ids, for the process-level net.
        if (!this.streamSid) callContext.run(this.ids, guarded(() => this.onStart(message, receivedAtNs), this.fault));
        return;
      case 'media':
        // Twilio sends audio right behind its `start`: while that start's token is checked, frames are
        // held (bounded by CallerAudio) and dropped if it is refused. Before any start, nothing is held.
        if (!this.call) return this.claiming ? this.audio.hear(message.media.payload, message.media.timestamp, receivedAtNs) : undefined;
        this.playback?.hearCaller(message.media.payload);
        this.silence?.hear(message.media.payload);
        return this.audio.hear(message.media.payload, message.media.timestamp, receivedAtNs);
      case 'mark':
        this.playback?.markPlayed(message.mark.name);
        return;
      case 'dtmf':
        this.log.info('Caller pressed a key', { digit: message.dtmf.digit });
        this.model.session?.sendText(`The caller pressed ${message.dtmf.digit} on their keypad.`);
        return;
      case 'stop':
        this.log.info('Twilio stopped the media stream');
        this.close(1000, 'stream stopped');
        return;
    }
  }

  private async onStart(message: StartMessage, receivedAtNs: bigint): Promise<void> {
    this.streamSid = message.start.streamSid;
    this.claiming = true;
    const claim = await claimStream(this.deps.store, this.callbackId, message, this.deps.now(), this.admitted);
    this.claiming = false;
    if (!claim.ok) {
      this.audio.discard();
      return this.reject(claim.reason);
    }

    this.timers.clear('start');
    this.call = claim.call;
    this.callSid = claim.call.callSid;
    Object.assign(this.ids, { callSid: this.callSid, streamSid: this.streamSid });
    if (redactsStored(this.call.request)) this.collector.maskStoredTurns();
    this.playback = new CallerPlayback({ streamSid: this.streamSid, send: (out, atNs) => this.line.send(out, atNs), log: this.log });
    this.startedAt = Date.now();
    this.line.started(receivedAtNs);
    this.log.appendPersistentKeys({ callSid: this.callSid, streamSid: this.streamSid });
    this.log.info('Media stream started', { provider: this.call.provider, model: this.call.model });
    await this.openModel(this.call);
  }

  private async openModel(call: CallRecord): Promise<void> {
    const c = this.deps.config;
    this.tools = new CallTools({
      call,
      line: {
        callSid: () => this.callSid,
        playback: () => this.playback,
        hangUpAfterPlayback: (reason) => this.ending.hangUpAfterPlayback(reason),
      },
      config: c,
      store: this.deps.store,
      twilio: this.deps.twilio,
      now: this.deps.now,
      log: this.log,
      onToolCall: (toolCall) => this.deps.onToolCall?.(this.callbackId, toolCall),
    });
    this.baseInstructions = inLanguage(
      renderInstructions(call.request.instructions ?? c.SYSTEM_PROMPT ?? DEFAULT_INSTRUCTIONS, call.request.variables),
      call.request.language,
    );
    if (!(await this.openSession(call, this.baseInstructions, 'model_connect_failed'))) return;
    this.model.session!.requestResponse();
    this.log.info('Initial greeting triggered');

    const maxSeconds = call.request.maxDurationSeconds ?? c.MAX_CALL_DURATION_SECONDS;
    this.timers.set('time-limit', maxSeconds * 1000, guarded(() => this.ending.sayGoodbyeAndHangUp(TIME_UP_INSTRUCTIONS, 'time_limit'), this.fault));
    this.silence = new SilenceWatch({
      timeoutMs: (call.request.silenceTimeoutSeconds ?? c.SILENCE_TIMEOUT_SECONDS) * 1000,
      agentBusy: () => this.playback?.playing === true || this.ending.sayingGoodbye,
      ask: () => {
        this.log.info('Callee silent; asking whether they are still there');
        this.model.session?.requestResponse(SILENCE_CHECK_INSTRUCTIONS);
      },
      giveUp: () => void this.ending.sayGoodbyeAndHangUp(SILENCE_GOODBYE_INSTRUCTIONS, 'silence_timeout'),
    });
    if (call.cancel) return this.onCancel(call.cancel);
    // The process's watch calls back from its own timer: the call's ids go with this call's handling.
    this.stopCancelWatch = this.deps.cancels.watch(this.callbackId, (cancel) => callContext.run(this.ids, guarded(() => this.onCancel(cancel), this.fault)));
  }

  /** A cancel through the API: the agent says a short goodbye first, unless it was to be immediate. */
  private onCancel(cancel: NonNullable<CallRecord['cancel']>): void {
    this.log.info('Call canceled through the API', { immediate: cancel.immediate });
    if (cancel.immediate) void this.ending.hangUp('canceled', 'canceled');
    else void this.ending.sayGoodbyeAndHangUp(CANCEL_INSTRUCTIONS, 'canceled');
  }

  /** Opens a model session for the call and starts relaying; false (and the call failing) if it cannot. */
  private async openSession(call: CallRecord, instructions: string, failureCode: string): Promise<boolean> {
    const c = this.deps.config;
    try {
      const session = await this.model.open({
        config: c,
        provider: call.provider,
        model: call.model,
        voice: call.request.voice ?? (call.request.language ? voiceFor(call.provider, call.request.language) : c.REALTIME_VOICE) ?? defaultVoice(call.provider),
        instructions,
        language: call.request.language,
        variables: call.request.variables,
        tools: this.tools!.runner,
        playback: this.playback!,
        log: this.log,
      });
      if (this.ending.ended) {
        void session.close();
        return false;
      }
      this.audio.relayTo(session);
      return true;
    } catch (error) {
      const stage = error instanceof ModelOpenError ? error.stage : 'connect';
      this.ending.fail(stage === 'create' ? 'provider_unavailable' : failureCode, error);
      return false;
    }
  }

  /**
   * The model dropped mid-call: one new session that knows the conversation so far. What the
   * old one said keeps playing (the transcript and the new session's instructions say it was
   * said), and the new one's words queue after it. If that fails too, the stream ends and
   * Twilio plays the TwiML's apology before hanging up.
   */
  private async reconnect(cause: string): Promise<void> {
    if (this.reconnected) return this.ending.fail('model_disconnected', new Error(`${cause} (after one reconnect)`));
    this.reconnected = true;
    this.audio.hold();
    this.log.warn('Realtime model dropped; reconnecting once with the conversation so far', { cause });
    // Nothing more of the old response will come; the caller may talk over what still plays.
    this.playback?.endResponse();
    void this.model.close();
    // A goodbye the dropped session had not said (or that was asked for while this one connected) is the new session's to say.
    const goodbye = this.ending.goodbyeToSay;
    const instructions = resumeInstructions(this.baseInstructions, this.collector.turns) + (goodbye ? `\n\n${goodbye}` : '');
    if (!(await this.openSession(this.call!, instructions, 'model_disconnected'))) return;
    this.model.session!.requestResponse(this.ending.goodbyeToSay ?? RESUME_RESPONSE_INSTRUCTIONS);
    this.log.info('Realtime model reconnected');
  }

  private reject(reason: string): void {
    this.log.warn('Media stream refused', { reason });
    this.close(POLICY_VIOLATION, reason.slice(0, 120));
  }

  /** The stream is gone: everything the call has running stops. */
  private async release(): Promise<void> {
    this.timers.clearAll();
    this.silence?.stop();
    this.stopCancelWatch?.();
    await this.model.close();
    this.playback?.streamEnded();
  }
}
