import { z } from 'zod';

/** Client → server events of the GA Realtime API that the fake understands. */

const audioFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('audio/pcm'), rate: z.literal(24000).default(24000) }),
  z.object({ type: z.literal('audio/pcmu') }),
  z.object({ type: z.literal('audio/pcma') }),
]);

const turnDetectionSchema = z.looseObject({
  type: z.enum(['server_vad', 'semantic_vad']),
  create_response: z.boolean().optional(),
  interrupt_response: z.boolean().optional(),
});

const functionToolSchema = z.looseObject({
  type: z.string(),
  name: z.string().optional(),
  description: z.string().optional(),
  parameters: z.unknown().optional(),
});

export const sessionConfigSchema = z.looseObject({
  type: z.literal('realtime'),
  instructions: z.string().optional(),
  model: z.string().optional(),
  output_modalities: z.array(z.enum(['audio', 'text'])).optional(),
  audio: z
    .looseObject({
      input: z
        .looseObject({
          format: audioFormatSchema.optional(),
          transcription: z.looseObject({ model: z.string().optional() }).nullable().optional(),
          turn_detection: turnDetectionSchema.nullable().optional(),
        })
        .optional(),
      output: z
        .looseObject({
          format: audioFormatSchema.optional(),
          voice: z.string().optional(),
          speed: z.number().optional(),
        })
        .optional(),
    })
    .optional(),
  tools: z.array(functionToolSchema).optional(),
  tool_choice: z.unknown().optional(),
  tracing: z.unknown().optional(),
});
export type SessionConfigUpdate = z.infer<typeof sessionConfigSchema>;
export type TurnDetection = z.infer<typeof turnDetectionSchema>;

const contentPartSchema = z.looseObject({
  type: z.enum(['input_text', 'input_audio', 'input_image', 'output_text', 'output_audio', 'text', 'audio']),
  text: z.string().optional(),
  transcript: z.string().nullable().optional(),
  audio: z.string().nullable().optional(),
});

export type ClientContentPart = z.infer<typeof contentPartSchema>;

const clientItemSchema = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('message'),
    id: z.string().optional(),
    role: z.enum(['user', 'assistant', 'system']),
    content: z.array(contentPartSchema),
  }),
  z.looseObject({
    type: z.literal('function_call_output'),
    id: z.string().optional(),
    call_id: z.string(),
    output: z.string(),
  }),
  z.looseObject({
    type: z.literal('function_call'),
    id: z.string().optional(),
    call_id: z.string().optional(),
    name: z.string(),
    arguments: z.string(),
  }),
]);
export type ClientItem = z.infer<typeof clientItemSchema>;

const base64Schema = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'Invalid base64 audio');
const eventId = { event_id: z.string().optional() };

export const clientEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('session.update'), ...eventId, session: sessionConfigSchema }),
  z.object({ type: z.literal('input_audio_buffer.append'), ...eventId, audio: base64Schema }),
  z.object({ type: z.literal('input_audio_buffer.commit'), ...eventId }),
  z.object({ type: z.literal('input_audio_buffer.clear'), ...eventId }),
  z.object({
    type: z.literal('response.create'),
    ...eventId,
    response: z.looseObject({ instructions: z.string().optional() }).optional(),
  }),
  z.object({ type: z.literal('response.cancel'), ...eventId, response_id: z.string().optional() }),
  z.object({
    type: z.literal('conversation.item.create'),
    ...eventId,
    previous_item_id: z.string().nullable().optional(),
    item: clientItemSchema,
  }),
  z.object({
    type: z.literal('conversation.item.truncate'),
    ...eventId,
    item_id: z.string(),
    content_index: z.number().int().min(0),
    audio_end_ms: z.number().int().min(0),
  }),
  z.object({ type: z.literal('conversation.item.retrieve'), ...eventId, item_id: z.string() }),
  z.object({ type: z.literal('conversation.item.delete'), ...eventId, item_id: z.string() }),
]);
export type ClientEvent = z.infer<typeof clientEventSchema>;

export interface ClientEventError {
  code: 'invalid_json' | 'invalid_value' | 'missing_required_parameter' | 'invalid_type';
  message: string;
  param: string | null;
  eventId: string | null;
}

export type ParsedClientEvent = { ok: true; event: ClientEvent } | { ok: false; error: ClientEventError };

const KNOWN_TYPES = clientEventSchema.options.map((option) => option.shape.type.value);

/** Parses one text frame; malformed input is a value, never an exception. */
export function parseClientEvent(frame: string): ParsedClientEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(frame);
  } catch {
    return failure('invalid_json', "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.)", null, null);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return failure('invalid_type', 'Invalid type for event: expected an object.', null, null);
  }
  const record = raw as Record<string, unknown>;
  const clientEventId = typeof record.event_id === 'string' ? record.event_id : null;
  if (typeof record.type !== 'string') {
    return failure('missing_required_parameter', "Missing required parameter: 'type'.", 'type', clientEventId);
  }
  if (!(KNOWN_TYPES as string[]).includes(record.type)) {
    return failure(
      'invalid_value',
      `Invalid value: '${record.type}'. Supported values are: ${KNOWN_TYPES.map((t) => `'${t}'`).join(', ')}.`,
      'type',
      clientEventId,
    );
  }
  const parsed = clientEventSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) return { ok: true, event: parsed.data };
  const issue = parsed.error.issues[0];
  const param = issue?.path.join('.') ?? null;
  if (issue?.code === 'invalid_type' && issue.input === undefined) {
    return failure('missing_required_parameter', `Missing required parameter: '${param}'.`, param, clientEventId);
  }
  return failure('invalid_value', `Invalid value for '${param}': ${issue?.message ?? 'invalid'}.`, param, clientEventId);
}

function failure(code: ClientEventError['code'], message: string, param: string | null, eventId: string | null): ParsedClientEvent {
  return { ok: false, error: { code, message, param, eventId } };
}
