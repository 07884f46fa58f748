import { z } from 'zod';

/** Schemas for environment values, shared by the configuration and the providers' own settings. */

export const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : ['true', '1', 'yes'].includes(v)));

export const int = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

export const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v));

export const httpUrl = z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, ''));
export const wsUrl = z.url({ protocol: /^wss?$/ }).transform((u) => u.replace(/\/+$/, ''));
/** An http(s) URL that may be left empty (`NAME=` in .env means unset). */
export const optionalHttpUrl = optionalString.pipe(httpUrl.optional());
