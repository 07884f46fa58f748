import type { TwimlSource } from './twiml-source';
import type { RestUpdate } from './types';

export interface UpdateOutcome {
  status: number;
  error?: { code: number; message: string };
}

/** What a REST `POST /Calls/{Sid}.json` does to a call, as Twilio decides it; `source` is the new TwiML of a redirect. */
export interface UpdateDecision {
  outcome: RestUpdate['outcome'];
  result: UpdateOutcome;
  source?: TwimlSource;
}

/** Decides an update from its parameters and whether the call is over (or hanging up) or answered yet. */
export function decideUpdate(params: Record<string, string>, call: { over: boolean; answered: boolean }): UpdateDecision {
  const ok = { status: 200 };
  const { Status: status, Twiml: twiml, Url: url } = params;
  if (status !== undefined && status !== 'completed' && status !== 'canceled') {
    return { outcome: 'rejected', result: { status: 400, error: { code: 20001, message: `Invalid Status: ${status}` } } };
  }
  if (call.over) {
    if (status) return { outcome: 'ignored', result: ok };
    return { outcome: 'rejected', result: { status: 400, error: { code: 21220, message: 'Call is not in-progress. Cannot redirect.' } } };
  }
  // canceling an answered call does nothing: only `completed` hangs it up
  if (status === 'canceled') return { outcome: call.answered ? 'ignored' : 'cancel', result: ok };
  if (status === 'completed') return { outcome: 'hangup', result: ok };
  const source: TwimlSource | undefined = twiml
    ? { kind: 'update-twiml', xml: twiml }
    : url
      ? { kind: 'update-url', url, method: params.Method ?? 'POST' }
      : undefined;
  if (!source) return { outcome: 'ignored', result: ok };
  return { outcome: call.answered ? 'redirect' : 'queued-redirect', result: ok, source };
}
