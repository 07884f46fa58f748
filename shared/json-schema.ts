import { z } from 'zod';
import { jsonBytes } from './json-limits';

/**
 * Caller-supplied JSON Schemas (the post-call analysis): bounded, checked for the shape a
 * structured-output request needs, and compiled into a validator once. Compilation uses
 * zod's JSON Schema reader; it refuses what it cannot check (`if`/`then`, `not`, external
 * `$ref`s, unknown types, bad patterns), which is what makes a schema "usable" here.
 */

export const ANALYSIS_SCHEMA_MAX_BYTES = 8 * 1024;

export type JsonSchemaObject = Record<string, unknown>;

export type CompiledSchema =
  | { ok: true; validate: (value: unknown) => { ok: true } | { ok: false; problems: string[] } }
  | { ok: false; problem: string };

const propertiesShape = z.record(z.string(), z.record(z.string(), z.unknown()));

/** The root a structured output can have: an object with named properties. */
const objectRoot = z.looseObject({
  type: z.literal('object', { error: 'the root must have "type": "object"' }),
  properties: propertiesShape.optional(),
  required: z.array(z.string()).optional(),
});

export function compileJsonSchema(schema: unknown): CompiledSchema {
  const bytes = jsonBytes(schema);
  if (bytes > ANALYSIS_SCHEMA_MAX_BYTES) return { ok: false, problem: `must serialize to at most ${ANALYSIS_SCHEMA_MAX_BYTES} bytes` };
  const root = objectRoot.safeParse(schema);
  if (!root.success) return { ok: false, problem: root.error.issues.map((i) => [i.path.join('.'), i.message].filter(Boolean).join(' ')).join('; ') };
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
  } catch (error) {
    return { ok: false, problem: `is not a usable JSON Schema: ${error instanceof Error ? error.message : String(error)}` };
  }
  return {
    ok: true,
    validate(value) {
      const result = validator.safeParse(value);
      return result.success
        ? { ok: true }
        : { ok: false, problems: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
    },
  };
}
