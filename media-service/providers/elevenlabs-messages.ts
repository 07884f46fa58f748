import { z } from 'zod';

/**
 * The ElevenLabs Agents WebSocket server messages the adapter acts on (elevenlabs/packages
 * `packages/types/schemas/agent.asyncapi.yaml`, `packages/client/src/utils/events.ts`).
 * Others (`vad_score`, `tentative_user_transcript`, `internal_*`, MCP, …) parse as `other`.
 * Parsing never throws.
 */

export const audioFormatSchema = z.string().regex(/^(ulaw_8000|pcm_\d{4,5})$/, 'an ElevenLabs audio format such as ulaw_8000 or pcm_16000');

const eventId = z.number().int();

const known = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('conversation_initiation_metadata'),
    conversation_initiation_metadata_event: z
      .object({
        conversation_id: z.string(),
        agent_output_audio_format: audioFormatSchema,
        user_input_audio_format: audioFormatSchema.optional(),
      })
      .loose(),
  }),
  z.object({ type: z.literal('audio'), audio_event: z.object({ audio_base_64: z.string(), event_id: eventId }).loose() }),
  z.object({ type: z.literal('user_transcript'), user_transcription_event: z.object({ user_transcript: z.string() }).loose() }),
  z.object({ type: z.literal('agent_response'), agent_response_event: z.object({ agent_response: z.string() }).loose() }),
  z.object({
    type: z.literal('agent_response_correction'),
    agent_response_correction_event: z.object({ original_agent_response: z.string().optional(), corrected_agent_response: z.string() }).loose(),
  }),
  z.object({ type: z.literal('interruption'), interruption_event: z.object({ event_id: eventId }).loose() }),
  z.object({ type: z.literal('ping'), ping_event: z.object({ event_id: eventId, ping_ms: z.number().nullable().optional() }).loose() }),
  z.object({
    type: z.literal('client_tool_call'),
    client_tool_call: z
      .object({ tool_name: z.string().min(1), tool_call_id: z.string().min(1), parameters: z.record(z.string(), z.unknown()).default({}) })
      .loose(),
  }),
  z.object({
    type: z.literal('error'),
    error_event: z.object({ code: z.number().optional(), message: z.string().optional(), error_type: z.string().optional(), reason: z.string().optional() }).loose().optional(),
    message: z.string().optional(),
  }),
]);

export type ServerMessage = z.infer<typeof known> | { type: 'other'; name: string };
export type ParsedServerMessage = { ok: true; message: ServerMessage } | { ok: false; reason: string };

const KNOWN_TYPES: ReadonlySet<string> = new Set(known.options.map((option) => option.shape.type.value));

export function parseServerMessage(text: string): ParsedServerMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  const type = value && typeof value === 'object' && 'type' in value ? String((value as { type: unknown }).type) : undefined;
  if (!type) return { ok: false, reason: 'no type' };
  if (!KNOWN_TYPES.has(type)) return { ok: true, message: { type: 'other', name: type } };
  const parsed = known.safeParse(value);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, reason: `invalid "${type}": ${issue?.path.join('.')} ${issue?.message ?? ''}`.trim() };
}

export type AudioFormat = { kind: 'ulaw'; rate: 8000 } | { kind: 'pcm'; rate: number };

export function audioFormat(name: string): AudioFormat {
  if (name === 'ulaw_8000') return { kind: 'ulaw', rate: 8000 };
  return { kind: 'pcm', rate: Number(name.slice('pcm_'.length)) };
}
