/**
 * The error message a database statement fails with, or `succeeded: <result>`.
 *
 * Compared by message rather than with `rejects.toThrow`: better-sqlite3 registers its SqliteError
 * class once per process, so in a jest worker the errors of every later test file come from the
 * first file's realm and are not `instanceof Error` there.
 */
export async function outcome(statement: PromiseLike<unknown>): Promise<string> {
  try {
    const result = await statement;
    return `succeeded: ${JSON.stringify(result)}`;
  } catch (err) {
    return (err as Error).message;
  }
}
