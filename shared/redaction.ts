/**
 * Masks personal data in transcript text: card numbers (13-19 digits that pass the Luhn
 * check), e-mail addresses and phone numbers written with digits. What a speech transcriber
 * writes out in words ("five five five…", "sam at example dot com") is not caught; see
 * docs/privacy.md for the exact rules.
 */

export const MASKS = { card: '[card number]', email: '[email]', phone: '[phone]' } as const;

/** Digit groups separated by single spaces or dashes, 13-19 digits in all. */
const CARD_CANDIDATE = /(?<![\d+])\d(?:[ -]?\d){12,18}(?!\d)/g;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** `+` and 7-15 digits with spaces, dots, dashes or parentheses between them. */
const INTERNATIONAL_PHONE = /\+\d(?:[\s.()-]{0,2}\d){6,14}(?!\d)/g;
/** North American style: (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, 1-555-123-4567. */
const NATIONAL_PHONE = /(?<!\d)(?:1[\s.-])?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}(?!\d)/g;
/** 10 or 11 digits in one run (a number read out without pauses). */
const BARE_PHONE = /(?<!\d)\d{10,11}(?!\d)/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

export function redactText(text: string): string {
  return text
    .replace(CARD_CANDIDATE, (match) => (luhnValid(match.replace(/\D/g, '')) ? MASKS.card : match))
    .replace(EMAIL, MASKS.email)
    .replace(INTERNATIONAL_PHONE, MASKS.phone)
    .replace(NATIONAL_PHONE, MASKS.phone)
    .replace(BARE_PHONE, MASKS.phone);
}

export function redactTurns<T extends { text: string }>(turns: readonly T[]): T[] {
  return turns.map((turn) => ({ ...turn, text: redactText(turn.text) }));
}

/** Whether a call's stored turns and summary are masked too (`redactTranscript` without `redactStored: false`). */
export function redactsStored(request: { redactTranscript?: boolean; redactStored?: boolean }): boolean {
  return request.redactTranscript === true && request.redactStored !== false;
}
