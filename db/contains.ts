/**
 * "Holds this text" for a list's search box, the same on SQLite and MySQL: a LIKE whose pattern
 * takes %, _ and \ as written. The escape character is named, because SQLite has none by default
 * (MySQL's is the backslash), so an escaped pattern alone matched nothing there.
 */
export const CONTAINS_SQL = '?? like ? escape ?';

/** The bindings of CONTAINS_SQL: the column, and `text` anywhere in it. */
export function containsBindings(column: string, text: string): [string, string, string] {
  return [column, `%${text.replace(/[%_\\]/g, '\\$&')}%`, '\\'];
}
