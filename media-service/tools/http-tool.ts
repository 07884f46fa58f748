import { z } from 'zod';
import { compileToolParameters, type CallTool } from '../../shared/call-tools';
import { signWebhook } from '../../shared/webhook-signing';
import { ToolError } from './runner';
import type { ToolDefinition } from './types';

/** The most of a tool's answer that is read and given to the model. */
export const TOOL_RESPONSE_MAX_BYTES = 16 * 1024;

/** What a per-call tool's URL receives (signed per Standard Webhooks). */
export interface HttpToolRequest {
  callbackId: string;
  callSid: string | null;
  tool: string;
  arguments: Record<string, unknown>;
}

/**
 * A per-call tool: its arguments checked against the caller's JSON Schema, then POSTed, signed,
 * to the caller's URL; the JSON answer goes to the model. Every way that can fail becomes a
 * sentence the agent can say. Redirects are not followed: the URL was allow-listed, its target may not be.
 */
export function httpTool(spec: CallTool, signingSecret: string | undefined): ToolDefinition {
  const compiled = compileToolParameters(spec.parameters);
  if (!compiled.ok) throw new Error(`Tool ${spec.name} has an unusable schema: ${compiled.problem}`);
  const parameters = z.looseObject({}).superRefine((value, ctx) => {
    const result = compiled.check(value);
    if (!result.ok) for (const problem of result.problems) ctx.addIssue({ code: 'custom', message: problem });
  });
  const unavailable = `Tell the caller you could not do that right now.`;
  return {
    name: spec.name,
    description: spec.description,
    parameters,
    jsonSchema: spec.parameters,
    timeoutMs: spec.timeoutMs,
    async execute(args, context) {
      if (!signingSecret) throw new ToolError(`${spec.name} is not available: WEBHOOK_SIGNING_SECRET is not set. ${unavailable}`);
      const request: HttpToolRequest = { callbackId: context.callbackId, callSid: context.callSid ?? null, tool: spec.name, arguments: args };
      const body = JSON.stringify(request);
      let response: Response;
      try {
        response = await fetch(spec.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signWebhook(signingSecret, body, { now: context.now() }) },
          body,
          redirect: 'manual',
          signal: context.signal,
        });
      } catch (error) {
        throw new ToolError(`The ${spec.name} service could not be reached. ${unavailable}`, { cause: error });
      }
      if (response.status < 200 || response.status > 299) {
        await response.body?.cancel().catch(() => undefined);
        throw new ToolError(`The ${spec.name} service answered with an error (HTTP ${response.status}). ${unavailable}`);
      }
      const text = await readLimited(response, TOOL_RESPONSE_MAX_BYTES);
      if (text === undefined) throw new ToolError(`The ${spec.name} service's answer was too large to use. ${unavailable}`);
      try {
        return JSON.parse(text) as unknown;
      } catch {
        throw new ToolError(`The ${spec.name} service's answer could not be understood. ${unavailable}`);
      }
    },
  };
}

/** The body as text, or undefined when it is longer than `maxBytes` (reading stops there). */
async function readLimited(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
