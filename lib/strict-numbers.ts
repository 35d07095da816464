import { z } from 'zod';

/**
 * Whole numbers as people write them in a URL or a setting: ASCII digits only. No sign, blank,
 * fraction, exponent, hex prefix or leading zero, so `0x1`, `+1`, ` 1`, `1.0` and `1e0` never
 * pass for 1, and nothing beyond JavaScript's exact integer range reaches the database.
 */
const PLAIN_DIGITS = /^(0|[1-9][0-9]*)$/;

/** A whole number from text, between min and max inclusive. */
export function intText(min: number, max: number) {
  return z
    .string()
    .regex(PLAIN_DIGITS, 'must be a whole number written in plain digits')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

/** A whole number in a JSON body: a number, not a string, between min and max inclusive. */
export function intNumber(min: number, max: number) {
  return z.number().int().min(min).max(max);
}

/** A database id in a URL or a query string. */
export const idText = intText(1, Number.MAX_SAFE_INTEGER);
/** A database id in a JSON body. */
export const idNumber = intNumber(1, Number.MAX_SAFE_INTEGER);
