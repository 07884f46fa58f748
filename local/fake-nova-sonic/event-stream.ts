import { EventStreamCodec, type MessageHeaders } from '@smithy/eventstream-codec';

/**
 * The AWS event-stream framing of Bedrock's bidirectional stream, both directions.
 *
 * Request (client → Bedrock): each HTTP/2 DATA message is an outer, signed event-stream
 * message (`:date`, `:chunk-signature`) whose body is itself an event-stream message with
 * `:event-type chunk`, `:message-type event`, `:content-type application/json` and the body
 * `{"bytes":"<base64 of the Nova JSON event>"}`. The client ends its side with one signed
 * message whose body is empty.
 *
 * Response (Bedrock → client): single-layer messages, no signature: `chunk` events with the
 * same `{"bytes": …}` body, or `:message-type exception` messages named by `:exception-type`
 * (the SDK maps `validationException`, `modelTimeoutException`, … to its exception classes).
 */

const codec = new EventStreamCodec(
  (bytes) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'),
  (text) => new Uint8Array(Buffer.from(text, 'utf8')),
);

/** Exceptions the SDK models on the output stream (member names of the output union). */
export type StreamExceptionType =
  | 'validationException'
  | 'modelTimeoutException'
  | 'throttlingException'
  | 'internalServerException'
  | 'modelStreamErrorException'
  | 'serviceUnavailableException';

export type RequestMessage = { kind: 'event'; event: unknown; signed: boolean } | { kind: 'end' };
export type ResponseMessage = { kind: 'event'; event: unknown } | { kind: 'exception'; type: string; message: string };
export type Decoded<T> = { ok: true; value: T } | { ok: false; reason: string };

const stringHeader = (value: string) => ({ type: 'string' as const, value });

function chunkMessage(event: unknown): Uint8Array {
  const bytes = Buffer.from(JSON.stringify(event), 'utf8').toString('base64');
  return codec.encode({
    headers: {
      ':event-type': stringHeader('chunk'),
      ':message-type': stringHeader('event'),
      ':content-type': stringHeader('application/json'),
    },
    body: new Uint8Array(Buffer.from(JSON.stringify({ bytes }), 'utf8')),
  });
}

/** One Nova output event as Bedrock frames it for the response body. */
export function encodeResponseEvent(event: unknown): Uint8Array {
  return chunkMessage(event);
}

/** A modeled stream exception (the SDK throws it from the response iterator). */
export function encodeResponseException(type: StreamExceptionType, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ':exception-type': stringHeader(type),
      ':message-type': stringHeader('exception'),
      ':content-type': stringHeader('application/json'),
    },
    body: new Uint8Array(Buffer.from(JSON.stringify({ message }), 'utf8')),
  });
}

/**
 * One request message as the SDK's EventSigningTransformStream writes it; `event` undefined
 * gives the empty end-of-stream message. The signature is not checked by the fake.
 */
export function encodeRequestMessage(event: unknown | undefined, signature = new Uint8Array(32), date = new Date()): Uint8Array {
  return codec.encode({
    headers: { ':date': { type: 'timestamp', value: date }, ':chunk-signature': { type: 'binary', value: signature } },
    body: event === undefined ? new Uint8Array(0) : chunkMessage(event),
  });
}

/** Decodes one request message: the outer signed envelope, then the inner `chunk` event. */
export function decodeRequestMessage(frame: Uint8Array): Decoded<RequestMessage> {
  const outer = safeDecode(frame);
  if (!outer.ok) return outer;
  const signed = outer.value.headers[':chunk-signature']?.type === 'binary';
  if (outer.value.body.byteLength === 0) return { ok: true, value: { kind: 'end' } };
  const inner = safeDecode(outer.value.body);
  if (!inner.ok) return { ok: false, reason: `inner message: ${inner.reason}` };
  const eventType = headerString(inner.value.headers, ':event-type');
  if (eventType !== 'chunk') return { ok: false, reason: `unexpected :event-type "${eventType ?? ''}" (expected "chunk")` };
  const event = chunkBody(inner.value.body);
  return event.ok ? { ok: true, value: { kind: 'event', event: event.value, signed } } : event;
}

/** Decodes one response message (what the SDK's unmarshaller sees). */
export function decodeResponseMessage(frame: Uint8Array): Decoded<ResponseMessage> {
  const decoded = safeDecode(frame);
  if (!decoded.ok) return decoded;
  const { headers, body } = decoded.value;
  const messageType = headerString(headers, ':message-type');
  if (messageType === 'exception') {
    const parsed = parseJson(Buffer.from(body).toString('utf8'));
    const message = parsed.ok && typeof (parsed.value as { message?: unknown })?.message === 'string' ? (parsed.value as { message: string }).message : '';
    return { ok: true, value: { kind: 'exception', type: headerString(headers, ':exception-type') ?? '', message } };
  }
  const event = chunkBody(body);
  return event.ok ? { ok: true, value: { kind: 'event', event: event.value } } : event;
}

/**
 * Splits a byte stream into whole event-stream messages: each starts with its total length
 * (4 bytes, big-endian), and HTTP/2 DATA frames need not line up with message boundaries.
 */
export class MessageFramer {
  #pending: Buffer = Buffer.alloc(0);
  static readonly MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

  push(chunk: Uint8Array): Decoded<Uint8Array[]> {
    this.#pending = this.#pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#pending, chunk]);
    const messages: Uint8Array[] = [];
    while (this.#pending.length >= 4) {
      const length = this.#pending.readUInt32BE(0);
      if (length < 16 || length > MessageFramer.MAX_MESSAGE_BYTES) return { ok: false, reason: `implausible message length ${length}` };
      if (this.#pending.length < length) break;
      messages.push(new Uint8Array(this.#pending.subarray(0, length)));
      this.#pending = this.#pending.subarray(length);
    }
    return { ok: true, value: messages };
  }

  /** Bytes received that do not yet form a whole message. */
  get pendingBytes(): number {
    return this.#pending.length;
  }
}

function safeDecode(frame: Uint8Array): Decoded<{ headers: MessageHeaders; body: Uint8Array }> {
  try {
    return { ok: true, value: codec.decode(frame) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}

function headerString(headers: MessageHeaders, name: string): string | undefined {
  const header = headers[name];
  return header?.type === 'string' ? header.value : undefined;
}

function chunkBody(body: Uint8Array): Decoded<unknown> {
  const envelope = parseJson(Buffer.from(body).toString('utf8'));
  if (!envelope.ok) return { ok: false, reason: `chunk body is not JSON: ${envelope.reason}` };
  const bytes = (envelope.value as { bytes?: unknown } | null)?.bytes;
  if (typeof bytes !== 'string') return { ok: false, reason: 'chunk body has no base64 "bytes" member' };
  const event = parseJson(Buffer.from(bytes, 'base64').toString('utf8'));
  return event.ok ? event : { ok: false, reason: `chunk bytes are not JSON: ${event.reason}` };
}

function parseJson(text: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
