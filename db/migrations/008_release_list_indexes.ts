import type { Knex } from 'knex';

/**
 * Indexes for GET /api/releases: each sort it offers (newest first by default, ties by id) and the
 * state filter in that order, so a page of 20 reads 20 index entries instead of sorting the whole
 * table. None leads with user_id: MySQL would adopt such an index for the user_id foreign key
 * (dropping its own), and the migration could then no longer go down.
 */
const INDEXES: { name: string; columns: string[] }[] = [
  { name: 'releases_created_at_id_index', columns: ['created_at', 'id'] },
  { name: 'releases_updated_at_id_index', columns: ['updated_at', 'id'] },
  { name: 'releases_state_created_at_id_index', columns: ['state', 'created_at', 'id'] },
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('releases', (t) => {
    for (const index of INDEXES) t.index(index.columns, index.name);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('releases', (t) => {
    for (const index of INDEXES) t.dropIndex(index.columns, index.name);
  });
}
