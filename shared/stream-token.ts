import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CallRecord, Mutation } from './call-record';
import { isTerminal } from './call-record';

/** The `<Parameter>` names the TwiML gives the media stream. */
export const STREAM_PARAMETERS = { callbackId: 'callbackId', token: 'streamToken' } as const;

export function hashStreamToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The token for a seed, derived under a server-side key (the Twilio auth token): the stored
 * seed alone opens nothing, and the same seed always gives the same token.
 */
function deriveStreamToken(key: string, callbackId: string, seed: string): string {
  if (!key) throw new Error('Stream tokens need TWILIO_AUTH_TOKEN');
  return createHmac('sha256', key).update(`stream-token\0${callbackId}\0${seed}`).digest('base64url');
}

/** A fresh single-use token and the mutation that stores its seed and hash (never the token) with the call. */
export function issueStreamToken(key: string, callbackId: string, now: Date, ttlSeconds: number): { token: string; mutation: Mutation } {
  const seed = randomBytes(32).toString('base64url');
  const token = deriveStreamToken(key, callbackId, seed);
  return {
    token,
    mutation: { streamTokenSeed: seed, streamTokenHash: hashStreamToken(token), streamTokenExpiresAt: now.getTime() + ttlSeconds * 1000 },
  };
}

export type StreamTokenGrant = { ok: true; token: string; mutation: Mutation } | { ok: false; reason: string };

/**
 * The stream token a TwiML fetch for `callSid` gets. Twilio's signatures carry no nonce, so a
 * captured fetch can be replayed: one call gets one stream. Every fetch before the stream
 * starts gets the same outstanding token (a replay cannot spoil the real stream's), and
 * none is issued once it has started or the call has ended.
 */
export function grantStreamToken(
  call: CallRecord,
  fetch: { key: string; callSid: string | undefined; now: Date; ttlSeconds: number },
): StreamTokenGrant {
  if (isTerminal(call.status) || call.completion) return { ok: false, reason: 'call already ended' };
  if (call.streamStartedAt) return { ok: false, reason: 'stream already started' };
  if (!fetch.callSid || (call.callSid !== undefined && call.callSid !== fetch.callSid)) return { ok: false, reason: 'the fetch names another CallSid' };
  if (call.streamTokenSeed && awaitingStream(call, fetch.now).ok) {
    return { ok: true, token: deriveStreamToken(fetch.key, call.callbackId, call.streamTokenSeed), mutation: {} };
  }
  return { ok: true, ...issueStreamToken(fetch.key, call.callbackId, fetch.now, fetch.ttlSeconds) };
}

export type StreamTokenCheck = { ok: true; mutation: Mutation } | { ok: false; reason: string };

/** Whether the call is waiting for its one media stream: not ended, not streaming yet, an unexpired token outstanding. */
export function awaitingStream(call: CallRecord, now: Date): { ok: true } | { ok: false; reason: string } {
  if (isTerminal(call.status) || call.completion) return { ok: false, reason: 'call already ended' };
  if (call.streamStartedAt) return { ok: false, reason: 'stream already started' };
  if (!call.streamTokenHash) return { ok: false, reason: 'no stream token outstanding (already used or never issued)' };
  if ((call.streamTokenExpiresAt ?? 0) < now.getTime()) return { ok: false, reason: 'stream token expired' };
  return { ok: true };
}

/** Whether `token` opens this call's stream now; if so, the mutation that uses it up. */
export function consumeStreamToken(call: CallRecord, token: string | undefined, now: Date): StreamTokenCheck {
  if (!token) return { ok: false, reason: 'no stream token in the start message' };
  const waiting = awaitingStream(call, now);
  if (!waiting.ok) return waiting;
  const expected = Buffer.from(call.streamTokenHash!, 'hex');
  const given = Buffer.from(hashStreamToken(token), 'hex');
  if (!timingSafeEqual(expected, given)) return { ok: false, reason: 'stream token does not match' };
  return { ok: true, mutation: { streamTokenSeed: undefined, streamTokenHash: undefined, streamTokenExpiresAt: undefined } };
}
