import type { Knex } from 'knex';

/**
 * The release lifecycle: a release may follow (fix) an earlier one, waits in `review` until
 * someone approves it, and its group decides when releases wait (every release, below a
 * confidence, RETAiL without a proof URL).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('releases', (t) => {
    t.string('follows_id', 36).nullable().references('id').inTable('releases').onDelete('SET NULL');
    t.string('follows_name', 255).nullable();
    t.string('follow_up_kind', 10).nullable();
    t.string('follow_up_reason', 500).nullable();
    /** Why the release waits in review (JSON list), cleared when approved. */
    t.text('review_reasons').nullable();
    t.integer('approved_by').unsigned().nullable().references('id').inTable('users').onDelete('SET NULL');
    t.dateTime('approved_at').nullable();
  });
  await knex.schema.alterTable('groups', (t) => {
    t.boolean('approval_required').notNullable().defaultTo(false);
    t.float('confidence_threshold').notNullable().defaultTo(0);
    t.boolean('retail_proof_required').notNullable().defaultTo(true);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('groups', (t) => {
    t.dropColumn('retail_proof_required');
    t.dropColumn('confidence_threshold');
    t.dropColumn('approval_required');
  });
  await knex.schema.alterTable('releases', (t) => {
    t.dropForeign(['approved_by']);
    t.dropForeign(['follows_id']);
  });
  await knex.schema.alterTable('releases', (t) => {
    t.dropColumn('approved_at');
    t.dropColumn('approved_by');
    t.dropColumn('review_reasons');
    t.dropColumn('follow_up_reason');
    t.dropColumn('follow_up_kind');
    t.dropColumn('follows_name');
    t.dropColumn('follows_id');
  });
}
