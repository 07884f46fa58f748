/**
 * The Twilio Media Stream messages the browser sends, shaped as Twilio shapes them (numbers
 * as strings, a sequence number on each), and the three it receives.
 */
export interface StreamIdentity {
  streamSid: string;
  accountSid: string;
  callSid: string;
}

export type StreamInbound =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string };

export class StreamMessages {
  private sequence = 0;
  private chunk = 0;

  constructor(private readonly identity: StreamIdentity) {}

  connected() {
    return { event: 'connected', protocol: 'Call', version: '1.0.0' };
  }

  start(customParameters: Record<string, string>) {
    const { streamSid, accountSid, callSid } = this.identity;
    return {
      event: 'start',
      sequenceNumber: this.next(),
      start: {
        accountSid,
        streamSid,
        callSid,
        tracks: ['inbound'],
        customParameters,
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
      streamSid,
    };
  }

  media(frame: Uint8Array, timestampMs: number) {
    this.chunk += 1;
    return {
      event: 'media',
      sequenceNumber: this.next(),
      media: { track: 'inbound', chunk: String(this.chunk), timestamp: String(timestampMs), payload: toBase64(frame) },
      streamSid: this.identity.streamSid,
    };
  }

  mark(name: string) {
    return { event: 'mark', sequenceNumber: this.next(), streamSid: this.identity.streamSid, mark: { name } };
  }

  stop() {
    const { streamSid, accountSid, callSid } = this.identity;
    return { event: 'stop', sequenceNumber: this.next(), streamSid, stop: { accountSid, callSid } };
  }

  private next(): string {
    this.sequence += 1;
    return String(this.sequence);
  }
}

/** Parses a message from the media service; anything else is ignored, as Twilio ignores it. */
export function parseInbound(data: unknown): StreamInbound | undefined {
  if (typeof data !== 'string') return undefined;
  try {
    const message = JSON.parse(data) as Partial<StreamInbound>;
    if (message.event === 'media' && typeof message.media?.payload === 'string') return message as StreamInbound;
    if (message.event === 'mark' && typeof message.mark?.name === 'string') return message as StreamInbound;
    if (message.event === 'clear') return message as StreamInbound;
  } catch {
    // not JSON
  }
  return undefined;
}

export function newStreamSid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `MZ${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
