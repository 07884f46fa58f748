import { toolParametersJsonSchema } from '../tools/json-schema';
import type { ToolDefinition } from '../tools/types';

/**
 * ElevenLabs agents get their tools from the agent's configuration, not per conversation: each
 * of our tools must exist on the agent as a *client* tool with the same name and parameters.
 * This builds those entries (for `conversation_config.agent.prompt.tools` in the agent API, or to
 * paste into the dashboard); at call time the adapter answers `client_tool_call` by name.
 */
export interface ElevenLabsClientTool {
  type: 'client';
  name: string;
  description: string;
  parameters: JsonSchemaSubset;
  expects_response: true;
  response_timeout_secs: number;
}

/** The part of JSON Schema the agent tool editor accepts: types, descriptions, enums, nesting. */
export interface JsonSchemaSubset {
  type?: string;
  description?: string;
  enum?: unknown[];
  properties?: Record<string, JsonSchemaSubset>;
  required?: string[];
  items?: JsonSchemaSubset;
}

export function elevenLabsClientTool(definition: ToolDefinition): ElevenLabsClientTool {
  return {
    type: 'client',
    name: definition.name,
    description: definition.description,
    parameters: subset(toolParametersJsonSchema(definition), definition.name),
    expects_response: true,
    response_timeout_secs: Math.ceil((definition.timeoutMs ?? 10_000) / 1000),
  };
}

/** Keeps what the agent editor understands; every leaf gets a description, which it requires. */
function subset(schema: Record<string, unknown>, name: string): JsonSchemaSubset {
  const out: JsonSchemaSubset = {};
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  if (typeof type === 'string') out.type = type;
  if (typeof schema.description === 'string') out.description = schema.description;
  if (Array.isArray(schema.enum)) out.enum = schema.enum;
  if (schema.properties && typeof schema.properties === 'object') {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties as Record<string, Record<string, unknown>>).map(([key, value]) => [key, subset(value, key)]),
    );
    out.required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  }
  if (schema.items && typeof schema.items === 'object') out.items = subset(schema.items as Record<string, unknown>, name);
  if (out.type !== 'object' && out.type !== 'array' && out.description === undefined) out.description = name.replace(/_/g, ' ');
  return out;
}
