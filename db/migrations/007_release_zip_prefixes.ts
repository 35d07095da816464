import type { Knex } from 'knex';

/**
 * Zip names unique within the year (rule 3.0): each release records the six-character prefix all
 * its zip names start with, one row per release, and no two releases of a year share a prefix.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('release_zip_prefixes', (t) => {
    t.string('release_id', 36).primary().references('id').inTable('releases').onDelete('CASCADE');
    t.integer('year').notNullable();
    t.string('prefix', 8).notNullable();
    t.unique(['year', 'prefix']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('release_zip_prefixes');
}
