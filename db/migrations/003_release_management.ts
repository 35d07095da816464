import type { Knex } from 'knex';

/** Snapshot of the seeded roles as of this migration (later changes belong in later migrations). */
const RESOURCES = ['releases', 'rules', 'templates', 'users', 'roles', 'groups', 'destinations', 'configurations', 'queues'];
const ACTIONS = ['READ', 'WRITE', 'MOD', 'DELETE'];
const OPERATOR_PERMISSIONS = [
  ['releases', 'READ'],
  ['releases', 'WRITE'],
  ['releases', 'DELETE'],
  ['rules', 'READ'],
  ['templates', 'READ'],
  ['groups', 'READ'],
  ['destinations', 'READ'],
];

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('roles', (t) => {
    t.increments('id').primary();
    t.string('name', 40).notNullable().unique();
    t.string('description', 255).notNullable().defaultTo('');
    t.boolean('builtin').notNullable().defaultTo(false);
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
  });
  await knex.schema.createTable('role_permissions', (t) => {
    t.increments('id').primary();
    t.integer('role_id').unsigned().notNullable().references('id').inTable('roles').onDelete('CASCADE');
    t.string('resource', 20).notNullable();
    t.string('action', 10).notNullable();
    t.unique(['role_id', 'resource', 'action']);
  });

  const now = new Date();
  for (const [name, description, permissions] of [
    ['admin', 'Everything, always', RESOURCES.flatMap((r) => ACTIONS.map((a) => [r, a]))],
    ['operator', 'Packs releases for their groups', OPERATOR_PERMISSIONS],
  ] as const) {
    await knex('roles').insert({ name, description, builtin: true, created_at: now, updated_at: now });
    const role = await knex('roles').where({ name }).first('id');
    await knex('role_permissions').insert(permissions.map(([resource, action]) => ({ role_id: role.id, resource, action })));
  }

  await knex.schema.createTable('rules', (t) => {
    t.increments('id').primary();
    // e.g. section EBOOK, year 2022, scene "English"
    t.string('section', 20).notNullable();
    t.integer('year').notNullable();
    t.string('scene', 60).notNullable();
    t.string('title', 200).notNullable();
    t.text('body', 'longtext').notNullable();
    t.text('limits').notNullable();
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
    t.unique(['section', 'year', 'scene']);
  });

  await knex.schema.createTable('nfo_templates', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable().unique();
    t.string('description', 255).notNullable().defaultTo('');
    t.text('body').notNullable();
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
  });

  await knex.schema.createTable('destinations', (t) => {
    t.increments('id').primary();
    t.string('name', 100).notNullable().unique();
    t.string('protocol', 10).notNullable();
    t.string('host', 255).notNullable();
    t.integer('port').notNullable();
    t.string('username', 100).notNullable();
    // password | key; the secret is AES-256-GCM ciphertext, never returned by the API
    t.string('auth_type', 10).notNullable();
    t.text('secret_encrypted').notNullable();
    t.string('remote_path', 500).notNullable();
    // FTPS: verify the server certificate; SFTP: pinned host key fingerprint (SHA256:...)
    t.boolean('tls_verify').notNullable().defaultTo(true);
    t.string('host_fingerprint', 100).nullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
  });

  await knex.schema.createTable('groups', (t) => {
    t.increments('id').primary();
    t.string('tag', 20).notNullable().unique();
    t.string('name', 100).notNullable();
    t.integer('nfo_template_id').unsigned().nullable().references('id').inTable('nfo_templates').onDelete('SET NULL');
    t.integer('rule_id').unsigned().nullable().references('id').inTable('rules').onDelete('SET NULL');
    t.integer('volume_size_mb').nullable();
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
  });
  await knex.schema.createTable('group_members', (t) => {
    t.integer('group_id').unsigned().notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.integer('user_id').unsigned().notNullable().references('id').inTable('users').onDelete('CASCADE');
    t.primary(['group_id', 'user_id']);
  });
  await knex.schema.createTable('group_destinations', (t) => {
    t.integer('group_id').unsigned().notNullable().references('id').inTable('groups').onDelete('CASCADE');
    t.integer('destination_id').unsigned().notNullable().references('id').inTable('destinations').onDelete('CASCADE');
    t.primary(['group_id', 'destination_id']);
  });

  await knex.schema.alterTable('releases', (t) => {
    t.string('type', 20).notNullable().defaultTo('EBOOK').index();
    t.integer('group_id').unsigned().nullable().references('id').inTable('groups').onDelete('SET NULL');
    t.integer('rule_id').unsigned().nullable().references('id').inTable('rules').onDelete('SET NULL');
    t.integer('nfo_template_id').unsigned().nullable().references('id').inTable('nfo_templates').onDelete('SET NULL');
  });

  await knex.schema.createTable('release_distributions', (t) => {
    t.increments('id').primary();
    t.string('release_id', 36).notNullable().references('id').inTable('releases').onDelete('CASCADE');
    t.integer('destination_id').unsigned().notNullable().references('id').inTable('destinations').onDelete('CASCADE');
    // queued -> uploading -> done | failed
    t.string('state', 20).notNullable();
    t.integer('progress').notNullable().defaultTo(0);
    t.bigInteger('bytes_sent').notNullable().defaultTo(0);
    t.integer('attempts').notNullable().defaultTo(0);
    t.string('verified_by', 20).nullable();
    t.text('error').nullable();
    t.dateTime('created_at').notNullable();
    t.dateTime('updated_at').notNullable();
    t.dateTime('finished_at').nullable();
    t.unique(['release_id', 'destination_id']);
  });

  await knex.schema.createTable('settings', (t) => {
    t.string('key', 100).primary();
    t.string('category', 40).notNullable();
    // Secret settings hold AES-256-GCM ciphertext.
    t.text('value').notNullable();
    t.boolean('secret').notNullable().defaultTo(false);
    t.integer('updated_by').unsigned().nullable().references('id').inTable('users').onDelete('SET NULL');
    t.dateTime('updated_at').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('settings');
  await knex.schema.dropTable('release_distributions');
  await knex.schema.alterTable('releases', (t) => {
    t.dropForeign(['group_id']);
    t.dropForeign(['rule_id']);
    t.dropForeign(['nfo_template_id']);
  });
  await knex.schema.alterTable('releases', (t) => {
    t.dropIndex(['type']);
    t.dropColumns('type', 'group_id', 'rule_id', 'nfo_template_id');
  });
  for (const table of ['group_destinations', 'group_members', 'groups', 'destinations', 'nfo_templates', 'rules', 'role_permissions', 'roles']) {
    await knex.schema.dropTable(table);
  }
}
