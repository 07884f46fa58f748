import { bytesPerMs, synthesizeSpeech, type AudioFormat } from './audio-format';
import type { Conversation, FunctionCallItem, MessageItem } from './conversation';
import { newId } from './ids';
import type { AgentTurn, ScriptedToolCall } from './scripts';
import { paceChunks } from '../fake-common/pacing';

export type ServerEvent = { type: string } & Record<string, unknown>;
export type CancelReason = 'turn_detected' | 'client_cancelled';

export interface ResponseOutcome {
  status: 'completed' | 'cancelled';
  /** The words actually streamed (all of them, or up to the cancellation). */
  spokenText?: string;
  toolCall?: { name: string; callId: string };
}

export interface ResponseStreamOptions {
  send(event: ServerEvent): void;
  conversation: Conversation;
  outputFormat: AudioFormat;
  voice: string;
  /** Wall-clock gap between two 100 ms audio chunks. */
  chunkIntervalMs: number;
  /** Model "thinking" time between `response.created` and the first output. */
  startDelayMs: number;
  onAudioChunk(bytes: number, chunk: Uint8Array): void;
  onDone(outcome: ResponseOutcome): void;
}

interface Speech {
  item: MessageItem;
  previousItemId: string | null;
  text: string;
  audio: Buffer;
  sentBytes: number;
  sentChars: number;
}

const CHUNK_MS = 100;
const OUTPUT_INDEX = 0;
const CONTENT_INDEX = 0;

/** One model response: `response.created` … `response.done`, audio paced so it can be interrupted. */
export class ResponseStream {
  readonly id = newId('resp');
  readonly #options: ResponseStreamOptions;
  readonly #turn: AgentTurn | undefined;
  #stop: (() => void) | undefined;
  #speech: Speech | undefined;
  #output: Array<MessageItem | FunctionCallItem> = [];
  #finished = false;

  constructor(options: ResponseStreamOptions, turn: AgentTurn | undefined) {
    this.#options = options;
    this.#turn = turn;
  }

  start(): void {
    this.#options.send({ type: 'response.created', response: this.#response('in_progress') });
    this.#stop = paceChunks(this.#options.startDelayMs, this.#options.chunkIntervalMs, () => this.#produceNext());
  }

  cancel(reason: CancelReason): void {
    if (this.#finished) return;
    this.#stop?.();
    const speech = this.#speech;
    if (speech) this.#closeSpeech(speech, 'incomplete');
    this.#finish('cancelled', { type: 'cancelled', reason }, speech ? speech.text.slice(0, speech.sentChars) : undefined);
  }

  /** Stops timers without emitting anything (the socket is gone). */
  abandon(): void {
    this.#finished = true;
    this.#stop?.();
  }

  /** The first call starts the response; each later one sends a chunk of its speech. False when done. */
  #produceNext(): boolean {
    if (this.#finished) return false;
    if (this.#speech) this.#sendChunk();
    else this.#produce();
    return !this.#finished;
  }

  #produce(): void {
    const turn = this.#turn;
    if (!turn) return this.#finish('completed', null);
    if (!('call' in turn)) return this.#beginSpeech(turn.say);
    const toolCall = this.#emitFunctionCall(turn.call.name, turn.call.arguments, OUTPUT_INDEX);
    this.#finish('completed', null, undefined, toolCall);
  }

  /** A tool call the turn makes after its speech, in the same response. */
  get #followingCall(): ScriptedToolCall | undefined {
    const turn = this.#turn;
    return turn && !('call' in turn) ? turn.andCall : undefined;
  }

  #emitFunctionCall(name: string, args: Record<string, unknown>, outputIndex: number): ResponseOutcome['toolCall'] {
    const { send, conversation } = this.#options;
    const argumentsJson = JSON.stringify(args);
    const item: FunctionCallItem = {
      id: newId('item'),
      object: 'realtime.item',
      type: 'function_call',
      status: 'in_progress',
      name,
      call_id: newId('call'),
      arguments: '',
    };
    const previous = conversation.append(item);
    this.#output.push(item);
    const where = { response_id: this.id, item_id: item.id, output_index: outputIndex, call_id: item.call_id };
    send({ type: 'response.output_item.added', response_id: this.id, output_index: outputIndex, item: { ...item } });
    send({ type: 'conversation.item.added', previous_item_id: previous, item: { ...item } });
    send({ type: 'response.function_call_arguments.delta', ...where, delta: argumentsJson });
    send({ type: 'response.function_call_arguments.done', ...where, name, arguments: argumentsJson });
    item.arguments = argumentsJson;
    item.status = 'completed';
    send({ type: 'response.output_item.done', response_id: this.id, output_index: outputIndex, item: { ...item } });
    send({ type: 'conversation.item.done', previous_item_id: previous, item: { ...item } });
    return { name, callId: item.call_id };
  }

  #beginSpeech(text: string): void {
    const { send, conversation, outputFormat } = this.#options;
    const item: MessageItem = {
      id: newId('item'),
      object: 'realtime.item',
      type: 'message',
      status: 'in_progress',
      role: 'assistant',
      content: [],
    };
    const previous = conversation.append(item);
    this.#output.push(item);
    send({ type: 'response.output_item.added', response_id: this.id, output_index: OUTPUT_INDEX, item: structuredClone(item) });
    send({ type: 'conversation.item.added', previous_item_id: previous, item: structuredClone(item) });
    item.content = [{ type: 'output_audio', transcript: '' }];
    send({ type: 'response.content_part.added', ...this.#where(item), part: { type: 'audio', transcript: '' } });
    this.#speech = { item, previousItemId: previous, text, audio: synthesizeSpeech(text, outputFormat), sentBytes: 0, sentChars: 0 };
    this.#sendChunk();
  }

  #sendChunk(): void {
    const speech = this.#speech;
    if (!speech || this.#finished) return;
    const { send, outputFormat, conversation } = this.#options;
    const chunkBytes = CHUNK_MS * bytesPerMs(outputFormat);
    const chunk = speech.audio.subarray(speech.sentBytes, speech.sentBytes + chunkBytes);
    speech.sentBytes += chunk.length;
    const charsDue = Math.ceil((speech.text.length * speech.sentBytes) / speech.audio.length);
    if (charsDue > speech.sentChars) {
      send({ type: 'response.output_audio_transcript.delta', ...this.#where(speech.item), delta: speech.text.slice(speech.sentChars, charsDue) });
      speech.sentChars = charsDue;
    }
    send({ type: 'response.output_audio.delta', ...this.#where(speech.item), delta: chunk.toString('base64') });
    conversation.addAudio(speech.item.id, chunk.length / bytesPerMs(outputFormat));
    this.#options.onAudioChunk(chunk.length, chunk);
    if (speech.sentBytes < speech.audio.length) return;
    this.#closeSpeech(speech, 'completed');
    const next = this.#followingCall;
    const toolCall = next ? this.#emitFunctionCall(next.name, next.arguments, OUTPUT_INDEX + 1) : undefined;
    this.#finish('completed', null, speech.text, toolCall);
  }

  #closeSpeech(speech: Speech, status: 'completed' | 'incomplete'): void {
    const { send } = this.#options;
    const transcript = speech.text.slice(0, speech.sentChars);
    const where = this.#where(speech.item);
    speech.item.status = status;
    speech.item.content = [{ type: 'output_audio', transcript }];
    send({ type: 'response.output_audio.done', ...where });
    send({ type: 'response.output_audio_transcript.done', ...where, transcript });
    send({ type: 'response.content_part.done', ...where, part: { type: 'audio', transcript } });
    send({ type: 'response.output_item.done', response_id: this.id, output_index: OUTPUT_INDEX, item: structuredClone(speech.item) });
    send({ type: 'conversation.item.done', previous_item_id: speech.previousItemId, item: structuredClone(speech.item) });
    this.#speech = undefined;
  }

  #finish(
    status: 'completed' | 'cancelled',
    statusDetails: { type: 'cancelled'; reason: CancelReason } | null,
    spokenText?: string,
    toolCall?: ResponseOutcome['toolCall'],
  ): void {
    this.#finished = true;
    this.#options.send({ type: 'response.done', response: this.#response(status, statusDetails) });
    this.#options.onDone({ status, spokenText, toolCall });
  }

  #where(item: MessageItem) {
    return { response_id: this.id, item_id: item.id, output_index: OUTPUT_INDEX, content_index: CONTENT_INDEX };
  }

  #response(status: 'in_progress' | 'completed' | 'cancelled', statusDetails: unknown = null) {
    const audioMs = this.#output.reduce((ms, item) => ms + this.#options.conversation.audioMs(item.id), 0);
    const outputTokens = Math.round(audioMs / 50);
    return {
      object: 'realtime.response',
      id: this.id,
      status,
      status_details: statusDetails,
      output: structuredClone(this.#output),
      conversation_id: 'conv_fake',
      output_modalities: ['audio'],
      max_output_tokens: 'inf',
      audio: { output: { format: this.#options.outputFormat, voice: this.#options.voice } },
      usage:
        status === 'in_progress'
          ? null
          : {
              total_tokens: 10 + outputTokens,
              input_tokens: 10,
              output_tokens: outputTokens,
              input_token_details: { text_tokens: 10, audio_tokens: 0, image_tokens: 0, cached_tokens: 0 },
              output_token_details: { text_tokens: 0, audio_tokens: outputTokens },
            },
      metadata: null,
    };
  }
}
