import type { Knex } from 'knex';

/** How each group spells its release names (lib/domain/naming-style.ts); defaults are the product's. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('groups', (t) => {
    t.string('author_separator', 3).notNullable().defaultTo('.');
    t.string('tag_case', 5).notNullable().defaultTo('mixed');
    t.string('ebook_tag', 5).notNullable().defaultTo('eBook');
    t.boolean('publisher_first').notNullable().defaultTo(false);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('groups', (t) => {
    t.dropColumn('publisher_first');
    t.dropColumn('ebook_tag');
    t.dropColumn('tag_case');
    t.dropColumn('author_separator');
  });
}
