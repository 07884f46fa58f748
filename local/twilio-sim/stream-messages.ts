import { z } from 'zod';

/** Media Stream wire format: what the app may send to Twilio, and what Twilio sends to the app. */

const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'payload is not base64');

const mediaMessage = z.object({
  event: z.literal('media'),
  streamSid: z.string(),
  media: z.object({ payload: base64 }),
});
const markMessage = z.object({
  event: z.literal('mark'),
  streamSid: z.string(),
  mark: z.object({ name: z.string() }),
});
const clearMessage = z.object({ event: z.literal('clear'), streamSid: z.string() });

const appMessage = z.discriminatedUnion('event', [mediaMessage, markMessage, clearMessage]);
const strictAppMessage = z.discriminatedUnion('event', [
  z.strictObject({ ...mediaMessage.shape, media: z.strictObject({ payload: base64 }) }),
  z.strictObject({ ...markMessage.shape, mark: z.strictObject({ name: z.string() }) }),
  z.strictObject(clearMessage.shape),
]);

export type AppMessage = z.infer<typeof appMessage>;

export const PROTOCOL_ERROR = { malformed: 31950, invalid: 31951 } as const;

export type AppMessageParse =
  | { ok: true; message: AppMessage; /** Twilio flags extra fields (31951) but the message is usable. */ warning?: string }
  | { ok: false; code: number; error: string };

/** Validates one frame the app sent on the stream, as Twilio's streamer does. */
export function parseAppMessage(data: Buffer | string, isBinary: boolean, streamSid: string): AppMessageParse {
  if (isBinary) return { ok: false, code: PROTOCOL_ERROR.malformed, error: 'binary frame' };
  let json: unknown;
  try {
    json = JSON.parse(data.toString());
  } catch {
    return { ok: false, code: PROTOCOL_ERROR.invalid, error: 'not JSON' };
  }
  const parsed = appMessage.safeParse(json);
  if (!parsed.success) {
    const event = (json as { event?: unknown } | null)?.event;
    const known = event === 'media' || event === 'mark' || event === 'clear';
    const error = known ? z.prettifyError(parsed.error) : `unknown event ${JSON.stringify(event)}`;
    return { ok: false, code: PROTOCOL_ERROR.invalid, error };
  }
  if (parsed.data.streamSid !== streamSid) {
    return { ok: false, code: PROTOCOL_ERROR.invalid, error: `wrong streamSid ${parsed.data.streamSid}` };
  }
  const strict = strictAppMessage.safeParse(json);
  return strict.success
    ? { ok: true, message: parsed.data }
    : { ok: true, message: parsed.data, warning: z.prettifyError(strict.error) };
}
