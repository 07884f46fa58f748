import { z } from 'zod';

/**
 * The Gemini Live (BidiGenerateContent) server messages the adapter acts on, per the Live API
 * reference and googleapis/js-genai `src/types.ts` (`LiveServerMessage`). Several fields may
 * arrive in one message; unknown fields pass through. Parsing never throws.
 */

const transcription = z.object({ text: z.string().optional(), finished: z.boolean().optional() }).loose();

const part = z
  .object({
    text: z.string().optional(),
    thought: z.boolean().optional(),
    inlineData: z.object({ data: z.string().optional(), mimeType: z.string().optional() }).loose().optional(),
  })
  .loose();

export const serverContentSchema = z
  .object({
    modelTurn: z.object({ parts: z.array(part).default([]) }).loose().optional(),
    inputTranscription: transcription.optional(),
    outputTranscription: transcription.optional(),
    interrupted: z.boolean().optional(),
    generationComplete: z.boolean().optional(),
    turnComplete: z.boolean().optional(),
  })
  .loose();
export type ServerContent = z.infer<typeof serverContentSchema>;

export const functionCallSchema = z
  .object({
    id: z.string().optional(),
    name: z.string().min(1),
    args: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();
export type FunctionCall = z.infer<typeof functionCallSchema>;

export const liveServerMessageSchema = z
  .object({
    setupComplete: z.object({}).loose().optional(),
    serverContent: serverContentSchema.optional(),
    toolCall: z.object({ functionCalls: z.array(functionCallSchema).default([]) }).loose().optional(),
    toolCallCancellation: z.object({ ids: z.array(z.string()).default([]) }).loose().optional(),
    goAway: z.object({ timeLeft: z.string().optional() }).loose().optional(),
    sessionResumptionUpdate: z.object({ newHandle: z.string().optional(), resumable: z.boolean().optional() }).loose().optional(),
  })
  .loose();
export type LiveServerMessage = z.infer<typeof liveServerMessageSchema>;

export type ParsedLiveMessage = { ok: true; message: LiveServerMessage } | { ok: false; reason: string };

export function parseLiveServerMessage(value: unknown): ParsedLiveMessage {
  const parsed = liveServerMessageSchema.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}` };
}

/** `audio/pcm;rate=24000` → 24000; undefined for anything that is not PCM. */
export function pcmRate(mimeType: string | undefined, fallback: number): number | undefined {
  if (mimeType === undefined) return fallback;
  if (!/^audio\/(pcm|l16)\b/i.test(mimeType)) return undefined;
  const rate = /rate=(\d+)/i.exec(mimeType)?.[1];
  return rate ? Number(rate) : fallback;
}
