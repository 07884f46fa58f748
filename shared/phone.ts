import { z } from 'zod';

export const e164Schema = z.string().regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15551234567');

/** `+15551234567` → `+*******4567`: enough to tell calls apart in logs, not enough to dial. */
export function maskPhone(phone: string): string {
  return phone.replace(/\+\d{3,}(\d{4})/g, (match, last4: string) => `+${'*'.repeat(match.length - 5)}${last4}`);
}

/** True when `to` starts with one of the allowed prefixes; no list means every number. */
export function isAllowedDestination(to: string, allowedPrefixes: readonly string[] | undefined): boolean {
  return allowedPrefixes === undefined || allowedPrefixes.some((prefix) => to.startsWith(prefix));
}
