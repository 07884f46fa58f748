import { z } from 'zod';

/**
 * The Nova Sonic input events the fake accepts, each `{ "event": { "<name>": {…} } }`, per
 * docs.aws.amazon.com/nova (Sonic input events) and the amazon-nova-samples clients.
 * Malformed input is a value (`{ ok: false }`) the session answers with a validationException.
 */

const sampleRate = z.union([z.literal(8000), z.literal(16000), z.literal(24000)]);

const audioConfiguration = z.object({
  mediaType: z.literal('audio/lpcm'),
  sampleRateHertz: sampleRate,
  sampleSizeBits: z.literal(16),
  channelCount: z.literal(1),
  encoding: z.literal('base64'),
  audioType: z.literal('SPEECH').optional(),
});

const textConfiguration = z.object({ mediaType: z.literal('text/plain') });

const toolSpec = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -'),
  description: z.string().min(1),
  inputSchema: z.object({ json: z.string().min(2) }),
});

const named = { promptName: z.string().min(1), contentName: z.string().min(1) };

export const INPUT_EVENT_SCHEMAS = {
  sessionStart: z.object({
    inferenceConfiguration: z.object({
      maxTokens: z.number().int().positive().optional(),
      topP: z.number().min(0).max(1).optional(),
      temperature: z.number().min(0).max(1).optional(),
    }),
    turnDetectionConfiguration: z.object({ endpointingSensitivity: z.enum(['HIGH', 'MEDIUM', 'LOW']) }).optional(),
  }),
  promptStart: z.object({
    promptName: z.string().min(1),
    textOutputConfiguration: textConfiguration,
    audioOutputConfiguration: audioConfiguration.extend({ voiceId: z.string().min(1) }),
    toolUseOutputConfiguration: z.object({ mediaType: z.literal('application/json') }).optional(),
    toolConfiguration: z.object({ tools: z.array(z.object({ toolSpec })) }).optional(),
  }),
  contentStart: z.object({
    ...named,
    type: z.enum(['TEXT', 'AUDIO', 'TOOL']),
    interactive: z.boolean().optional(),
    role: z.enum(['SYSTEM', 'USER', 'ASSISTANT', 'TOOL', 'SYSTEM_SPEECH']),
    textInputConfiguration: textConfiguration.optional(),
    audioInputConfiguration: audioConfiguration.optional(),
    toolResultInputConfiguration: z
      .object({ toolUseId: z.string().min(1), type: z.literal('TEXT'), textInputConfiguration: textConfiguration })
      .optional(),
  }),
  textInput: z.object({ ...named, content: z.string() }),
  audioInput: z.object({ ...named, content: z.string().min(1) }),
  toolResult: z.object({ ...named, content: z.string() }),
  contentEnd: z.object(named),
  promptEnd: z.object({ promptName: z.string().min(1) }),
  sessionEnd: z.object({}),
} as const;

type Schemas = typeof INPUT_EVENT_SCHEMAS;
export type InputEventName = keyof Schemas;
export type InputEvent = { [K in InputEventName]: { name: K; body: z.infer<Schemas[K]> } }[InputEventName];
export type ContentStart = z.infer<Schemas['contentStart']>;
export type PromptStart = z.infer<Schemas['promptStart']>;

export type ParsedInputEvent = { ok: true; event: InputEvent } | { ok: false; message: string };

export function parseInputEvent(json: unknown): ParsedInputEvent {
  const wrapper = (json as { event?: unknown } | null)?.event;
  if (!wrapper || typeof wrapper !== 'object' || Array.isArray(wrapper)) return { ok: false, message: 'Each input must be {"event": {"<eventName>": {...}}}.' };
  const names = Object.keys(wrapper);
  if (names.length !== 1) return { ok: false, message: `An input event must name exactly one event; got ${names.length}.` };
  const name = names[0] as string;
  if (!(name in INPUT_EVENT_SCHEMAS)) return { ok: false, message: `Unknown input event "${name}".` };
  const schema = INPUT_EVENT_SCHEMAS[name as InputEventName];
  const parsed = schema.safeParse((wrapper as Record<string, unknown>)[name]);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${[name, ...issue.path].join('.')}: ${issue.message}`).join('; ');
    return { ok: false, message: `Invalid ${name} event: ${issues}` };
  }
  return { ok: true, event: { name, body: parsed.data } as InputEvent };
}
