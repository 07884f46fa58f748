/**
 * ECS task scale-in protection for the media service: while a task carries live calls it
 * asks ECS not to stop it on scale-in or during a deployment, and drops the protection
 * when it is idle again. The ECS agent exposes the API to the task itself at
 * `${ECS_AGENT_URI}/task-protection/v1/state`; the task role must allow
 * `ecs:UpdateTaskProtection` (granted by infra/constructs/media-service.ts).
 *
 * Outside ECS (ECS_AGENT_URI unset: local runs, tests) every call is a no-op.
 * It never throws: a failure is handed to `onError` and the call goes on.
 */

/** ECS accepts 1 minute to 2880 minutes (48 h); it defaults to 120 minutes. */
export const MAX_PROTECTION_MINUTES = 2880;

export interface TaskProtectionOptions {
  /** Receives any failure (network, non-2xx, ECS `failure` entries); nothing is thrown. */
  onError?: (error: Error) => void;
  /** The agent's base URL. @default process.env.ECS_AGENT_URI */
  agentUri?: string;
  /** Abort the request after this long. @default 3000 */
  timeoutMs?: number;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof globalThis.fetch;
}

/**
 * Turns this task's scale-in protection on (optionally expiring after `expiresInMinutes`,
 * a safety net should the task never turn it off) or off.
 */
export async function setTaskScaleInProtection(
  enabled: boolean,
  expiresInMinutes?: number,
  options: TaskProtectionOptions = {},
): Promise<void> {
  const agentUri = options.agentUri ?? process.env.ECS_AGENT_URI;
  if (!agentUri) return;

  const report = (error: unknown) => {
    try {
      options.onError?.(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // a failing error callback must not turn a best-effort call into a crash
    }
  };

  const body: { ProtectionEnabled: boolean; ExpiresInMinutes?: number } = { ProtectionEnabled: enabled };
  if (enabled && expiresInMinutes !== undefined) {
    if (!Number.isFinite(expiresInMinutes)) {
      report(new Error(`Task protection: expiresInMinutes must be a number, got ${expiresInMinutes}`));
      return;
    }
    body.ExpiresInMinutes = Math.min(MAX_PROTECTION_MINUTES, Math.max(1, Math.ceil(expiresInMinutes)));
  }

  const doFetch = options.fetch ?? globalThis.fetch;
  try {
    const response = await doFetch(`${agentUri.replace(/\/+$/, '')}/task-protection/v1/state`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 3000),
    });
    const text = await response.text();
    if (!response.ok) {
      report(new Error(`Task protection: ECS agent answered ${response.status}: ${text.slice(0, 500)}`));
      return;
    }
    // A 200 can still carry a failure, e.g. {"failure":{"Arn":…,"Reason":"…"}} or {"error":{…}}.
    const parsed = parseJson(text);
    const failure = parsed?.failure ?? parsed?.error;
    if (failure !== undefined && failure !== null) {
      report(new Error(`Task protection: ECS refused the update: ${JSON.stringify(failure).slice(0, 500)}`));
    }
  } catch (error) {
    report(error);
  }
}

function parseJson(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
