import WebSocket from 'ws';
import { guarded } from '../fault-boundary';
import { BatchedSocketWriter } from '../socket-batching';

/** One `response.output_audio.delta`, read off the wire: the audio stays base64 as the model sent it. */
export interface AudioDelta {
  responseId: string;
  itemId: string;
  contentIndex: number;
  payloadBase64: string;
  /** hrtime (ns) at which the model message arrived. */
  atNs: bigint;
}

type MessageListener = (event: { data: unknown }) => void;

const TYPE_KEY = '"type":"';
/**
 * Server events that neither the session nor this adapter has any use for, kept from the SDK's
 * per-message work (JSON and zod twice, a deep clone, an emit):
 * - the transcript deltas, many per turn: turns are read from the transcripts' `done`/`completed`,
 *   the SDK ignores the caller's partial transcripts, and its one use for the agent's (output
 *   guardrails) is not configured;
 * - the items' progress, from which the SDK keeps its own copy of the conversation (its history,
 *   copied on every update, read by nothing here and by no configured SDK feature). A tool call
 *   still reaches it whole, in `response.output_item.done`;
 * - content parts, commits and rate limits, which the SDK only parses and re-emits.
 */
const UNUSED_EVENT_TYPES = new Set([
  'response.output_audio_transcript.delta',
  'conversation.item.input_audio_transcription.delta',
  'conversation.item.added',
  'conversation.item.done',
  'response.output_item.added',
  'response.content_part.added',
  'response.content_part.done',
  'input_audio_buffer.committed',
  'rate_limits.updated',
]);
/**
 * Server events only the adapter reads (the caller's turn end, the finished transcripts): read here
 * and never handed to the SDK. The SDK's one use of a caller transcript is to fetch the whole item
 * again (`conversation.item.retrieve`, which answers with the item's audio) for a history nothing reads.
 */
const ADAPTER_EVENT_TYPES = new Set([
  'input_audio_buffer.speech_stopped',
  'response.output_audio_transcript.done',
  'conversation.item.input_audio_transcription.completed',
]);
/** A server event as the adapter reads it: its type and whatever else it carries. */
export type ServerEvent = { type: string } & Record<string, unknown>;

export interface ModelSocketHandlers {
  /** Takes an audio delta and returns true; false hands the message to the SDK as usual. */
  audioDelta(delta: AudioDelta): boolean;
  /** One of ADAPTER_EVENT_TYPES. */
  adapterEvent(event: ServerEvent): void;
  /** What the SDK, or a handler, threw while a message was handled. */
  fault(error: Error): void;
}
/** Where an event's type sits: before its payload, among a few ids (their order is the server's). */
const TYPE_WITHIN_CHARS = 160;
const DELTA_KEY = '"delta":"';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The model connection under the Agents SDK's transport, made through its `createWebSocket`
 * option. Audio skips the SDK's per-message work both ways: caller audio is appended as Twilio's
 * base64, written straight to the socket, and the model's audio deltas are taken off the wire
 * before the SDK parses the message (JSON and zod, twice, plus a deep clone) only to decode the
 * audio and encode it again for Twilio. Events nothing reads are dropped (UNUSED_EVENT_TYPES), those
 * only the adapter reads go to it (ADAPTER_EVENT_TYPES); every other event reaches the SDK untouched.
 */
export class OpenAIRealtimeSocket {
  readonly ws: WebSocket;
  readonly #writer: BatchedSocketWriter;

  constructor(
    url: string,
    apiKey: string,
    private readonly handlers: ModelSocketHandlers,
  ) {
    this.ws = new WebSocket(url, { headers: { Authorization: `Bearer ${apiKey}` }, perMessageDeflate: false });
    this.#writer = new BatchedSocketWriter(this.ws);
    const addEventListener = this.ws.addEventListener.bind(this.ws) as (type: string, listener: MessageListener, options?: unknown) => void;
    // The SDK listens with addEventListener; its message listener only sees what is not audio. Each
    // listener is guarded: what the SDK throws while handling a message (e.g. a schema parse of an
    // event it does not expect) reaches onFault instead of the socket's handler, where it would be
    // uncaught and end the process with every call on it.
    (this.ws as unknown as { addEventListener: typeof addEventListener }).addEventListener = (type, listener, options) =>
      addEventListener(type, guarded(type === 'message' ? this.#audioFirst(listener) : listener, handlers.fault), options);
  }

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Caller audio (μ-law, base64 as Twilio sent it, already validated as base64) for the input buffer. */
  appendAudio(payloadBase64: string): void {
    if (this.open) this.#writer.send(`{"type":"input_audio_buffer.append","audio":"${payloadBase64}"}`);
  }

  #audioFirst(listener: MessageListener): MessageListener {
    return (event) => {
      const data = event.data;
      if (typeof data === 'string') {
        const route = routeOf(data);
        if (route === 'unused') return;
        if (route === 'audio') {
          const delta = readAudioDelta(data, process.hrtime.bigint());
          if (delta && this.handlers.audioDelta(delta)) return;
        } else if (route === 'adapter') {
          const event = readEvent(data);
          if (event && ADAPTER_EVENT_TYPES.has(event.type)) return this.handlers.adapterEvent(event);
        }
      }
      listener(event);
    };
  }
}

/**
 * The type of a server event, read without parsing it, when it is named among its first fields.
 * Outside strings JSON has no unescaped quotes, so the first `"type":"` is a key and its value, and
 * with no `{` before it but the message's own, the event's. Anything else: undefined (the slow way).
 */
export function leadingType(data: string): string | undefined {
  const at = data.indexOf(TYPE_KEY);
  if (at < 0 || at > TYPE_WITHIN_CHARS || data.lastIndexOf('{', at) !== 0) return undefined;
  const start = at + TYPE_KEY.length;
  const end = data.indexOf('"', start);
  return end > start ? data.slice(start, end) : undefined;
}

function readEvent(data: string): ServerEvent | undefined {
  try {
    const event: unknown = JSON.parse(data);
    return typeof event === 'object' && event !== null && typeof (event as { type?: unknown }).type === 'string' ? (event as ServerEvent) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a server event goes: its audio to the playback, to nobody (UNUSED_EVENT_TYPES), to the
 * adapter (ADAPTER_EVENT_TYPES), or to the SDK, which also gets whatever the fast paths cannot read.
 */
export function routeOf(data: string): 'audio' | 'unused' | 'adapter' | 'sdk' {
  const type = leadingType(data);
  if (type === undefined) return 'sdk';
  if (type === 'response.output_audio.delta') return 'audio';
  if (UNUSED_EVENT_TYPES.has(type)) return 'unused';
  return ADAPTER_EVENT_TYPES.has(type) ? 'adapter' : 'sdk';
}

/**
 * The fields of an audio delta without parsing its audio: the base64 between `"delta":"` and the
 * next quote (base64 has no quotes or escapes), the rest as a small JSON object. Anything
 * unexpected returns undefined, and the SDK reads the message the slow way.
 */
export function readAudioDelta(data: string, atNs: bigint): AudioDelta | undefined {
  const key = data.indexOf(DELTA_KEY);
  if (key < 0) return undefined;
  const start = key + DELTA_KEY.length;
  const end = data.indexOf('"', start);
  if (end < 0) return undefined;
  const payloadBase64 = data.slice(start, end);
  if (!BASE64.test(payloadBase64)) return undefined;
  let rest: { type?: unknown; response_id?: unknown; item_id?: unknown; content_index?: unknown };
  try {
    rest = JSON.parse(`${data.slice(0, key)}"delta":""${data.slice(end + 1)}`);
  } catch {
    return undefined;
  }
  const { type, response_id: responseId, item_id: itemId, content_index: contentIndex } = rest;
  if (type !== 'response.output_audio.delta' || typeof responseId !== 'string' || typeof itemId !== 'string') return undefined;
  return { responseId, itemId, contentIndex: typeof contentIndex === 'number' ? contentIndex : 0, payloadBase64, atNs };
}
