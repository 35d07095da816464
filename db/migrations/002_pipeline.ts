import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('uploads', (t) => {
    t.string('id', 36).primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.string('original_name', 255).notNullable();
    t.string('stored_name', 64).notNullable();
    t.bigInteger('size').notNullable();
    t.string('sha256', 64).notNullable();
    // stored -> inspecting -> inspected | rejected
    t.string('status', 20).notNullable();
    t.string('format', 10).nullable();
    t.text('metadata', 'longtext').nullable();
    t.text('error').nullable();
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
    t.unique(['user_id', 'sha256']);
  });

  await knex.schema.createTable('releases', (t) => {
    t.string('id', 36).primary();
    t.string('upload_id', 36).notNullable().references('id').inTable('uploads').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    // Hash of upload id + normalised options: re-submitting the same request finds this row.
    t.string('request_key', 64).notNullable().unique();
    t.text('options').notNullable();
    // queued -> inspecting -> enriching -> packing -> done | failed | cancelled
    t.string('state', 20).notNullable().index();
    t.string('step', 20).nullable();
    t.integer('progress').notNullable().defaultTo(0);
    t.text('error').nullable();
    t.string('name', 255).nullable();
    t.string('release_date', 10).notNullable();
    t.text('metadata', 'longtext').nullable();
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
    t.dateTime('finished_at').nullable();
  });

  await knex.schema.createTable('release_files', (t) => {
    t.increments('id').primary();
    t.string('release_id', 36).notNullable().references('id').inTable('releases').onDelete('CASCADE');
    t.string('file_name', 255).notNullable();
    t.string('kind', 10).notNullable();
    t.bigInteger('size').notNullable();
    t.string('crc32', 8).notNullable();
    t.string('sha256', 64).notNullable();
    t.unique(['release_id', 'file_name']);
  });

  await knex.schema.createTable('job_runs', (t) => {
    t.increments('id').primary();
    t.string('queue', 32).notNullable();
    t.string('job_id', 191).notNullable();
    t.string('job_name', 32).notNullable();
    t.integer('attempt').notNullable();
    t.string('release_id', 36).nullable().index();
    t.string('upload_id', 36).nullable().index();
    // active -> completed | failed
    t.string('state', 20).notNullable();
    t.text('error').nullable();
    t.dateTime('started_at').notNullable();
    t.dateTime('finished_at').nullable();
    t.index(['queue', 'job_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('job_runs');
  await knex.schema.dropTable('release_files');
  await knex.schema.dropTable('releases');
  await knex.schema.dropTable('uploads');
}
