import type { CallPage, CallSummary, ConsoleEnvironment, PlacedBrowserCall } from './types';

const KEY_ITEM = 'caller-engine.api-key';

/** The API key lives in this tab's session only. */
export const apiKeyStore = {
  get: (): string | null => sessionStorage.getItem(KEY_ITEM),
  set: (key: string) => sessionStorage.setItem(KEY_ITEM, key),
  forget: () => sessionStorage.removeItem(KEY_ITEM),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Calls the console API and the call API with the API key. */
export class ConsoleApi {
  constructor(private readonly apiKey: string) {}

  environment = () => this.request<ConsoleEnvironment>('GET', '/console/api/environment');
  calls = () => this.request<{ calls: CallSummary[] }>('GET', '/console/api/calls').then((r) => r.calls);
  call = (callbackId: string) => this.request<CallPage>('GET', `/console/api/calls/${encodeURIComponent(callbackId)}`);
  placeBrowserCall = (body: object) => this.request<PlacedBrowserCall>('POST', '/console/api/browser-calls', body);
  /** The real `POST /call/initiate`, as the orchestrator calls it. */
  initiate = (body: object) => this.request<{ callbackId: string; callSid: string; status: string }>('POST', '/call/initiate', body);

  /** The live feed: a streamed response, since EventSource cannot send the API key header. */
  live = (signal: AbortSignal) => fetch('/console/api/live', { headers: this.headers(), signal });

  private async request<T>(method: string, path: string, body?: object): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { ...this.headers(), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const payload = (await response.json().catch(() => undefined)) as { error?: { code: string; message: string; details?: unknown } } | undefined;
    if (!response.ok) {
      const error = payload?.error;
      throw new ApiError(response.status, error?.code ?? 'http_error', error?.message ?? `HTTP ${response.status}`, error?.details);
    }
    return payload as T;
  }

  private headers(): Record<string, string> {
    return { 'x-api-key': this.apiKey };
  }
}

/** An error as one readable line, with validation details when there are any. */
export function describeError(error: unknown): string {
  if (!(error instanceof ApiError)) return error instanceof Error ? error.message : String(error);
  const details = Array.isArray(error.details)
    ? error.details.map((d: { path?: string; message?: string } | string) => (typeof d === 'string' ? d : `${d.path ? `${d.path}: ` : ''}${d.message ?? ''}`))
    : [];
  return [error.message, ...details].join(' — ');
}
