import type { Knex } from 'knex';

/**
 * Watch folders: a group's folder, release options and after-ingest rule (JSON on the group), and
 * one row per file content found there with what became of it (so a restart never ingests a file
 * twice, and the console can show each outcome).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('groups', (t) => {
    t.text('watch_folder').nullable();
  });
  await knex.schema.createTable('watch_folder_files', (t) => {
    t.increments('id').primary();
    t.integer('group_id').unsigned().notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.string('sha256', 64).notNullable();
    t.string('file_name', 500).notNullable();
    t.bigInteger('size').notNullable();
    t.string('state', 20).notNullable();
    t.string('upload_id', 36).nullable();
    t.string('release_id', 36).nullable();
    t.text('error').nullable();
    t.string('moved_to', 1000).nullable();
    t.timestamp('created_at').notNullable();
    t.timestamp('updated_at').notNullable();
    t.unique(['group_id', 'sha256']);
    t.index(['updated_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('watch_folder_files');
  await knex.schema.alterTable('groups', (t) => {
    t.dropColumn('watch_folder');
  });
}
