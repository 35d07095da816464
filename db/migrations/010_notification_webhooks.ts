import type { Knex } from 'knex';

/**
 * Webhooks told about release events: global ones (group_id null) hear every release, a group's
 * only its releases. The URL (Discord and Slack put their token in it) and the signing secret of
 * a generic webhook are stored sealed (lib/secret-box.ts); url_host is what the API shows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_webhooks', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable();
    t.integer('group_id').unsigned().nullable().references('id').inTable('groups').onDelete('CASCADE');
    t.string('kind', 16).notNullable();
    t.text('url_encrypted').notNullable();
    t.string('url_host', 255).notNullable();
    t.text('secret_encrypted').nullable();
    t.text('events').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
    t.index(['group_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('notification_webhooks');
}
