import { createHash, timingSafeEqual } from 'node:crypto';

/** True when `given` equals `expected`, compared in constant time (digests, so lengths leak nothing). */
export function apiKeyMatches(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
