import type { Logger } from '@aws-lambda-powertools/logger';
import type { ToolCallRecord } from '../../shared/call-record';
import type { ToolContext, ToolDefinition, ToolRunner } from './types';

const DEFAULT_TIMEOUT_MS = 10_000;

export interface ToolRunnerOptions {
  definitions: readonly ToolDefinition[];
  context: Omit<ToolContext, 'signal'>;
  log: Logger;
  /** Called once per tool call with what happened, for the call store and the event. */
  record: (call: ToolCallRecord) => void;
}

/**
 * Runs the agent's tool calls: arguments validated against the tool's schema, a timeout,
 * every outcome recorded, and every failure turned into a short sentence the agent can say
 * instead of an exception that would end the call.
 */
export function createToolRunner({ definitions, context, log, record }: ToolRunnerOptions): ToolRunner {
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(running: Promise<T>): Promise<T> => {
    inFlight.add(running);
    void running.finally(() => inFlight.delete(running)).catch(() => undefined);
    return running;
  };
  return {
    definitions,
    async idle() {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    run: (name, rawArgs) => track(run(name, rawArgs)),
  };

  async function run(name: string, rawArgs: unknown): Promise<{ output: string; isError: boolean }> {
    const at = new Date().toISOString();
    const args = typeof rawArgs === 'string' ? safeJson(rawArgs) : rawArgs;
    const argsRecord = (args && typeof args === 'object' ? args : {}) as Record<string, unknown>;
    const fail = (error: string, cause?: unknown) => {
      log.warn('Tool call failed', { tool: name, error, ...(cause ? { cause: describe(cause) } : {}) });
      record({ name, arguments: argsRecord, error, at });
      return { output: JSON.stringify({ error }), isError: true };
    };
    const definition = byName.get(name);
    if (!definition) return fail(`There is no tool called ${name}.`);
    const parsed = definition.parameters.safeParse(args);
    if (!parsed.success) return fail(`The arguments were not valid: ${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}.`);

    const controller = new AbortController();
    const timeoutMs = definition.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new ToolTimeoutError(`${name} did not finish within ${timeoutMs / 1000} seconds. Tell the caller you could not do it right now.`));
      }, timeoutMs);
    });
    try {
      const result = await Promise.race([definition.execute(parsed.data, { ...context, signal: controller.signal }), timeout]);
      record({ name, arguments: argsRecord, result, at });
      log.info('Tool call succeeded', { tool: name });
      return { output: typeof result === 'string' ? result : JSON.stringify(result), isError: false };
    } catch (error) {
      if (error instanceof ToolTimeoutError) return fail(error.message);
      if (error instanceof ToolError) return fail(error.message, error.cause);
      return fail(`${name} failed: ${describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A failure whose message is already a sentence meant for the agent. */
export class ToolError extends Error {
  override readonly name = 'ToolError';
}

class ToolTimeoutError extends Error {
  override readonly name = 'ToolTimeoutError';
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
