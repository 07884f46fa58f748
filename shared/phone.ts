import { z } from 'zod';
import { E164, E164_MESSAGE } from './patterns';

export const e164Schema = z.string().regex(E164, E164_MESSAGE);

/** `+15551234567` → `+*******4567`: enough to tell calls apart in logs, not enough to dial. */
export function maskPhone(phone: string): string {
  return phone.replace(/\+\d{3,}(\d{4})/g, (match, last4: string) => `+${'*'.repeat(match.length - 5)}${last4}`);
}

/** True when `to` starts with one of the allowed prefixes; no list means every number. */
export function isAllowedDestination(to: string, allowedPrefixes: readonly string[] | undefined): boolean {
  return allowedPrefixes === undefined || allowedPrefixes.some((prefix) => to.startsWith(prefix));
}
