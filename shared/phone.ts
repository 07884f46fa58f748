import { z } from 'zod';
import { E164, E164_MESSAGE } from './patterns';

export const e164Schema = z.string().regex(E164, E164_MESSAGE);

/** `+15551234567` → `+*******4567`: enough to tell calls apart in logs, not enough to dial. */
export function maskPhone(phone: string): string {
  return phone.replace(/\+\d{3,}(\d{4})/g, (match, last4: string) => `+${'*'.repeat(match.length - 5)}${last4}`);
}

/**
 * NANP area codes a `+1` prefix must not admit: premium rate (900, 976) and the countries
 * outside the US and Canada, billed as international (toll fraud's favourite destinations).
 */
const NANP_GUARDED_AREAS = new Set(['900', '976', '242', '246', '264', '268', '284', '345', '441', '473', '649', '658', '664', '721', '758', '767', '784', '809', '829', '849', '868', '869', '876']);

/**
 * True when `to` starts with one of the allowed prefixes; no list means every number. A
 * guarded NANP area passes only under a prefix that names it (`+1876`, not `+1`).
 */
export function isAllowedDestination(to: string, allowedPrefixes: readonly string[] | undefined): boolean {
  if (allowedPrefixes === undefined) return true;
  const guarded = to.startsWith('+1') && NANP_GUARDED_AREAS.has(to.slice(2, 5));
  return allowedPrefixes.some((prefix) => to.startsWith(prefix) && (!guarded || prefix.length >= 5));
}

/** A request may call from the configured number or one of the extra caller IDs, never from a number it names itself. */
export function isAllowedCallerId(from: string, c: { TWILIO_PHONE_NUMBER?: string; ALLOWED_CALLER_IDS?: readonly string[] }): boolean {
  return from === c.TWILIO_PHONE_NUMBER || (c.ALLOWED_CALLER_IDS ?? []).includes(from);
}
