import { randomBytes } from 'node:crypto';
import type { LiveServerMessage } from '@google/genai';
import { FakeSocket, rawToString, type FakeSessionOptions } from '../fake-common/fake-socket';
import { Listener } from '../fake-common/listener';
import { ScriptedAgent } from '../fake-common/scripted-agent';
import type { ScriptedToolCall, ScriptHistoryEntry } from '../fake-openai/scripts';
import { parseClientMessage, pcmRateOf, textOf, type ClientMessage, type Setup } from './client-messages';
import type { LiveCloseCause, LiveSessionStats } from './stats';
import { bytesToPcm16, pcm16ToBytes } from '../../media-service/audio/codec';

/** Gemini native-audio output: PCM16 little-endian, 24 kHz. */
export const OUTPUT_RATE = 24_000;
export const OUTPUT_MIME_TYPE = `audio/pcm;rate=${OUTPUT_RATE}`;
/** The close the real service sends for a bad key (reason text as Google words it). */
export const INVALID_KEY_CLOSE = { code: 1007, reason: 'API key not valid. Please pass a valid API key.' } as const;
const INVALID_ARGUMENT = 'Request contains an invalid argument.';

export interface LiveFaults {
  /** Terminate the socket (no close frame) this long after it opened. */
  dropAfterMs?: number;
  /** Terminate the socket right after the Nth `turnComplete`. */
  dropAfterTurns?: number;
  /** Model "thinking" time before a turn's first output. */
  responseDelayMs?: number;
  /** Send `goAway` this long after setup, then close the connection `goAwayTimeLeftMs` later. */
  goAwayAfterMs?: number;
  /** @default 2000 */
  goAwayTimeLeftMs?: number;
}

/** Conversation state kept for `sessionResumption` handles. */
export type ResumptionStore = Map<string, ScriptHistoryEntry[]>;

export interface LiveSessionOptions extends FakeSessionOptions<LiveSessionStats, LiveFaults> {
  /** Whether the key the client presented is valid (checked on `setup`, as the service does). */
  keyValid: boolean;
  onRefused(): void;
  binaryFrames: boolean;
  resumption: ResumptionStore;
}

/** What the fake sends, typed by the SDK's own `LiveServerMessage` (minus its convenience getters): a field the SDK does not know fails to compile. */
type ServerMessage = Omit<LiveServerMessage, 'text' | 'data'>;

/** One BidiGenerateContent connection, speaking the protocol as the real Live API does. */
export class FakeLiveSession {
  readonly #o: LiveSessionOptions;
  readonly #stats: LiveSessionStats;
  #setup: Setup | undefined;
  #listener: Listener | undefined;
  readonly #line: FakeSocket<LiveCloseCause>;
  readonly #agent: ScriptedAgent<void>;

  constructor(options: LiveSessionOptions) {
    this.#o = options;
    this.#stats = options.stats;
    this.#line = new FakeSocket(options.socket, options.stats, () => this.#agent.stop());
    this.#agent = new ScriptedAgent({
      stats: options.stats,
      script: options.script,
      line: this.#line,
      speech: { sampleRate: OUTPUT_RATE, chunkIntervalMs: options.audioChunkIntervalMs, startDelayMs: options.faults.responseDelayMs ?? 0 },
      wire: {
        scriptContext: () => this.#scriptContext(),
        heard: (text) => {
          if (this.#setup?.inputAudioTranscription) this.#send({ serverContent: { inputTranscription: { text } } });
        },
        startUtterance: () => undefined,
        sendSpeech: (_, samples, delta) => this.#sendSpeech(samples, delta),
        interrupted: () => this.#send({ serverContent: { interrupted: true } }),
        sendToolCall: (call) => this.#sendToolCall(call),
        turnEnded: (spoke) => this.#completeTurn(spoke),
      },
    });
  }

  start(): void {
    this.#line.listen((data) => this.#receive(rawToString(data)), this.#o.faults.dropAfterMs);
  }

  /** The server shuts down. */
  terminate(): void {
    this.#line.terminate();
  }

  #close(cause: LiveCloseCause, code: number, reason: string): void {
    this.#line.close(cause, code, reason);
  }

  #receive(text: string): void {
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return this.#close('invalid', 1007, parsed.reason.slice(0, 120));
    const message = parsed.message;
    if (!this.#setup && message.kind !== 'setup') return this.#close('invalid', 1007, INVALID_ARGUMENT);
    this.#handle(message);
  }

  #handle(message: ClientMessage): void {
    switch (message.kind) {
      case 'setup':
        return this.#onSetup(message.setup);
      case 'realtimeInput': {
        const { audio, mediaChunks, text } = message.input;
        for (const chunk of [...(audio ? [audio] : []), ...(mediaChunks ?? [])]) {
          this.#onAudio(chunk.data, chunk.mimeType);
          if (this.#line.closed) return;
        }
        if (text !== undefined && text.trim()) this.#onText(text.trim());
        return;
      }
      case 'clientContent': {
        let lastUserText: string | undefined;
        for (const turn of message.content.turns ?? []) {
          const words = textOf(turn);
          if (!words) continue;
          if (turn.role === 'model') this.#agent.history.push({ role: 'assistant', text: words });
          else lastUserText = words;
        }
        if (lastUserText !== undefined && message.content.turnComplete !== false) this.#onText(lastUserText);
        else if (lastUserText !== undefined) this.#agent.history.push({ role: 'user', text: lastUserText });
        return;
      }
      case 'toolResponse':
        return this.#onToolResponse(message.response.functionResponses);
    }
  }

  #onSetup(setup: Setup): void {
    if (this.#setup) return this.#close('invalid', 1007, INVALID_ARGUMENT);
    if (!this.#o.keyValid) {
      this.#o.onRefused();
      return this.#close('auth', INVALID_KEY_CLOSE.code, INVALID_KEY_CLOSE.reason);
    }
    const handle = setup.sessionResumption?.handle;
    if (handle !== undefined) {
      const history = this.#o.resumption.get(handle);
      if (!history) return this.#close('invalid', 1007, INVALID_ARGUMENT);
      this.#agent.history.push(...history.map((entry) => ({ ...entry })));
      this.#stats.resumedFrom = handle;
    }
    this.#setup = setup;
    const stats = this.#stats;
    stats.setup = structuredClone(setup) as Record<string, unknown>;
    stats.model = setup.model;
    stats.voice = setup.generationConfig?.speechConfig?.voiceConfig?.prebuiltVoiceConfig?.voiceName;
    stats.instructions = textOf(setup.systemInstruction);
    stats.toolNames = (setup.tools ?? []).flatMap((tool) => (tool.functionDeclarations ?? []).map((d) => d.name));
    this.#send({ setupComplete: {} });
    const { goAwayAfterMs, goAwayTimeLeftMs = 2000 } = this.#o.faults;
    if (goAwayAfterMs !== undefined) {
      this.#line.after(goAwayAfterMs, () => {
        this.#send({ goAway: { timeLeft: `${goAwayTimeLeftMs / 1000}s` } });
        this.#line.after(goAwayTimeLeftMs, () => this.#close('go_away', 1000, 'Connection time limit reached.'));
      });
    }
  }

  #onAudio(base64: string, mimeType: string): void {
    const rate = pcmRateOf(mimeType);
    if (!rate) return this.#close('invalid', 1007, `Unsupported mime type: ${mimeType}`.slice(0, 120));
    const bytes = Buffer.from(base64, 'base64');
    const stats = this.#stats;
    stats.audioChunksReceived += 1;
    stats.audioBytesReceived += bytes.length;
    stats.timeline.received.add(bytes.length / 2 / (rate / 1000));
    if (!stats.inputRates.includes(rate)) stats.inputRates.push(rate);
    if (this.#listener?.sampleRate !== rate) this.#listener = new Listener(rate);
    this.#agent.hear(this.#listener.hear(bytesToPcm16(bytes)));
  }

  /** Text from the client: the first one (nothing said yet) cues the greeting; later ones are user turns. */
  #onText(text: string): void {
    this.#stats.textInputs.push(text);
    this.#agent.interrupt();
    const fresh = this.#agent.history.every((entry) => entry.role === 'tool');
    if (fresh) return this.#agent.respond('greeting');
    this.#agent.history.push({ role: 'user', text });
    this.#agent.respond('user');
  }

  #onToolResponse(responses: Array<{ id?: string; name: string; response?: Record<string, unknown> }>): void {
    for (const response of responses) {
      const id = response.id;
      if (id === undefined || this.#agent.takeToolCall(id) === undefined) return this.#close('invalid', 1007, INVALID_ARGUMENT);
      this.#stats.toolResponsesReceived += 1;
      this.#stats.toolResponses.push(structuredClone(response));
      // Gemini's convention is `{ output }` or `{ error }`; the script sees the output itself, as the other fakes give it.
      const { output, error } = response.response ?? {};
      const text = error !== undefined ? JSON.stringify({ error }) : typeof output === 'string' ? output : JSON.stringify(output ?? response.response ?? {});
      this.#agent.history.push({ role: 'tool', text, toolName: response.name });
    }
    this.#agent.continueAfterTools();
  }

  #scriptContext(): { instructions: string; tools: string[]; toolSchemas: Record<string, unknown> } {
    return {
      instructions: this.#stats.instructions,
      tools: [...this.#stats.toolNames],
      toolSchemas: Object.fromEntries(
        (this.#setup?.tools ?? []).flatMap((tool) => (tool.functionDeclarations ?? []).map((d) => [d.name, d.parametersJsonSchema ?? d.parameters])),
      ),
    };
  }

  #sendSpeech(samples: Int16Array, transcriptDelta: string): void {
    const stats = this.#stats;
    const bytes = pcm16ToBytes(samples);
    stats.audioChunksSent += 1;
    stats.audioBytesSent += bytes.length;
    stats.timeline.sent.add(samples.length / (OUTPUT_RATE / 1000));
    this.#send({ serverContent: { modelTurn: { parts: [{ inlineData: { mimeType: OUTPUT_MIME_TYPE, data: bytes.toString('base64') } }] } } });
    if (this.#setup?.outputAudioTranscription && transcriptDelta) this.#send({ serverContent: { outputTranscription: { text: transcriptDelta } } });
  }

  #sendToolCall(call: ScriptedToolCall): string {
    const id = `function-call-${randomBytes(8).toString('hex')}`;
    this.#send({ toolCall: { functionCalls: [{ id, name: call.name, args: call.arguments }] } });
    return id;
  }

  #completeTurn(generated: boolean): void {
    const stats = this.#stats;
    if (generated) this.#send({ serverContent: { generationComplete: true } });
    this.#send({ serverContent: { turnComplete: true }, usageMetadata: { promptTokenCount: 10, responseTokenCount: 20, totalTokenCount: 30 } });
    stats.turnsCompleted += 1;
    if (this.#setup?.sessionResumption) {
      const newHandle = `handle-${randomBytes(8).toString('hex')}`;
      this.#o.resumption.set(newHandle, this.#agent.history.map((e) => ({ ...e })));
      this.#send({ sessionResumptionUpdate: { newHandle, resumable: true } });
    }
    const { dropAfterTurns } = this.#o.faults;
    if (dropAfterTurns !== undefined && stats.turnsCompleted >= dropAfterTurns) this.#line.dropWhenFlushed();
  }

  #send(message: ServerMessage): void {
    if (!this.#line.open) return;
    this.#o.onSend?.(message);
    const text = JSON.stringify(message);
    this.#line.send(this.#o.binaryFrames ? Buffer.from(text, 'utf8') : text);
  }
}
