import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('users', (t) => {
    t.increments('id').primary();
    t.string('email', 254).notNullable().unique();
    t.string('password_hash', 100).notNullable();
    t.string('role', 20).notNullable().defaultTo('operator');
    t.boolean('disabled').notNullable().defaultTo(false);
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
  });

  await knex.schema.createTable('refresh_tokens', (t) => {
    t.string('id', 36).primary();
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    // All tokens issued from one login share a family; reuse of a rotated token revokes the family.
    t.string('family_id', 36).notNullable().index();
    t.string('token_hash', 64).notNullable().unique();
    t.dateTime('expires_at').notNullable().index();
    t.dateTime('used_at').nullable();
    t.dateTime('revoked_at').nullable();
    t.dateTime('created_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('refresh_tokens');
  await knex.schema.dropTable('users');
}
