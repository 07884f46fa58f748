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

const AUDIO_DELTA_TYPE = '"type":"response.output_audio.delta"';
const TRANSCRIPT_DELTA_TYPES = ['"type":"response.output_audio_transcript.delta"', '"type":"conversation.item.input_audio_transcription.delta"'];
/** Where the type of a delta sits: before its payload, among a few ids (their order is the server's). */
const TYPE_WITHIN_CHARS = 160;
const DELTA_KEY = '"delta":"';
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The model connection under the Agents SDK's transport, made through its `createWebSocket`
 * option. Audio skips the SDK's per-message work both ways: caller audio is appended as Twilio's
 * base64, written straight to the socket, and the model's audio deltas are taken off the wire
 * before the SDK parses the message (JSON and zod, twice, plus a deep clone) only to decode the
 * audio and encode it again for Twilio. Transcript deltas, many and unused, are dropped. Every other event reaches the SDK untouched.
 */
export class OpenAIRealtimeSocket {
  readonly ws: WebSocket;
  readonly #writer: BatchedSocketWriter;

  /** `onAudioDelta` takes a delta and returns true; false hands the message to the SDK as usual. */
  constructor(
    url: string,
    apiKey: string,
    private readonly onAudioDelta: (delta: AudioDelta) => boolean,
    onFault: (error: Error) => void,
  ) {
    this.ws = new WebSocket(url, { headers: { Authorization: `Bearer ${apiKey}` }, perMessageDeflate: false });
    this.#writer = new BatchedSocketWriter(this.ws);
    const addEventListener = this.ws.addEventListener.bind(this.ws) as (type: string, listener: MessageListener, options?: unknown) => void;
    // The SDK listens with addEventListener; its message listener only sees what is not audio. Each
    // listener is guarded: what the SDK throws while handling a message (e.g. a schema parse of an
    // event it does not expect) reaches onFault instead of the socket's handler, where it would be
    // uncaught and end the process with every call on it.
    (this.ws as unknown as { addEventListener: typeof addEventListener }).addEventListener = (type, listener, options) =>
      addEventListener(type, guarded(type === 'message' ? this.#audioFirst(listener) : listener, onFault), options);
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
        if (isAudioDelta(data)) {
          const delta = readAudioDelta(data, process.hrtime.bigint());
          if (delta && this.onAudioDelta(delta)) return;
        } else if (isTranscriptDelta(data)) {
          // Many per turn, and unused: turns are read from the transcripts' `done`/`completed`, the SDK
          // ignores the caller's partial transcripts, and its one use for the agent's (output
          // guardrails) is not configured.
          return;
        }
      }
      listener(event);
    };
  }
}

/** A cheap first look (the message is read properly by readAudioDelta): an audio delta names its type near its start. */
export function isAudioDelta(data: string): boolean {
  return typeNear(data, AUDIO_DELTA_TYPE);
}

/** The agent's transcript as it is spoken, or the caller's as it is recognised, a few characters at a time. */
export function isTranscriptDelta(data: string): boolean {
  return TRANSCRIPT_DELTA_TYPES.some((type) => typeNear(data, type));
}

/** Outside strings JSON has no escaped quotes, so `"type":"…"` found here is a key and its value. */
function typeNear(data: string, type: string): boolean {
  const at = data.indexOf(type);
  return at > 0 && at < TYPE_WITHIN_CHARS;
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
