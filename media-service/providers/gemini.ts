import { EventEmitter } from 'node:events';
import { GoogleGenAI, type Session } from '@google/genai';
import { PcmToTwilio, TwilioToPcm } from '../audio/codec';
import { liveConfig, openLiveConnection, type CloseInfo } from './gemini-connection';
import { parseLiveServerMessage, pcmRate, type FunctionCall, type ServerContent } from './gemini-messages';
import { SessionClosure } from './session-closure';
import type { ProviderEvents, ProviderSession, ProviderSessionOptions } from './types';

/**
 * Gemini Live speaks 24 kHz PCM16 and takes PCM16 at any rate the audio's mime type names,
 * resampling it itself: the caller's 8 kHz goes up as it is, so no filter runs on this side.
 */
export const GEMINI_INPUT_RATE = 8000;
export const GEMINI_OUTPUT_RATE = 24_000;
const INPUT_MIME_TYPE = `audio/pcm;rate=${GEMINI_INPUT_RATE}`;
/** Sent as the first user text: the model greets when the call connects. */
export const GREETING_CUE = 'The call has just been answered. Greet the person now, as your instructions say.';

/**
 * Gemini Live through `@google/genai` (`ai.live.connect`): the caller's μ-law 8 kHz goes up as
 * 8 kHz PCM, the model's 24 kHz PCM comes back as μ-law 8 kHz on Twilio `media` + `mark`;
 * transcripts from input/output transcription, barge-in from `interrupted`, tools from
 * `toolCall`, and the ~10-minute connection limit bridged with session resumption on `goAway`.
 */
export class GeminiProviderSession extends EventEmitter<ProviderEvents> implements ProviderSession {
  readonly #o: ProviderSessionOptions;
  readonly #ai: GoogleGenAI;
  readonly #caller = new TwilioToPcm(GEMINI_INPUT_RATE);
  #agent = new PcmToTwilio(GEMINI_OUTPUT_RATE);
  #session: Session | undefined;
  #resumeHandle: string | undefined;
  #reconnecting = false;
  #userText = '';
  #agentText = '';
  #responding = false;
  /** Text came in while the agent was talking: the model cuts that response, and its end is not the answer's. */
  #superseded = false;
  #closing = false;
  readonly #closure = new SessionClosure(this);
  /** When the model message being handled arrived (process.hrtime), for the bridge's latency metric. */
  #messageAtNs: bigint | undefined;
  readonly #cancelledCalls = new Set<string>();

  constructor(options: ProviderSessionOptions) {
    super();
    this.#o = options;
    const baseUrl = options.config.GEMINI_BASE_URL;
    this.#ai = new GoogleGenAI({ apiKey: options.config.GEMINI_API_KEY ?? '', ...(baseUrl ? { httpOptions: { baseUrl } } : {}) });
  }

  readonly #fault = (error: Error) => {
    this.#o.log.error('Handling a Gemini Live message failed', { error });
    this.emit('fault', error);
  };

  async connect(): Promise<void> {
    const session = await this.#open(undefined);
    // The call ended while the connection was being set up.
    if (this.#closing) return session.close();
    this.#session = session;
  }

  sendAudio(payloadBase64: string): void {
    const session = this.#session;
    if (!session || this.#closing) return;
    const data = this.#caller.decodeToBase64(payloadBase64);
    if (!data) return;
    // What `sendRealtimeInput({ audio })` writes, without its per-call conversion of the message.
    this.#send(() => session.conn.send(`{"realtimeInput":{"audio":{"data":"${data}","mimeType":"${INPUT_MIME_TYPE}"}}}`));
  }

  requestResponse(instructions?: string): void {
    this.sendText(instructions ?? GREETING_CUE);
  }

  sendText(text: string): void {
    const session = this.#session;
    if (!session || this.#closing) return;
    if (this.#responding) this.#superseded = true;
    this.#send(() => session.sendRealtimeInput({ text }));
  }

  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#flushUserTurn();
    this.#emitAgentTurn();
    const session = this.#session;
    if (!session) return this.#closure.expected();
    try {
      session.close();
    } catch {
      this.#closure.expected();
    }
  }

  /** Opens a Live connection; resolves once the service answered `setupComplete`. */
  #open(resumeHandle: string | undefined): Promise<Session> {
    return openLiveConnection(this.#ai, this.#o.model, liveConfig(this.#o, resumeHandle), {
      onMessage: (message) => {
        this.#messageAtNs = process.hrtime.bigint();
        this.#onMessage(message);
      },
      onClosed: (session, event) => this.#onConnectionClosed(session, event),
      fault: this.#fault,
    });
  }

  #onMessage(raw: unknown): void {
    const parsed = parseLiveServerMessage(raw);
    if (!parsed.ok) {
      this.#o.log.warn('Ignored a malformed Gemini Live message', { reason: parsed.reason });
      return;
    }
    const message = parsed.message;
    if (message.serverContent) this.#onServerContent(message.serverContent);
    for (const call of message.toolCall?.functionCalls ?? []) void this.#runTool(call);
    for (const id of message.toolCallCancellation?.ids ?? []) this.#cancelledCalls.add(id);
    const update = message.sessionResumptionUpdate;
    if (update?.resumable && update.newHandle) this.#resumeHandle = update.newHandle;
    if (message.goAway) void this.#onGoAway(message.goAway.timeLeft);
  }

  #onServerContent(content: ServerContent): void {
    for (const part of content.modelTurn?.parts ?? []) {
      const data = part.inlineData?.data;
      if (!data) continue;
      const rate = pcmRate(part.inlineData?.mimeType, GEMINI_OUTPUT_RATE);
      if (rate === undefined) {
        this.#o.log.warn('Ignored non-PCM model audio', { mimeType: part.inlineData?.mimeType });
        continue;
      }
      this.#beginResponse();
      if (rate !== this.#agent.rate) this.#agent = new PcmToTwilio(rate);
      this.#o.playback.playBase64(this.#agent.encodeBase64(data), this.#messageAtNs);
    }
    if (content.inputTranscription?.text) this.#userText += content.inputTranscription.text;
    if (content.outputTranscription?.text) {
      this.#beginResponse();
      this.#agentText += content.outputTranscription.text;
    }
    if (content.interrupted) this.#onInterrupted();
    if (content.turnComplete) this.#onTurnComplete();
  }

  /** The model's first output of a response: the caller's words before it form a finished turn. */
  #beginResponse(): void {
    if (this.#responding) return;
    this.#responding = true;
    this.#flushUserTurn();
    this.#o.playback.startResponse();
  }

  #onInterrupted(): void {
    this.#o.playback.interrupt();
    this.#agent.reset();
    this.#emitAgentTurn();
    this.#endResponse();
  }

  #onTurnComplete(): void {
    this.#o.playback.play(this.#agent.flush(), this.#messageAtNs);
    // Input transcription can trail the model's reply; it still belongs before it.
    this.#flushUserTurn();
    this.#emitAgentTurn();
    this.#endResponse();
  }

  #endResponse(): void {
    if (!this.#responding) return;
    this.#responding = false;
    this.#o.playback.endResponse();
    // The next `response_done` is the answer's to the text (the bridge's goodbye waits on it).
    if (this.#superseded) this.#superseded = false;
    else this.emit('response_done');
  }

  #flushUserTurn(): void {
    const text = tidy(this.#userText);
    this.#userText = '';
    if (text) this.emit('turn', { role: 'user', text });
  }

  #emitAgentTurn(): void {
    const text = tidy(this.#agentText);
    this.#agentText = '';
    if (text) this.emit('turn', { role: 'assistant', text });
  }

  async #runTool(call: FunctionCall): Promise<void> {
    this.#flushUserTurn();
    const result = await this.#o.tools.run(call.name, call.args ?? {});
    if (call.id !== undefined && this.#cancelledCalls.delete(call.id)) {
      this.#o.log.info('Gemini cancelled a tool call; its result was not sent', { tool: call.name });
      return;
    }
    const session = this.#session;
    if (!session || this.#closing) return;
    const response = result.isError ? { error: result.output } : { output: jsonOrText(result.output) };
    this.#send(() => session.sendToolResponse({ functionResponses: [{ id: call.id, name: call.name, response }] }));
  }

  /** The service will close this connection soon: continue the conversation on a resumed one. */
  async #onGoAway(timeLeft: string | undefined): Promise<void> {
    const handle = this.#resumeHandle;
    if (this.#reconnecting || this.#closing) return;
    if (!handle) {
      this.#o.log.warn('Gemini Live will close the connection and gave no resumption handle', { timeLeft });
      return;
    }
    this.#reconnecting = true;
    this.#o.log.info('Gemini Live sent goAway; resuming on a new connection', { timeLeft });
    try {
      const next = await this.#open(handle);
      const previous = this.#session;
      if (this.#closing) return next.close();
      this.#session = next;
      previous?.close();
    } catch (error) {
      this.#o.log.warn('Resuming the Gemini Live session failed', { error: error instanceof Error ? error.message : String(error) });
    } finally {
      this.#reconnecting = false;
    }
  }

  #onConnectionClosed(session: Session | undefined, event: CloseInfo): void {
    // A connection replaced by a resumed one closes quietly.
    if (session !== undefined && session !== this.#session) return;
    if (this.#closing) return this.#closure.expected();
    this.#closure.dropped({ code: 'model_disconnected', message: `Gemini Live closed the connection (${event.code ?? 'no code'}${event.reason ? `: ${event.reason}` : ''})` });
  }

  #send(action: () => void): void {
    try {
      action();
    } catch (error) {
      this.#o.log.warn('Sending to Gemini Live failed', { error: error instanceof Error ? error.message : String(error) });
    }
  }
}

function tidy(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function jsonOrText(output: string): unknown {
  try {
    return JSON.parse(output);
  } catch {
    return output;
  }
}
