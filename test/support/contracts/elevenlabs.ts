import { z } from 'zod';

/**
 * The server → client messages of ElevenLabs' published Agents contract (AsyncAPI 2.6
 * "ElevenLabs Agents Contract" 1.0.0, `packages/types/schemas/agent.asyncapi.yaml` in
 * github.com/elevenlabs/packages), transcribed field by field for the messages the fake sends:
 * required fields, their types and enums. The contract allows extra fields, so these do too.
 */
const int = z.number().int();
const audioFormat = z.enum(['pcm_8000', 'pcm_16000', 'pcm_22050', 'pcm_24000', 'pcm_44100', 'pcm_48000', 'ulaw_8000']);
const base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/);

export const elevenLabsServerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('conversation_initiation_metadata'),
    conversation_initiation_metadata_event: z.object({
      conversation_id: z.string(),
      agent_output_audio_format: audioFormat,
      user_input_audio_format: audioFormat,
    }),
  }),
  z.object({
    type: z.literal('audio'),
    audio_event: z.object({
      audio_base_64: base64,
      event_id: int,
      alignment: z.object({ chars: z.array(z.string()), char_start_times_ms: z.array(int), char_durations_ms: z.array(int) }).optional(),
    }),
  }),
  z.object({ type: z.literal('user_transcript'), user_transcription_event: z.object({ user_transcript: z.string(), event_id: int }) }),
  z.object({ type: z.literal('agent_response'), agent_response_event: z.object({ agent_response: z.string(), event_id: int }) }),
  z.object({
    type: z.literal('agent_response_correction'),
    agent_response_correction_event: z.object({ original_agent_response: z.string(), corrected_agent_response: z.string(), event_id: int }),
  }),
  z.object({ type: z.literal('interruption'), interruption_event: z.object({ event_id: int }) }),
  z.object({ type: z.literal('ping'), ping_event: z.object({ event_id: int, ping_ms: int.nullable().optional() }) }),
  z.object({
    type: z.literal('client_tool_call'),
    client_tool_call: z.object({ tool_name: z.string(), tool_call_id: z.string(), parameters: z.record(z.string(), z.unknown()), event_id: int }),
  }),
  z.object({
    type: z.literal('error'),
    error_event: z.object({ code: z.union([z.literal(1000), z.literal(1002), z.literal(1008), z.literal(1011)]), message: z.string().optional() }),
  }),
]);
