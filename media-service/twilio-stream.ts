import { z } from 'zod';

/**
 * Twilio's Media Stream messages: the ones Twilio sends (parsed into values, never thrown; media
 * frames and mark echoes go through a hand-checked fast path first) and the three it accepts back.
 */

const numeric = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]).transform(Number);

export const connectedMessageSchema = z.object({ event: z.literal('connected'), protocol: z.string().optional(), version: z.string().optional() });

export const startMessageSchema = z.object({
  event: z.literal('start'),
  sequenceNumber: numeric.optional(),
  streamSid: z.string().min(1),
  start: z.object({
    streamSid: z.string().min(1),
    accountSid: z.string(),
    callSid: z.string(),
    tracks: z.array(z.string()).optional(),
    customParameters: z.record(z.string(), z.string()).default({}),
    mediaFormat: z
      .object({ encoding: z.string(), sampleRate: z.number(), channels: z.number() })
      .optional(),
  }),
});

export const mediaMessageSchema = z.object({
  event: z.literal('media'),
  sequenceNumber: numeric.optional(),
  streamSid: z.string().optional(),
  media: z.object({
    track: z.string().optional(),
    chunk: numeric.optional(),
    timestamp: numeric.optional(),
    payload: z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'payload must be base64'),
  }),
});

export const markMessageSchema = z.object({ event: z.literal('mark'), streamSid: z.string().optional(), mark: z.object({ name: z.string() }) });
export const dtmfMessageSchema = z.object({
  event: z.literal('dtmf'),
  streamSid: z.string().optional(),
  dtmf: z.object({ track: z.string().optional(), digit: z.string().regex(/^[0-9*#A-D]$/) }),
});
export const stopMessageSchema = z.object({ event: z.literal('stop'), streamSid: z.string().optional() });

export const twilioInboundSchema = z.discriminatedUnion('event', [
  connectedMessageSchema,
  startMessageSchema,
  mediaMessageSchema,
  markMessageSchema,
  dtmfMessageSchema,
  stopMessageSchema,
]);
export type TwilioInbound = z.infer<typeof twilioInboundSchema>;
export type StartMessage = z.infer<typeof startMessageSchema>;
export type MediaMessage = z.infer<typeof mediaMessageSchema>;
export type MarkMessage = z.infer<typeof markMessageSchema>;

/** Twilio's frames are 160 bytes; anything near this size is garbage, not audio. */
export const MAX_INBOUND_MESSAGE_BYTES = 64 * 1024;

export type ParsedInbound = { ok: true; message: TwilioInbound } | { ok: false; reason: string };

/** Parses one WebSocket message from Twilio. Never throws. */
export function parseTwilioMessage(data: Buffer | string): ParsedInbound {
  const text = typeof data === 'string' ? data : data.toString('utf8');
  if (text.length > MAX_INBOUND_MESSAGE_BYTES) return { ok: false, reason: `message of ${text.length} bytes is too large` };
  const wire = twilioMediaFrame(text);
  if (wire) return { ok: true, message: wire };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const frequent = mediaFrame(value) ?? markFrame(value);
  if (frequent) return { ok: true, message: frequent };
  const result = twilioInboundSchema.safeParse(value);
  if (!result.success) {
    const event = typeof value === 'object' && value !== null && 'event' in value ? String((value as { event: unknown }).event) : '?';
    return { ok: false, reason: `invalid "${event}" message: ${result.error.issues[0]?.message ?? 'unknown shape'}` };
  }
  return { ok: true, message: result.data };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const DIGITS = /^\d+$/;
/**
 * A `media` frame exactly as Twilio writes it (compact JSON, its documented key order, numbers as
 * digit strings). A JSON string without quotes, backslashes or control characters is its own value,
 * so these captures are what JSON.parse would read.
 */
const TWILIO_MEDIA_FRAME =
  /^\{"event":"media","sequenceNumber":"(\d+)","media":\{"track":"([^"\\\x00-\x1f]*)","chunk":"(\d+)","timestamp":"(\d+)","payload":"([A-Za-z0-9+/]*={0,2})"\},"streamSid":"([^"\\\x00-\x1f]*)"\}$/;

/** Fifty frames a second per call: Twilio's own form is read with one match, without JSON.parse. */
function twilioMediaFrame(text: string): MediaMessage | undefined {
  const m = TWILIO_MEDIA_FRAME.exec(text);
  if (!m) return undefined;
  return {
    event: 'media',
    sequenceNumber: Number(m[1]),
    streamSid: m[6]!,
    media: { track: m[2]!, chunk: Number(m[3]), timestamp: Number(m[4]), payload: m[5]! },
  };
}

/**
 * `media` frames in any other form: checked by hand against `mediaMessageSchema`, which
 * still decides (and explains) anything this does not accept. Same result, a fraction of the cost.
 */
function mediaFrame(value: unknown): MediaMessage | undefined {
  const v = value as { event?: unknown; sequenceNumber?: unknown; streamSid?: unknown; media?: unknown } | null;
  if (typeof v !== 'object' || v === null || v.event !== 'media') return undefined;
  const m = v.media as { track?: unknown; chunk?: unknown; timestamp?: unknown; payload?: unknown } | null;
  if (typeof m !== 'object' || m === null || typeof m.payload !== 'string' || !BASE64.test(m.payload)) return undefined;
  if (v.streamSid !== undefined && typeof v.streamSid !== 'string') return undefined;
  if (m.track !== undefined && typeof m.track !== 'string') return undefined;
  const sequenceNumber = numericField(v.sequenceNumber);
  const chunk = numericField(m.chunk);
  const timestamp = numericField(m.timestamp);
  if (sequenceNumber === null || chunk === null || timestamp === null) return undefined;
  const media: MediaMessage['media'] = { payload: m.payload };
  if (m.track !== undefined) media.track = m.track;
  if (chunk !== undefined) media.chunk = chunk;
  if (timestamp !== undefined) media.timestamp = timestamp;
  const message: MediaMessage = { event: 'media', media };
  if (sequenceNumber !== undefined) message.sequenceNumber = sequenceNumber;
  if (v.streamSid !== undefined) message.streamSid = v.streamSid;
  return message;
}

/** Ten `mark` echoes a second while the agent speaks: by hand too, against `markMessageSchema`. */
function markFrame(value: unknown): MarkMessage | undefined {
  const v = value as { event?: unknown; streamSid?: unknown; mark?: unknown } | null;
  if (typeof v !== 'object' || v === null || v.event !== 'mark') return undefined;
  const mark = v.mark as { name?: unknown } | null;
  if (typeof mark !== 'object' || mark === null || typeof mark.name !== 'string') return undefined;
  if (v.streamSid !== undefined && typeof v.streamSid !== 'string') return undefined;
  const message: MarkMessage = { event: 'mark', mark: { name: mark.name } };
  if (v.streamSid !== undefined) message.streamSid = v.streamSid;
  return message;
}

/** `numeric` by hand: undefined when absent, null when the schema would refuse it. */
function numericField(value: unknown): number | undefined | null {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return DIGITS.test(value) ? Number(value) : null;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** The three messages Twilio accepts on a bidirectional stream (anything else is error 31924). */
export const twilioOutboundSchema = z.discriminatedUnion('event', [
  z.object({ event: z.literal('media'), streamSid: z.string(), media: z.object({ payload: z.string() }) }),
  z.object({ event: z.literal('mark'), streamSid: z.string(), mark: z.object({ name: z.string() }) }),
  z.object({ event: z.literal('clear'), streamSid: z.string() }),
]);
export type TwilioOutbound = z.infer<typeof twilioOutboundSchema>;

export const outbound = {
  media: (streamSid: string, payloadBase64: string): TwilioOutbound => ({ event: 'media', streamSid, media: { payload: payloadBase64 } }),
  mark: (streamSid: string, name: string): TwilioOutbound => ({ event: 'mark', streamSid, mark: { name } }),
  clear: (streamSid: string): TwilioOutbound => ({ event: 'clear', streamSid }),
};
