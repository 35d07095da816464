import type { Knex } from 'knex';

/**
 * An index for a user's own release list (GET /api/releases without releases:MOD, or with
 * `?userId=`), newest first: on SQLite the page and its count scanned every release of every
 * user. SQLite only: MySQL indexes `user_id` for its foreign key already, and would adopt an
 * index leading with it for that key (dropping its own), after which the migration could no
 * longer go down (see 008 and 011).
 */
const ON_MYSQL = (knex: Knex) => knex.client.config.client === 'mysql2';
const COLUMNS = ['user_id', 'created_at', 'id'];
const NAME = 'releases_user_id_created_at_id_index';

export async function up(knex: Knex): Promise<void> {
  if (!ON_MYSQL(knex)) await knex.schema.alterTable('releases', (t) => t.index(COLUMNS, NAME));
}

export async function down(knex: Knex): Promise<void> {
  if (!ON_MYSQL(knex)) await knex.schema.alterTable('releases', (t) => t.dropIndex(COLUMNS, NAME));
}
