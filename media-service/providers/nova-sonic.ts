import { EventEmitter } from 'node:events';
import { PcmToTwilio, TwilioToPcm } from '../audio/codec';
import { guarded } from '../fault-boundary';
import { describeBedrockError } from './nova-sonic-client';
import { generationStageOf, readInterruption, type NovaOutputEvent } from './nova-sonic-events';
import { INPUT_SAMPLE_RATE, OUTPUT_SAMPLE_RATE } from './nova-sonic-prompt';
import { resumableHistory } from './nova-sonic-history';
import { NovaSonicStream, type HistoryTurn } from './nova-sonic-stream';
import { SessionClosure } from './session-closure';
import type { ProviderEvents, ProviderSession, ProviderSessionOptions } from './types';

/** Nova Sonic answers user input only; this cross-modal USER text makes it speak first (Nova 2 Sonic). */
export const GREETING_TRIGGER = '(the call has connected; greet the caller)';

export interface NovaSonicTuning {
  /**
   * Bedrock ends a bidirectional stream after 8 minutes. From this age on, the session moves to
   * a new stream (carrying the conversation as history) at the first quiet moment. @default 450000
   */
  renewAfterMs?: number;
  /** How long after `renewAfterMs` a quiet moment is waited for before renewing anyway. @default 20000 */
  renewWithinMs?: number;
}

interface OutputContent {
  type: string;
  role: string | undefined;
  stage: 'SPECULATIVE' | 'FINAL' | undefined;
}

/**
 * Amazon Nova Sonic over Bedrock's bidirectional stream: the caller's μ-law 8 kHz in as 8 kHz
 * LPCM audioInput, the model's 8 kHz LPCM out as μ-law media + marks to Twilio, `clear` on
 * barge-in, FINAL transcripts as turns, tool uses run through the call's tool runner, and a
 * fresh stream (with the conversation so far) before Bedrock's 8-minute stream limit.
 */
export class NovaSonicProviderSession extends EventEmitter<ProviderEvents> implements ProviderSession {
  readonly #options: ProviderSessionOptions;
  readonly #renewAfterMs: number;
  readonly #renewWithinMs: number;
  /**
   * Every audioInput event is framed and SigV4-signed on its own by the SDK (most of the Nova
   * path's CPU), so the caller's audio goes up in 40 ms events, two Twilio frames each.
   */
  readonly #fromCaller = new TwilioToPcm(INPUT_SAMPLE_RATE, { batchMs: 40 });
  #toCaller = new PcmToTwilio(OUTPUT_SAMPLE_RATE);
  /** The rate the current audio content announced (the one asked for in promptStart, unless it says another). */
  #outputRate = OUTPUT_SAMPLE_RATE;
  #stream: NovaSonicStream | undefined;
  /** Output contents of the current stream that have started and not ended. */
  #contents = new Map<string, OutputContent>();
  /** Texts this side sent as USER text: Nova echoes them as USER transcripts, which are not the caller's words. */
  readonly #ownTexts: string[] = [];
  readonly #history: HistoryTurn[] = [];
  #assistantText: string[] = [];
  #toolUse: { toolName: string; toolUseId: string; content: string } | undefined;
  #toolsRunning = 0;
  #bargedIn = false;
  #eventArrivedAtNs: bigint | undefined;
  #renewTimers: NodeJS.Timeout[] = [];
  #renewDue = false;
  #renewing = false;
  #closing = false;
  readonly #closure = new SessionClosure(this);

  constructor(options: ProviderSessionOptions, tuning: NovaSonicTuning = {}) {
    super();
    this.#options = options;
    this.#renewAfterMs = tuning.renewAfterMs ?? 450_000;
    this.#renewWithinMs = tuning.renewWithinMs ?? 20_000;
  }

  readonly #fault = (error: Error) => {
    this.#options.log.error('Handling a Nova Sonic event failed', { error });
    this.emit('fault', error);
  };

  async connect(): Promise<void> {
    const stream = this.#newStream([]);
    await stream.open();
    this.#use(stream);
  }

  sendAudio(payloadBase64: string): void {
    if (!this.#stream?.audioOpen) return;
    const pcm = this.#fromCaller.decodeToBase64(payloadBase64);
    if (pcm) this.#stream.sendAudio(pcm);
  }

  requestResponse(instructions?: string): void {
    this.#sendUserText(instructions ? `(${instructions})` : GREETING_TRIGGER);
  }

  sendText(text: string): void {
    this.#sendUserText(text);
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#renewTimers.forEach(clearTimeout);
    await this.#stream?.close();
    this.#closure.expected();
  }

  #newStream(history: HistoryTurn[]): NovaSonicStream {
    const { config, model, voice, tools, instructions, log } = this.#options;
    return new NovaSonicStream({ config, modelId: model, settings: { voiceId: voice, tools: tools.definitions }, instructions, history, log });
  }

  #use(stream: NovaSonicStream): void {
    this.#stream = stream;
    this.#contents = new Map();
    // A throw while handling an event ends this call (a fault), not the stream's reader as if Bedrock had failed.
    stream.on(
      'event',
      guarded((event: NovaOutputEvent, arrivedAtNs: bigint) => {
        if (stream !== this.#stream) return;
        this.#eventArrivedAtNs = arrivedAtNs;
        this.#onEvent(event);
        this.#renewIfQuiet();
      }, this.#fault),
    );
    stream.on('failed', (error) => {
      if (stream === this.#stream) this.#onStreamFailed(error);
    });
    this.#scheduleRenewal();
  }

  #sendUserText(text: string): void {
    if (!this.#stream?.audioOpen) return;
    this.#ownTexts.push(text.trim());
    this.#stream.sendUserText(text);
  }

  #onEvent(event: NovaOutputEvent): void {
    switch (event.name) {
      case 'contentStart': {
        const { contentId, type, role } = event.body;
        this.#contents.set(contentId, { type, role, stage: generationStageOf(event.body) });
        if (type === 'AUDIO' && role !== 'USER') {
          this.#outputRate = event.body.audioOutputConfiguration?.sampleRateHertz ?? OUTPUT_SAMPLE_RATE;
          this.#bargedIn = false;
          this.#options.playback.startResponse();
        }
        return;
      }
      case 'textOutput':
        return this.#onText(event.body.content, event.body.role, event.body.contentId);
      case 'audioOutput':
        if (this.#bargedIn) return;
        // A rate no converter can be made for throws here, for each chunk: none plays at the wrong speed.
        if (this.#outputRate !== this.#toCaller.rate) this.#toCaller = new PcmToTwilio(this.#outputRate);
        this.#options.playback.playBase64(this.#toCaller.encodeBase64(event.body.content), this.#eventArrivedAtNs);
        return;
      case 'toolUse':
        this.#toolUse = { toolName: event.body.toolName, toolUseId: event.body.toolUseId, content: event.body.content };
        return;
      case 'contentEnd':
        return this.#onContentEnd(event.body.contentId, event.body.stopReason, event.body.type);
      case 'completionEnd':
        return this.#flushAssistantTurn();
      default:
        return;
    }
  }

  #onText(raw: string, eventRole: string | undefined, contentId: string | undefined): void {
    const content = contentId ? this.#contents.get(contentId) : undefined;
    const role = eventRole ?? content?.role;
    const { interrupted, text } = role === 'ASSISTANT' ? readInterruption(raw) : { interrupted: false, text: raw.trim() };
    if (interrupted) this.#onBargeIn();
    if (!text) return;
    if (role === 'USER') {
      const own = this.#ownTexts.indexOf(text);
      if (own >= 0) {
        this.#ownTexts.splice(own, 1);
        return;
      }
      this.#flushAssistantTurn();
      this.#emitTurn('user', text);
      return;
    }
    // SPECULATIVE text is what the model plans to say; only FINAL text is what the caller heard.
    if (role === 'ASSISTANT' && content?.stage !== 'SPECULATIVE') this.#assistantText.push(text);
  }

  #onContentEnd(contentId: string, stopReason: string | undefined, endType: string | undefined): void {
    const content = this.#contents.get(contentId);
    this.#contents.delete(contentId);
    const type = endType ?? content?.type;
    if (type === 'AUDIO' && content?.role !== 'USER') {
      if (stopReason === 'INTERRUPTED') this.#onBargeIn();
      else this.#options.playback.play(this.#toCaller.flush(), this.#eventArrivedAtNs);
      this.#options.playback.endResponse();
      this.emit('response_done');
      return;
    }
    if (type === 'TOOL') {
      const use = this.#toolUse;
      this.#toolUse = undefined;
      if (use) void this.#runTool(use);
      return;
    }
    if (type === 'TEXT' && content?.role === 'ASSISTANT' && content.stage !== 'SPECULATIVE' && stopReason !== 'PARTIAL_TURN') {
      this.#flushAssistantTurn();
    }
  }

  #onBargeIn(): void {
    if (this.#bargedIn) return;
    this.#bargedIn = true;
    this.#toCaller.reset();
    this.#options.playback.interrupt();
  }

  #flushAssistantTurn(): void {
    const text = this.#assistantText.join(' ').replace(/\s+/g, ' ').trim();
    this.#assistantText = [];
    if (text) this.#emitTurn('assistant', text);
  }

  #emitTurn(role: 'user' | 'assistant', text: string): void {
    this.#history.push({ role: role === 'user' ? 'USER' : 'ASSISTANT', text });
    this.emit('turn', { role, text });
  }

  async #runTool(use: { toolName: string; toolUseId: string; content: string }): Promise<void> {
    // The result belongs to the stream that asked; after a renewal that one is closing and drops it.
    const stream = this.#stream;
    this.#toolsRunning += 1;
    try {
      const result = await this.#options.tools.run(use.toolName, use.content);
      stream?.sendToolResult(use.toolUseId, result.output);
    } finally {
      this.#toolsRunning -= 1;
    }
  }

  #scheduleRenewal(): void {
    this.#renewTimers.forEach(clearTimeout);
    this.#renewDue = false;
    this.#renewTimers = [
      setTimeout(() => {
        this.#renewDue = true;
        this.#renewIfQuiet();
      }, this.#renewAfterMs),
      setTimeout(() => void this.#renew(), this.#renewAfterMs + this.#renewWithinMs),
    ];
  }

  /** Quiet: the model is not producing anything and no tool result is owed to the current stream. */
  #renewIfQuiet(): void {
    const quiet = this.#contents.size === 0 && !this.#toolUse && this.#toolsRunning === 0;
    if (this.#renewDue && quiet) void this.#renew();
  }

  async #renew(): Promise<void> {
    const old = this.#stream;
    if (this.#renewing || this.#closing || !old) return;
    this.#renewing = true;
    this.#renewTimers.forEach(clearTimeout);
    const next = this.#newStream(resumableHistory(this.#history));
    try {
      await next.open();
    } catch (error) {
      // The old stream carries on until Bedrock ends it; that failure is reported then.
      this.#options.log.warn('Could not renew the Nova Sonic stream', { error: describeBedrockError(error).message });
      return;
    } finally {
      this.#renewing = false;
    }
    if (this.#closing) return void next.close();
    this.#flushAssistantTurn();
    this.#use(next);
    this.#options.log.info('Nova Sonic stream renewed', { previousStreamAgeMs: Date.now() - old.openedAt, historyTurns: this.#history.length });
    void old.close();
  }

  #onStreamFailed(error: unknown): void {
    this.#renewTimers.forEach(clearTimeout);
    if (this.#closing) return this.#closure.expected();
    this.#flushAssistantTurn();
    this.#closure.dropped(describeBedrockError(error));
  }
}
