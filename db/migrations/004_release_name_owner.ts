import type { Knex } from 'knex';

const DUPLICATE_ERROR = 'another release was published first under the same name; its folder and SFV belong to that release';

/**
 * A release name (its folder and SFV) belongs to one release row. Rows that shared a name before
 * this constraint existed keep it on the oldest row (the one whose rename published the folder);
 * the later rows lose the name and are marked failed, so deleting them can no longer touch the
 * folder of the first.
 */
export async function up(knex: Knex): Promise<void> {
  const shared = await knex('releases').select('name').whereNotNull('name').groupBy('name').havingRaw('count(*) > 1');
  for (const { name } of shared) {
    const [, ...later] = await knex('releases').select('id').where({ name }).orderBy([{ column: 'created_at' }, { column: 'id' }]);
    await knex('releases')
      .whereIn('id', later.map((r: { id: string }) => r.id))
      .update({ name: null, state: 'failed', error: DUPLICATE_ERROR, updated_at: new Date() });
  }
  await knex.schema.alterTable('releases', (t) => {
    t.unique(['name'], { indexName: 'releases_name_unique' });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('releases', (t) => {
    t.dropUnique(['name'], 'releases_name_unique');
  });
}
