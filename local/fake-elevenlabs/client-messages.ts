import { z } from 'zod';

/**
 * The client → server messages of the ElevenLabs Agents WebSocket (elevenlabs/packages
 * `packages/types/schemas/agent.asyncapi.yaml`): `user_audio_chunk` has no `type`; every other
 * message is discriminated by `type`. Parsing never throws.
 */

export const AUDIO_FORMATS = ['ulaw_8000', 'pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_44100', 'pcm_48000'] as const;
export type AudioFormatName = (typeof AUDIO_FORMATS)[number];

const initiation = z
  .object({
    type: z.literal('conversation_initiation_client_data'),
    conversation_config_override: z
      .object({
        agent: z
          .object({
            prompt: z.object({ prompt: z.string().optional() }).loose().optional(),
            first_message: z.string().optional(),
            language: z.string().optional(),
          })
          .loose()
          .optional(),
        tts: z.object({ voice_id: z.string().optional() }).loose().optional(),
        conversation: z.object({ text_only: z.boolean().optional() }).loose().optional(),
      })
      .loose()
      .optional(),
    custom_llm_extra_body: z.record(z.string(), z.unknown()).optional(),
    dynamic_variables: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
    user_id: z.string().optional(),
  })
  .loose();
export type InitiationData = z.infer<typeof initiation>;

const typed = z.discriminatedUnion('type', [
  initiation,
  z.object({ type: z.literal('pong'), event_id: z.number() }).loose(),
  z.object({ type: z.literal('client_tool_result'), tool_call_id: z.string(), result: z.string(), is_error: z.boolean() }).loose(),
  z.object({ type: z.literal('contextual_update'), text: z.string() }).loose(),
  z.object({ type: z.literal('user_message'), text: z.string().optional() }).loose(),
  z.object({ type: z.literal('user_activity') }).loose(),
  z.object({ type: z.literal('feedback') }).loose(),
]);

export type ClientMessage = z.infer<typeof typed> | { type: 'user_audio_chunk'; audio: string };
export type ParsedClientMessage = { ok: true; message: ClientMessage } | { ok: false; reason: string };

export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'Invalid message: not JSON' };
  }
  if (value && typeof value === 'object' && 'user_audio_chunk' in value) {
    const audio = (value as { user_audio_chunk: unknown }).user_audio_chunk;
    return typeof audio === 'string' ? { ok: true, message: { type: 'user_audio_chunk', audio } } : { ok: false, reason: 'user_audio_chunk must be a base64 string' };
  }
  const parsed = typed.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `Invalid message: ${issue?.path.join('.') || 'type'} ${issue?.message ?? ''}`.trim() };
}

/** `pcm_16000` → { kind: 'pcm', rate: 16000 }; `ulaw_8000` → { kind: 'ulaw', rate: 8000 }. */
export function describeFormat(format: AudioFormatName): { kind: 'pcm' | 'ulaw'; rate: number } {
  const [kind, rate] = format.split('_') as ['pcm' | 'ulaw', string];
  return { kind, rate: Number(rate) };
}
