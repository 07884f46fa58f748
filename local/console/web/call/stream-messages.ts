/**
 * The Twilio Media Stream as the browser phone speaks it: the messages it sends are the
 * simulator's (local/twilio-sim/stream-builder.ts); here are the three it receives, and base64.
 */
export type StreamInbound =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string };

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

export function toBase64(bytes: Uint8Array): string {
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
