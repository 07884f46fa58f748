import { z } from 'zod';
import type { ToolDefinition } from './types';

/**
 * A tool's parameters as a plain JSON Schema object, for providers' function-calling formats.
 * zod attaches a hidden Standard Schema marker to `toJSONSchema`'s result, which SDKs then
 * mistake for a zod schema; a JSON round trip leaves only the schema itself.
 */
export function toolParametersJsonSchema(definition: ToolDefinition): Record<string, unknown> {
  if (definition.jsonSchema) return definition.jsonSchema;
  const { $schema: _dialect, ...schema } = JSON.parse(JSON.stringify(z.toJSONSchema(definition.parameters))) as Record<string, unknown>;
  return schema;
}
