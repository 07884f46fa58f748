import { createHash, timingSafeEqual } from 'node:crypto';

/** True when `given` equals `expected`, compared in constant time (digests, so lengths leak nothing); no key matches nothing. */
export function apiKeyMatches(given: string, expected: string): boolean {
  if (!expected) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
