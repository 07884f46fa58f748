import { newSid } from './format';
import type { StreamNoun, TwimlVerb } from './twiml';
import { resolveUrl, type TwimlSource } from './twiml-source';
import type { SimCall, StreamEndReason } from './types';

/** How long a `<Dial>`ed party stays on the line before the simulator moves on. */
const DIAL_HOLD_MS = 500;

/** What the call does after a verb: the next verb, stop the document, stop because the callee left, or another document. */
export type VerbOutcome = 'next' | 'stop' | 'callee-gone' | TwimlSource;

/** The parts of a running call a verb acts on. */
export interface VerbHost {
  readonly call: SimCall;
  log(event: string, detail?: unknown): void;
  /** Waits while `ms` of the call's audio plays. */
  play(ms: number, signal: AbortSignal): Promise<void>;
  runStream(stream: StreamNoun, signal: AbortSignal): Promise<StreamEndReason>;
}

/** Carries out one verb of a document fetched from `base` (relative URLs resolve against it). */
export async function executeVerb(verb: TwimlVerb, base: string | undefined, signal: AbortSignal, host: VerbHost): Promise<VerbOutcome> {
  const { call } = host;
  switch (verb.verb) {
    case 'Connect': {
      if (!verb.stream) {
        host.log('twiml-unsupported', { verb: 'Connect', nouns: verb.nouns });
        return 'next';
      }
      const reason = await host.runStream(verb.stream, signal);
      if (reason === 'callee-hangup' || reason === 'max-call-time') return 'callee-gone';
      if (reason === 'twilio-stopped') return 'stop';
      const action = verb.action && resolveUrl(verb.action, base);
      return action ? { kind: 'connect-action', url: action, method: verb.method ?? 'POST' } : 'next';
    }
    case 'Say':
      host.log('say', verb.text);
      call.voicemail?.recorded.push(verb.text);
      return 'next';
    case 'Play':
      host.log('play', verb.url);
      call.voicemail?.recorded.push(verb.url);
      return 'next';
    case 'Pause':
      await host.play(verb.lengthSeconds * 1000, signal);
      return 'next';
    case 'Hangup':
    case 'Reject':
      host.log('twiml-hangup', verb.verb);
      return 'stop';
    case 'Dial':
      return dial(verb, base, signal, host);
    case 'Redirect': {
      const url = resolveUrl(verb.url, base);
      if (url) return { kind: 'redirect', url, method: verb.method };
      host.log('twiml-error', `cannot resolve Redirect ${verb.url}`);
      return 'stop';
    }
    case 'Unsupported':
      host.log('twiml-unsupported', { verb: verb.name });
      return 'next';
  }
}

/** `<Dial>`: the party stays on a moment, then the call goes on to the `action` URL, if any, with the dial's result. */
async function dial(verb: Extract<TwimlVerb, { verb: 'Dial' }>, base: string | undefined, signal: AbortSignal, host: VerbHost): Promise<VerbOutcome> {
  host.call.dialed.push(verb.target);
  host.log('dial', verb.target);
  const dialStartedAt = Date.now();
  await host.play(DIAL_HOLD_MS, signal);
  const action = verb.attributes.action && resolveUrl(verb.attributes.action, base);
  if (!action || signal.aborted) return 'next';
  const DialCallDuration = String(Math.max(1, Math.round((Date.now() - dialStartedAt) / 1000)));
  const extraParams = { DialCallStatus: 'completed', DialCallSid: newSid('CA'), DialCallDuration };
  return { kind: 'redirect', url: action, method: verb.attributes.method ?? 'POST', extraParams };
}
