import { Ajv, type ValidateFunction } from 'ajv';
import { z } from 'zod';
import { jsonBytes } from './json-limits';

/**
 * Per-call HTTP tools: the orchestrator's own functions, offered to the agent on one call
 * and run by POSTing a signed request to the orchestrator's URL.
 */

export const CALL_TOOLS_MAX = 10;
export const TOOL_PARAMETERS_MAX_BYTES = 8 * 1024;
export const TOOL_TIMEOUT_MAX_MS = 10_000;
export const TOOL_TIMEOUT_DEFAULT_MS = 5_000;

/** The tools the media service itself provides; a per-call tool may not take one of these names. */
export const BUILT_IN_TOOL_NAMES = [
  'end_call',
  'send_sms',
  'send_dtmf',
  'check_availability',
  'schedule_meeting',
  'send_email',
  'transfer_call',
] as const;

const ajv = new Ajv({ allErrors: true, strict: false });

export type ToolArgumentsCheck = (value: unknown) => { ok: true } | { ok: false; problems: string[] };

/** Compiles a tool's parameters schema once; refuses a schema Ajv cannot compile or whose root is not an object. */
export function compileToolParameters(schema: Record<string, unknown>): { ok: true; check: ToolArgumentsCheck } | { ok: false; problem: string } {
  if (jsonBytes(schema) > TOOL_PARAMETERS_MAX_BYTES) {
    return { ok: false, problem: `must serialize to at most ${TOOL_PARAMETERS_MAX_BYTES} bytes` };
  }
  if (schema.type !== 'object') return { ok: false, problem: 'the root must have "type": "object"' };
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    return { ok: false, problem: `is not a usable JSON Schema: ${error instanceof Error ? error.message : String(error)}` };
  }
  return {
    ok: true,
    check(value) {
      if (validate(value)) return { ok: true };
      return { ok: false, problems: (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`) };
    },
  };
}

/** One per-call tool as `POST /call/initiate` takes it. */
export const callToolSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'must be 1-64 letters, digits or "_", starting with a letter')
    .refine((name) => !(BUILT_IN_TOOL_NAMES as readonly string[]).includes(name), 'is the name of a built-in tool'),
  description: z.string().trim().min(1).max(1_000),
  parameters: z.record(z.string(), z.json()).superRefine((schema, ctx) => {
    const compiled = compileToolParameters(schema);
    if (!compiled.ok) ctx.addIssue({ code: 'custom', message: compiled.problem });
  }),
  url: z.url({ protocol: /^https?$/ }),
  timeoutMs: z.number().int().min(100).max(TOOL_TIMEOUT_MAX_MS).default(TOOL_TIMEOUT_DEFAULT_MS),
});
export type CallTool = z.infer<typeof callToolSchema>;

export const callToolsSchema = z
  .array(callToolSchema)
  .max(CALL_TOOLS_MAX)
  .superRefine((tools, ctx) => {
    const seen = new Set<string>();
    tools.forEach((tool, index) => {
      if (seen.has(tool.name)) ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `"${tool.name}" is used twice` });
      seen.add(tool.name);
    });
  });

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Why a tool URL may not be called from this deployment, or undefined when it may: https to a
 * host in `allowedHosts` (exact name, or `.example.com` for any subdomain); plain or
 * secure loopback only in the local stage.
 */
export function toolUrlRefusal(url: string, settings: { stage: string | undefined; allowedHosts: readonly string[] | undefined }): string | undefined {
  const { protocol, hostname } = new URL(url);
  if (LOOPBACK_HOSTS.has(hostname)) return settings.stage === 'local' ? undefined : 'loopback URLs are allowed only in the local stage';
  if (protocol !== 'https:') return 'must be an https URL';
  const allowed = (settings.allowedHosts ?? []).some((host) =>
    host.startsWith('.') ? hostname.endsWith(host) && hostname.length > host.length : hostname === host,
  );
  return allowed ? undefined : `host "${hostname}" is not in TOOL_ALLOWED_HOSTS`;
}
