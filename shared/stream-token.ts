import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CallRecord, Mutation } from './call-record';
import { isTerminal } from './call-record';

/** The `<Parameter>` names the TwiML gives the media stream. */
export const STREAM_PARAMETERS = { callbackId: 'callbackId', token: 'streamToken' } as const;

export function hashStreamToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A fresh single-use token and the mutation that stores its hash (never the token) with the call. */
export function issueStreamToken(now: Date, ttlSeconds: number): { token: string; mutation: Mutation } {
  const token = randomBytes(32).toString('base64url');
  return {
    token,
    mutation: { streamTokenHash: hashStreamToken(token), streamTokenExpiresAt: now.getTime() + ttlSeconds * 1000 },
  };
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
  return { ok: true, mutation: { streamTokenHash: undefined, streamTokenExpiresAt: undefined } };
}
