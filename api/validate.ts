import type { ZodType, ZodTypeDef } from 'zod';
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

/** A refinement: the text takes at most `max` bytes in UTF-8. */
export function utf8Bytes(max: number): [(text: string) => boolean, string] {
  return [(text) => Buffer.byteLength(text, 'utf8') <= max, `must be at most ${max} bytes in UTF-8`];
}
