import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ZodType } from 'zod';

/**
 * The OpenAI Agents SDK's own zod schema for Realtime server events (`realtimeServerEventSchema`
 * in @openai/agents-realtime's openaiRealtimeEvents module). The package does not export it, so
 * it is loaded from the installed package's files.
 */
export async function agentsSdkServerEventSchema(): Promise<ZodType> {
  const entry = createRequire(import.meta.url).resolve('@openai/agents-realtime');
  const module = (await import(pathToFileURL(join(dirname(entry), 'openaiRealtimeEvents.mjs')).href)) as { realtimeServerEventSchema: ZodType };
  return module.realtimeServerEventSchema;
}
