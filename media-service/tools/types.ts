import type { z } from 'zod';

/** A tool the agent may call: defined once, mapped by each provider to its own format. */
export interface ToolDefinition<P extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  parameters: P;
  /** Milliseconds before the call is abandoned and the model told so. */
  timeoutMs?: number;
  execute(args: z.infer<P>, context: ToolContext): Promise<unknown>;
}

/** What a tool may know about and do to the call it runs in. */
export interface ToolContext {
  callbackId: string;
  callSid: string | undefined;
  /** The number being called (the only destination the agent may text). */
  to: string;
  from: string;
  signal: AbortSignal;
}

/** The tools offered on one call, and the one way to run them (timeout, recording, errors as sentences). */
export interface ToolRunner {
  definitions: readonly ToolDefinition[];
  run(name: string, args: unknown): Promise<{ output: string; isError: boolean }>;
}
