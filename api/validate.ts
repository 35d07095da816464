import type { ZodType, ZodTypeDef } from 'zod';
import { ValidationError } from '../lib/errors';

/** Parses input with a zod schema; a failure becomes a 400 listing each bad field. */
export function parseInput<T>(schema: ZodType<T, ZodTypeDef, unknown>, input: unknown, what = 'request body'): T {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(root)', message: issue.message }));
  throw new ValidationError(`Invalid ${what}: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { fields });
}
