import { z } from 'zod';

/**
 * The Nova Sonic output events the adapter acts on, each `{ "event": { "<name>": {…} } }`
 * inside a `chunk` of the Bedrock response stream. Sources: docs.aws.amazon.com/nova
 * (Sonic output events) and the amazon-nova-samples clients. Unknown events and fields pass.
 */

const ids = {
  sessionId: z.string().optional(),
  promptName: z.string().optional(),
  completionId: z.string().optional(),
};

export const OUTPUT_EVENT_SCHEMAS = {
  completionStart: z.looseObject(ids),
  contentStart: z.looseObject({
    ...ids,
    contentId: z.string(),
    type: z.string(),
    role: z.string().optional(),
    /** A JSON string such as `{"generationStage":"SPECULATIVE"}`. */
    additionalModelFields: z.string().optional(),
    /** On an AUDIO content: the rate its audioOutput events are in (anything else there is ignored, not a refusal of the content). */
    audioOutputConfiguration: z
      .looseObject({ sampleRateHertz: z.number().int().positive().optional().catch(undefined) })
      .optional()
      .catch(undefined),
  }),
  textOutput: z.looseObject({ ...ids, contentId: z.string().optional(), role: z.string().optional(), content: z.string() }),
  audioOutput: z.looseObject({ ...ids, contentId: z.string().optional(), content: z.string() }),
  toolUse: z.looseObject({ ...ids, contentId: z.string().optional(), toolName: z.string(), toolUseId: z.string(), content: z.string().default('{}') }),
  contentEnd: z.looseObject({ ...ids, contentId: z.string(), type: z.string().optional(), stopReason: z.string().optional() }),
  completionEnd: z.looseObject({ ...ids, stopReason: z.string().optional() }),
  usageEvent: z.looseObject({}),
} as const;

type Schemas = typeof OUTPUT_EVENT_SCHEMAS;
export type NovaOutputEventName = keyof Schemas;
export type NovaOutputEvent =
  | { [K in NovaOutputEventName]: { name: K; body: z.infer<Schemas[K]> } }[NovaOutputEventName]
  | { name: 'unknown'; eventName: string };
export type NovaContentStart = z.infer<Schemas['contentStart']>;

export type ParsedOutputEvent = { ok: true; event: NovaOutputEvent } | { ok: false; reason: string };

/** Nova's barge-in notice, written as (part of) the content of an assistant text output. */
const INTERRUPTED_MARKER = /\{\s*"interrupted"\s*:\s*true\s*\}/g;

/** Splits an assistant text output into the barge-in notice (if any) and the words around it. */
export function readInterruption(content: string): { interrupted: boolean; text: string } {
  const text = content.replace(INTERRUPTED_MARKER, '');
  return { interrupted: text.length !== content.length, text: text.trim() };
}

export function parseNovaOutputEvent(bytes: Uint8Array): ParsedOutputEvent {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    return { ok: false, reason: `not JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const wrapper = (json as { event?: unknown } | null)?.event;
  if (!wrapper || typeof wrapper !== 'object') return { ok: false, reason: 'no "event" object' };
  const name = Object.keys(wrapper)[0];
  if (name === undefined) return { ok: false, reason: 'empty "event" object' };
  if (!(name in OUTPUT_EVENT_SCHEMAS)) return { ok: true, event: { name: 'unknown', eventName: name } };
  const parsed = OUTPUT_EVENT_SCHEMAS[name as NovaOutputEventName].safeParse((wrapper as Record<string, unknown>)[name]);
  if (!parsed.success) return { ok: false, reason: `${name}: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}` };
  return { ok: true, event: { name, body: parsed.data } as NovaOutputEvent };
}

/** SPECULATIVE (what the model plans to say) or FINAL (what it said / what the user said). */
export function generationStageOf(start: NovaContentStart): 'SPECULATIVE' | 'FINAL' | undefined {
  if (!start.additionalModelFields) return undefined;
  try {
    const stage = (JSON.parse(start.additionalModelFields) as { generationStage?: unknown }).generationStage;
    return stage === 'SPECULATIVE' || stage === 'FINAL' ? stage : undefined;
  } catch {
    return undefined;
  }
}
