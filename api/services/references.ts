import type { ModelClass, Model, Transaction } from 'objection';
import { UnprocessableError } from '../../lib/errors';

/** Refuses ids that point at nothing, naming each missing one (422 UNKNOWN_REFERENCE). */
export async function assertAllExist<M extends Model>(model: ModelClass<M>, ids: number[], field: string, trx?: Transaction): Promise<void> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return;
  const found = new Set((await model.query(trx).findByIds(unique)).map((row) => (row as unknown as { id: number }).id));
  const missing = unique.filter((id) => !found.has(id));
  if (missing.length) {
    const which = missing.length === 1 ? 'which does not exist' : 'which do not exist';
    throw new UnprocessableError(`${field} names ${missing.join(', ')}, ${which}`, 'UNKNOWN_REFERENCE', { field, missing });
  }
}

/** Replaces the rows of a many-to-many link table owned by `ownerId`. */
export async function replaceLinks(trx: Transaction, table: string, ownerColumn: string, ownerId: number, linkColumn: string, ids: number[]): Promise<void> {
  await trx(table).where(ownerColumn, ownerId).delete();
  const rows = [...new Set(ids)].map((id) => ({ [ownerColumn]: ownerId, [linkColumn]: id }));
  if (rows.length) await trx(table).insert(rows);
}
