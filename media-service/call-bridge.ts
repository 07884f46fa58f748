import type { Logger } from '@aws-lambda-powertools/logger';
import type { WebSocket } from 'ws';
import type { CallError, CallRecord } from '../shared/call-record';
import type { CallStore } from '../shared/call-store';
import type { CallCompleter } from '../shared/completion';
import type { Config } from '../shared/config';
import { callLogger } from '../shared/logger';
import { defaultVoice } from '../shared/providers';
import { consumeStreamToken, STREAM_PARAMETERS } from '../shared/stream-token';
import type { TwilioClient } from '../shared/twilio';
import { BridgeCallControl } from './call-control';
import { bridgeMetrics } from './metrics';
import { DEFAULT_INSTRUCTIONS, renderInstructions, RESUME_RESPONSE_INSTRUCTIONS, resumeInstructions, TIME_UP_INSTRUCTIONS } from './prompt';
import { providerFactory } from './providers';
import type { ProviderSession } from './providers/types';
import { googleClients } from './tools/google';
import { createToolRunner } from './tools/runner';
import { toolsForCall } from './tools';
import type { ToolRunner } from './tools/types';
import { analyzeCall } from './transcript/analysis';
import { TranscriptCollector } from './transcript/collector';
import { summarizeCall } from './transcript/summary';
import { outbound, parseTwilioMessage, type StartMessage, type TwilioOutbound } from './twilio-stream';

export const START_TIMEOUT_MS = 10_000;
const GOODBYE_PLAYBACK_TIMEOUT_MS = 15_000;
/** How long finalizing waits for tool calls still in flight when the stream ends. */
const TOOL_SETTLE_TIMEOUT_MS = 5_000;
const MAX_LOGGED_BAD_FRAMES = 5;
/** Caller audio held while the model connects: 5 s of 20 ms frames. */
const MAX_HELD_FRAMES = 250;
/** WebSocket close code for a policy violation: unauthenticated or malformed streams. */
export const POLICY_VIOLATION = 1008;

export interface BridgeDeps {
  config: Config;
  store: CallStore;
  completer: CallCompleter;
  twilio: () => TwilioClient;
  now: () => Date;
  /** Observes the conversation as it happens (the demo prints it; the console streams it). */
  onTurn?: (callbackId: string, turn: { role: 'user' | 'assistant'; text: string; at: string }) => void;
  /** How long a stream may stay silent before its `start` message. @default 10000 */
  startTimeoutMs?: number;
}

export interface BridgeOutcome {
  callbackId: string;
  authenticated: boolean;
  transcriptComplete: boolean;
}

/**
 * One Twilio Media Stream, from the upgrade to the completion event: authenticates the
 * stream with its single-use token, opens the model session, forces the greeting, relays
 * audio both ways, persists the transcript as it happens, and finalizes on the way out.
 */
export class CallBridge {
  private log: Logger;
  private provider: ProviderSession | undefined;
  private collector: TranscriptCollector;
  private streamSid: string | undefined;
  private callSid: string | undefined;
  private call: CallRecord | undefined;
  private error: CallError | undefined;
  private badFrames = 0;
  private readonly pendingMarks = new Set<string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private finalized: Promise<BridgeOutcome> | undefined;
  private ended = false;
  private hangingUp = false;
  private startedAt = 0;
  /** hrtime of the stream's start until the first agent audio frame is written, then 0. */
  private startedAtNs = 0n;
  private modelReady = false;
  private reconnected = false;
  private baseInstructions = '';
  private readonly heldAudio: Array<{ payload: string; timestampMs: number | undefined }> = [];
  private control: BridgeCallControl | undefined;
  private tools: ToolRunner | undefined;
  private toolWrites: Promise<void> = Promise.resolve();
  private toolSequence = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly callbackId: string,
    private readonly deps: BridgeDeps,
  ) {
    this.log = callLogger({ callbackId });
    this.collector = new TranscriptCollector(deps.store, callbackId, this.log);
  }

  /** Runs the stream to its end; resolves once the call is finalized. */
  run(): Promise<BridgeOutcome> {
    return new Promise((resolve) => {
      const startTimer = setTimeout(() => this.reject('no start message in time'), this.deps.startTimeoutMs ?? START_TIMEOUT_MS);
      this.timers.push(startTimer);
      this.ws.on('message', (data: Buffer) => this.onMessage(data));
      this.ws.on('close', (code, reason) => {
        const level = code === 1000 || code === 1005 ? 'info' : 'warn';
        this.log[level]('Media stream closed', { code, reason: reason.toString() || undefined });
        void this.finalize().then(resolve);
      });
      this.ws.on('error', (error) => this.log.warn('Media stream socket error', { error: error.message }));
    });
  }

  /** Ends the stream from this side (drain timeout, hang-up). */
  close(code = 1000, reason = 'call ended'): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  private onMessage(data: Buffer): void {
    const receivedAtNs = process.hrtime.bigint();
    const parsed = parseTwilioMessage(data);
    if (!parsed.ok) {
      this.badFrames++;
      if (this.badFrames <= MAX_LOGGED_BAD_FRAMES) this.log.warn('Ignored a malformed Media Stream message', { reason: parsed.reason });
      return;
    }
    const message = parsed.message;
    switch (message.event) {
      case 'connected':
        return;
      case 'start':
        if (!this.streamSid) void this.onStart(message, receivedAtNs);
        return;
      case 'media':
        this.onCallerAudio(message.media.payload, message.media.timestamp, receivedAtNs);
        return;
      case 'mark':
        this.pendingMarks.delete(message.mark.name);
        if (!this.control?.markPlayed(message.mark.name)) this.provider?.markPlayed(message.mark.name);
        return;
      case 'dtmf':
        this.log.info('Caller pressed a key', { digit: message.dtmf.digit });
        this.provider?.sendText(`The caller pressed ${message.dtmf.digit} on their keypad.`);
        return;
      case 'stop':
        this.log.info('Twilio stopped the media stream');
        this.close(1000, 'stream stopped');
        return;
    }
  }

  /**
   * Caller audio goes to the model as it arrives; until the model connection is up it is
   * held (a few seconds at most) so the caller's first words are not lost.
   */
  private onCallerAudio(payload: string, timestampMs: number | undefined, receivedAtNs: bigint): void {
    if (this.modelReady && this.provider) {
      this.provider.sendAudio(payload, timestampMs);
      bridgeMetrics.recordSince(bridgeMetrics.inbound, receivedAtNs);
    } else if (this.heldAudio.length < MAX_HELD_FRAMES) {
      this.heldAudio.push({ payload, timestampMs });
    }
  }

  private async onStart(message: StartMessage, receivedAtNs: bigint): Promise<void> {
    this.streamSid = message.start.streamSid;
    this.callSid = message.start.callSid;
    const params = message.start.customParameters;
    if (params[STREAM_PARAMETERS.callbackId] !== this.callbackId) return this.reject('start parameters name another call');

    const now = this.deps.now();
    let refusal = 'unknown call';
    const claimed = await this.deps.store
      .mutate(this.callbackId, (call) => {
        const check = consumeStreamToken(call, params[STREAM_PARAMETERS.token], now);
        if (!check.ok) {
          refusal = check.reason;
          return undefined;
        }
        return { ...check.mutation, streamSid: this.streamSid, streamStartedAt: now.toISOString(), callSid: call.callSid ?? this.callSid };
      })
      .catch((error: unknown) => {
        refusal = `call store unavailable: ${error instanceof Error ? error.message : String(error)}`;
        return undefined;
      });
    if (!claimed?.changed) return this.reject(refusal);

    clearTimeout(this.timers[0]);
    this.call = claimed.call;
    this.startedAt = Date.now();
    this.startedAtNs = receivedAtNs;
    this.log.appendPersistentKeys({ callSid: this.callSid, streamSid: this.streamSid });
    this.log.info('Media stream started', { provider: this.call.provider, model: this.call.model });
    await this.openModel(this.call);
  }

  private async openModel(call: CallRecord): Promise<void> {
    const c = this.deps.config;
    this.control = new BridgeCallControl({
      callbackId: call.callbackId,
      from: call.request.from,
      line: {
        callSid: () => this.callSid,
        streamSid: () => this.streamSid,
        send: (message) => this.sendToTwilio(message),
        playbackFinished: () => this.playbackFinished(),
        hangUp: (reason) => this.hangUp(reason),
      },
      twilio: this.deps.twilio,
      store: this.deps.store,
      allowedPrefixes: c.ALLOWED_DESTINATION_PREFIXES,
      log: this.log,
    });
    const tools = createToolRunner({
      definitions: toolsForCall(call, c, this.log),
      context: {
        callbackId: call.callbackId,
        callSid: this.callSid,
        to: call.request.to,
        from: call.request.from,
        config: c,
        now: this.deps.now,
        callControl: this.control,
        services: { twilio: this.deps.twilio, google: () => googleClients(c) },
      },
      log: this.log,
      record: (toolCall) => {
        const sequence = ++this.toolSequence;
        this.toolWrites = this.toolWrites.then(() =>
          this.deps.store.appendToolCall(this.callbackId, sequence, toolCall).catch((error: unknown) =>
            this.log.error('Tool call could not be persisted', { error }),
          ),
        );
      },
    });
    this.tools = tools;
    this.baseInstructions = renderInstructions(call.request.instructions ?? c.SYSTEM_PROMPT ?? DEFAULT_INSTRUCTIONS, call.request.variables);
    if (!(await this.openProvider(call, this.baseInstructions, 'model_connect_failed'))) return;
    this.provider!.requestResponse();
    this.log.info('Initial greeting triggered');

    const maxSeconds = call.request.maxDurationSeconds ?? c.MAX_CALL_DURATION_SECONDS;
    this.timers.push(setTimeout(() => void this.sayGoodbyeAndHangUp(), maxSeconds * 1000));
  }

  /** Opens a model session for the call and starts relaying; false (and the call failing) if it cannot. */
  private async openProvider(call: CallRecord, instructions: string, failureCode: string): Promise<boolean> {
    const c = this.deps.config;
    let provider: ProviderSession;
    try {
      provider = providerFactory(call.provider)({
        config: c,
        provider: call.provider,
        model: call.model,
        voice: call.request.voice ?? c.REALTIME_VOICE ?? defaultVoice(call.provider),
        instructions,
        variables: call.request.variables,
        tools: this.tools!,
        log: this.log,
      });
    } catch (error) {
      this.fail('provider_unavailable', error);
      return false;
    }
    this.provider = provider;
    provider.on('twilio', (message, modelMessageAtNs) => this.sendToTwilio(message, modelMessageAtNs));
    provider.on('turn', (turn) => {
      const saved = this.collector.add(turn.role, turn.text);
      this.deps.onTurn?.(this.callbackId, saved);
    });
    provider.on('interrupted', () => this.log.info('Caller interrupted the agent'));
    let lastModelError: string | undefined;
    provider.on('error', (error) => {
      lastModelError = error.message;
      this.log.warn('Realtime model error', error);
    });
    provider.on('closed', ({ expected }) => {
      if (expected || this.ended || provider !== this.provider) return;
      const cause = `The realtime model connection closed unexpectedly${lastModelError ? `: ${lastModelError}` : ''}`;
      void this.reconnect(call, cause);
    });

    const connectStarted = Date.now();
    try {
      await provider.connect();
    } catch (error) {
      this.fail(failureCode, error);
      return false;
    }
    if (this.ended) {
      void provider.close();
      return false;
    }
    this.log.info('Realtime session connected', { connectMs: Date.now() - connectStarted });
    provider.streamStarted(this.streamSid!);
    this.modelReady = true;
    for (const frame of this.heldAudio.splice(0)) provider.sendAudio(frame.payload, frame.timestampMs);
    return true;
  }

  /**
   * The model dropped mid-call: one new session that knows the conversation so far. If that
   * fails too, the stream ends and Twilio plays the TwiML's apology before hanging up.
   */
  private async reconnect(call: CallRecord, cause: string): Promise<void> {
    if (this.reconnected) return this.fail('model_disconnected', new Error(`${cause} (after one reconnect)`));
    this.reconnected = true;
    this.modelReady = false;
    this.log.warn('Realtime model dropped; reconnecting once with the conversation so far', { cause });
    if (this.streamSid) this.sendToTwilio(outbound.clear(this.streamSid));
    const old = this.provider;
    void old?.close().catch(() => undefined);
    const instructions = resumeInstructions(this.baseInstructions, this.collector.turns);
    if (!(await this.openProvider(call, instructions, 'model_disconnected'))) return;
    this.provider!.requestResponse(RESUME_RESPONSE_INSTRUCTIONS);
    this.log.info('Realtime model reconnected');
  }

  private sendToTwilio(message: TwilioOutbound, modelMessageAtNs?: bigint): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    if (message.event === 'mark') this.pendingMarks.add(message.mark.name);
    if (message.event === 'clear') this.pendingMarks.clear();
    this.ws.send(JSON.stringify(message));
    if (message.event !== 'media') return;
    if (modelMessageAtNs) bridgeMetrics.recordSince(bridgeMetrics.outbound, modelMessageAtNs);
    if (this.startedAtNs) {
      bridgeMetrics.recordSince(bridgeMetrics.firstAudio, this.startedAtNs);
      this.startedAtNs = 0n;
    }
  }

  /** The time limit: the agent says goodbye, its audio finishes playing, then Twilio hangs up. */
  private async sayGoodbyeAndHangUp(): Promise<void> {
    if (this.ended || !this.provider) return;
    this.log.info('Call reached its time limit; saying goodbye');
    const done = new Promise<void>((resolve) => this.provider!.once('response_done', () => resolve()));
    this.provider.requestResponse(TIME_UP_INSTRUCTIONS);
    await withTimeout(done.then(() => this.playbackFinished()), GOODBYE_PLAYBACK_TIMEOUT_MS);
    await this.hangUp('time limit reached');
  }

  /** Resolves when Twilio has echoed every mark sent so far (all queued agent audio has played). */
  playbackFinished(): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.pendingMarks.size === 0 || this.ended) return resolve();
        setTimeout(check, 50);
      };
      check();
    });
  }

  /** Ends the phone call itself through Twilio's REST API, then the stream. */
  async hangUp(reason: string): Promise<void> {
    if (this.hangingUp) return;
    this.hangingUp = true;
    const callSid = this.callSid;
    this.log.info('Hanging up', { reason });
    if (callSid) {
      try {
        await this.deps.twilio().calls(callSid).update({ status: 'completed' });
      } catch (error) {
        this.log.error('Twilio hang-up failed; closing the stream instead', { error: error instanceof Error ? error.message : String(error) });
      }
    }
    this.close(1000, reason);
  }

  private fail(code: string, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.error ??= { code, message };
    this.log.error('Call bridge failed; ending the stream', { code, error: message });
    this.close(1011, code);
  }

  private reject(reason: string): void {
    this.log.warn('Media stream refused', { reason });
    this.close(POLICY_VIOLATION, reason.slice(0, 120));
  }

  /** Finalizes once: model closed, transcript flushed, summary, stream end recorded, completion attempted. */
  private finalize(): Promise<BridgeOutcome> {
    this.finalized ??= (async () => {
      this.ended = true;
      this.timers.forEach(clearTimeout);
      await this.provider?.close().catch(() => undefined);
      this.control?.streamEnded();
      if (!this.call) return { callbackId: this.callbackId, authenticated: false, transcriptComplete: false };

      // A tool still running (a transfer recording its outcome) finishes before the call completes.
      await withTimeout(this.tools?.idle() ?? Promise.resolve(), TOOL_SETTLE_TIMEOUT_MS);
      await this.toolWrites;
      const persisted = await this.collector.flush();
      const transcriptComplete = persisted && !this.error;
      const [summary, analysis] = await Promise.all([
        summarizeCall(this.deps.config, this.collector.turns, this.log),
        analyzeCall(this.deps.config, this.call.request.analysis, this.collector.turns, this.log),
      ]);
      try {
        await this.deps.store.mutate(this.callbackId, () => ({
          streamEndedAt: this.deps.now().toISOString(),
          transcriptComplete,
          ...(summary ? { summary } : {}),
          ...(analysis ? { analysisResult: { data: analysis.data as never, successful: analysis.successful } } : {}),
          ...(this.error ? { error: this.error } : {}),
        }));
        const completion = await this.deps.completer.complete(this.callbackId, 'media-service');
        this.log.info('Media stream finalized', {
          turns: this.collector.turns.length,
          transcriptComplete,
          durationMs: Date.now() - this.startedAt,
          completion,
        });
      } catch (error) {
        // The sweeper completes the call from what was persisted.
        this.log.error('Finalizing the call failed', { error: error instanceof Error ? error.message : String(error) });
      }
      return { callbackId: this.callbackId, authenticated: true, transcriptComplete };
    })();
    return this.finalized;
  }
}

function withTimeout(promise: Promise<void>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
