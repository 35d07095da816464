import { UniqueViolationError } from 'objection';

/** SQLite's codes for a refused unique or primary key, and MySQL's (objection wraps MySQL's only). */
const UNIQUE_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', 'ER_DUP_ENTRY']);

/**
 * Whether the database refused a write for a unique key: what a service's "is the name free?"
 * check meets when another request took the name between that check and the write.
 */
export function isUniqueViolation(err: unknown): boolean {
  if (err instanceof UniqueViolationError) return true;
  const { code, nativeError } = (err ?? {}) as { code?: unknown; nativeError?: { code?: unknown } };
  return [code, nativeError?.code].some((c) => typeof c === 'string' && UNIQUE_CODES.has(c));
}
