import type { Knex } from 'knex';

/**
 * Indexes for the release request's same-name check (`releases` joined to `uploads` by the upload's
 * SHA-256): without them SQLite scanned every release for each request. `uploads.sha256` alone
 * had none (the unique key leads with `user_id`); `releases.upload_id` gets one on SQLite only:
 * MySQL already indexes it for its foreign key, and would adopt a second index for that key
 * (dropping its own), after which the migration could no longer go down.
 */
const ON_MYSQL = (knex: Knex) => knex.client.config.client === 'mysql2';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('uploads', (t) => t.index(['sha256'], 'uploads_sha256_index'));
  if (!ON_MYSQL(knex)) await knex.schema.alterTable('releases', (t) => t.index(['upload_id'], 'releases_upload_id_index'));
}

export async function down(knex: Knex): Promise<void> {
  if (!ON_MYSQL(knex)) await knex.schema.alterTable('releases', (t) => t.dropIndex(['upload_id'], 'releases_upload_id_index'));
  await knex.schema.alterTable('uploads', (t) => t.dropIndex(['sha256'], 'uploads_sha256_index'));
}
