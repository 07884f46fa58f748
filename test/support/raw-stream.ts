import { randomBytes } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks';
import WebSocket from 'ws';
import type { LocalStack } from '../../local/stack';
import { twilioOutboundSchema, type TwilioOutbound } from '../../media-service/twilio-stream';
import { initiate, postSignedForm, uniqueId } from './stack';

export interface RawStream {
  ws: WebSocket;
  /** What the media service sent, each checked against the messages Twilio accepts (a message it would refuse throws). */
  received: TwilioOutbound[];
  /** The upgrade's HTTP status when it was refused. */
  refused: Promise<number | undefined>;
  closed: Promise<{ code: number; reason: string }>;
}

export function streamUrl(stack: LocalStack, callbackId: string): string {
  return `${stack.config.MEDIA_URL}/media-stream/${encodeURIComponent(callbackId)}`;
}

/** Opens a Media Stream socket the way Twilio does, with a valid signature unless told otherwise. */
export function openRawStream(stack: LocalStack, callbackId: string, signature: string | 'valid' | 'none' = 'valid'): RawStream {
  const url = streamUrl(stack, callbackId);
  const headers: Record<string, string> = {};
  if (signature === 'valid') headers['x-twilio-signature'] = getExpectedTwilioSignature(stack.config.TWILIO_AUTH_TOKEN!, url, {});
  else if (signature !== 'none') headers['x-twilio-signature'] = signature;
  const ws = new WebSocket(url, { headers });
  const received: TwilioOutbound[] = [];
  ws.on('message', (data) => received.push(twilioOutboundSchema.parse(JSON.parse(data.toString()))));
  const refused = new Promise<number | undefined>((resolve) => {
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    ws.on('open', () => resolve(undefined));
    ws.on('error', () => resolve(undefined));
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return { ws, received, refused, closed };
}

export function startMessage(callbackId: string, token: string | undefined, callSid: string) {
  const streamSid = `MZ${randomBytes(16).toString('hex')}`;
  return {
    event: 'start',
    sequenceNumber: '1',
    streamSid,
    start: {
      streamSid,
      accountSid: `AC${'0'.repeat(32)}`,
      callSid,
      tracks: ['inbound'],
      customParameters: { callbackId, ...(token ? { streamToken: token } : {}) },
      mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
    },
  };
}

/**
 * A call the simulator never answers, whose TwiML this test fetched itself: the stream
 * token is ours to use (or misuse) on a raw socket.
 */
export async function callWithOwnStreamToken(stack: LocalStack): Promise<{ callbackId: string; callSid: string; token: string }> {
  const to = `+1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  stack.twilio!.setBehaviour(to, { kind: 'no-answer', ringMs: 60_000 });
  const callbackId = uniqueId('raw');
  const { body } = await initiate(stack, { callbackId, to });
  if (!body.callSid) throw new Error(`the call was not placed: ${JSON.stringify(body)}`);
  const twiml = await postSignedForm(stack, `/twiml/outbound?callbackId=${callbackId}`, { CallSid: body.callSid });
  const token = /name="streamToken" value="([^"]+)"/.exec(twiml.text)?.[1];
  if (!token) throw new Error(`no stream token in ${twiml.text}`);
  return { callbackId, callSid: body.callSid, token };
}

export function sendJson(ws: WebSocket, message: unknown): void {
  ws.send(JSON.stringify(message));
}
