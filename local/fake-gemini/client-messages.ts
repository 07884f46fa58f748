import { z } from 'zod';

/**
 * The BidiGenerateContent client messages the fake accepts (ai.google.dev Live API reference;
 * googleapis/js-genai `src/live.ts` builds them): exactly one of `setup`, `realtimeInput`,
 * `clientContent`, `toolResponse` per message. Malformed input is a value, not an exception;
 * the session answers it as the real service does, by closing with 1007.
 */

const blob = z.object({ data: z.string(), mimeType: z.string() }).loose();

const part = z
  .object({
    text: z.string().optional(),
    inlineData: blob.optional(),
  })
  .loose();

const content = z.object({ role: z.string().optional(), parts: z.array(part).default([]) }).loose();

const functionDeclaration = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    parameters: z.unknown().optional(),
    parametersJsonSchema: z.unknown().optional(),
  })
  .loose();

export const setupSchema = z
  .object({
    model: z.string().regex(/^models\/.+/, 'model must be "models/…"'),
    generationConfig: z
      .object({
        responseModalities: z.array(z.string()).optional(),
        speechConfig: z
          .object({
            voiceConfig: z.object({ prebuiltVoiceConfig: z.object({ voiceName: z.string() }).loose().optional() }).loose().optional(),
            languageCode: z.string().optional(),
          })
          .loose()
          .optional(),
      })
      .loose()
      .optional(),
    systemInstruction: content.optional(),
    tools: z.array(z.object({ functionDeclarations: z.array(functionDeclaration).optional() }).loose()).optional(),
    realtimeInputConfig: z.unknown().optional(),
    inputAudioTranscription: z.object({}).loose().optional(),
    outputAudioTranscription: z.object({}).loose().optional(),
    sessionResumption: z.object({ handle: z.string().optional(), transparent: z.boolean().optional() }).loose().optional(),
  })
  .loose();
export type Setup = z.infer<typeof setupSchema>;

export const realtimeInputSchema = z
  .object({
    audio: blob.optional(),
    /** Deprecated form of `audio`, still accepted by the service. */
    mediaChunks: z.array(blob).optional(),
    text: z.string().optional(),
    audioStreamEnd: z.boolean().optional(),
    activityStart: z.object({}).loose().optional(),
    activityEnd: z.object({}).loose().optional(),
  })
  .loose();

export const clientContentSchema = z
  .object({
    turns: z.array(content).optional(),
    turnComplete: z.boolean().optional(),
  })
  .loose();

export const toolResponseSchema = z.object({
  functionResponses: z.array(
    z
      .object({
        id: z.string().optional(),
        name: z.string(),
        response: z.record(z.string(), z.unknown()).optional(),
      })
      .loose(),
  ),
});

export type ClientMessage =
  | { kind: 'setup'; setup: Setup }
  | { kind: 'realtimeInput'; input: z.infer<typeof realtimeInputSchema> }
  | { kind: 'clientContent'; content: z.infer<typeof clientContentSchema> }
  | { kind: 'toolResponse'; response: z.infer<typeof toolResponseSchema> };

export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; reason: string };

const KINDS = ['setup', 'realtimeInput', 'clientContent', 'toolResponse'] as const;

/** Parses one WebSocket frame (text or binary JSON). Never throws. */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'Invalid JSON payload received.' };
  }
  if (!value || typeof value !== 'object') return { ok: false, reason: 'Invalid JSON payload received.' };
  const present = KINDS.filter((kind) => kind in value);
  if (present.length !== 1) return { ok: false, reason: `Expected exactly one of ${KINDS.join(', ')}; got ${Object.keys(value).join(', ') || 'nothing'}.` };
  const kind = present[0]!;
  const body = (value as Record<string, unknown>)[kind];
  const issue = (error: z.ZodError) => `Invalid value at '${kind}.${error.issues[0]?.path.join('.') ?? ''}': ${error.issues[0]?.message ?? 'invalid'}`;
  switch (kind) {
    case 'setup': {
      const parsed = setupSchema.safeParse(body);
      return parsed.success ? { ok: true, message: { kind, setup: parsed.data } } : { ok: false, reason: issue(parsed.error) };
    }
    case 'realtimeInput': {
      const parsed = realtimeInputSchema.safeParse(body);
      return parsed.success ? { ok: true, message: { kind, input: parsed.data } } : { ok: false, reason: issue(parsed.error) };
    }
    case 'clientContent': {
      const parsed = clientContentSchema.safeParse(body);
      return parsed.success ? { ok: true, message: { kind, content: parsed.data } } : { ok: false, reason: issue(parsed.error) };
    }
    case 'toolResponse': {
      const parsed = toolResponseSchema.safeParse(body);
      return parsed.success ? { ok: true, message: { kind, response: parsed.data } } : { ok: false, reason: issue(parsed.error) };
    }
  }
}

/** `audio/pcm;rate=16000` → 16000 (the service assumes 16 kHz when no rate is given). */
export function pcmRateOf(mimeType: string): number | undefined {
  if (!/^audio\/pcm\b/i.test(mimeType)) return undefined;
  const rate = /rate=(\d+)/i.exec(mimeType)?.[1];
  return rate ? Number(rate) : 16_000;
}

/** The text of a Content (system instruction, client turns). */
export function textOf(value: { parts: Array<{ text?: string }> } | undefined): string {
  return (value?.parts ?? [])
    .map((p) => p.text ?? '')
    .join('')
    .trim();
}
