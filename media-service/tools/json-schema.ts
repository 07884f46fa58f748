import { z } from 'zod';
import type { ToolDefinition } from './types';

/** Each parameters schema's JSON Schema text, made once: the built-in tools' schemas serve every call. */
const jsonSchemaText = new WeakMap<z.ZodType, string>();

/**
 * A tool's parameters as a plain JSON Schema object, for providers' function-calling formats; a
 * fresh object each time, so an SDK may change its copy. zod attaches a hidden Standard Schema
 * marker to `toJSONSchema`'s result, which SDKs then mistake for a zod schema; the JSON text leaves
 * only the schema itself.
 */
export function toolParametersJsonSchema(definition: ToolDefinition): Record<string, unknown> {
  if (definition.jsonSchema) return definition.jsonSchema;
  let text = jsonSchemaText.get(definition.parameters);
  if (text === undefined) {
    const { $schema: _dialect, ...schema } = z.toJSONSchema(definition.parameters) as Record<string, unknown>;
    text = JSON.stringify(schema);
    jsonSchemaText.set(definition.parameters, text);
  }
  return JSON.parse(text) as Record<string, unknown>;
}
