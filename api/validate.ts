import { z, ZodType, ZodTypeDef } from 'zod';
import { ValidationError } from '../lib/errors';

/** Parses input with a zod schema; a failure becomes a 400 listing each bad field. */
export function parseInput<T>(schema: ZodType<T, ZodTypeDef, unknown>, input: unknown, what = 'request body'): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(root)', message: issue.message }));
  throw new ValidationError(`Invalid ${what}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
}

/**
 * MySQL's TEXT holds 65,535 bytes; zod's max counts UTF-16 units, so text of 3- and 4-byte
 * characters needs a byte bound too, or a valid-looking value fails in the database.
 */
export const TEXT_COLUMN_BYTES = 65_535;

/**
 * Non-empty text of at most `maxChars` characters and `maxBytes` bytes in UTF-8. Too long a text
 * is reported once, by its length; the byte bound speaks only for text within it.
 */
export function boundedText(maxChars: number, maxBytes: number) {
  return z
    .string()
    .min(1)
    .max(maxChars)
    .refine((text) => text.length > maxChars || Buffer.byteLength(text, 'utf8') <= maxBytes, `must be at most ${maxBytes} bytes in UTF-8`);
}

