import type { Knex } from 'knex';
import * as m001 from './001_users_and_tokens';
import * as m002 from './002_pipeline';
import * as m003 from './003_release_management';
import * as m004 from './004_release_name_owner';
import * as m005 from './005_group_naming_style';
import * as m006 from './006_release_lifecycle';
import * as m007 from './007_release_zip_prefixes';
import * as m008 from './008_release_list_indexes';
import * as m009 from './009_watch_folders';
import * as m010 from './010_notification_webhooks';
import * as m011 from './011_release_upload_indexes';
import * as m012 from './012_release_owner_list_index';
import * as m013 from './013_release_book_keys';

interface Migration {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Migrations are listed here rather than discovered on disk, so the same list runs from the
 * TypeScript sources (tests) and from the compiled dist/ (production) on SQLite and MySQL alike.
 */
const MIGRATIONS: Record<string, Migration> = {
  '001_users_and_tokens': m001,
  '002_pipeline': m002,
  '003_release_management': m003,
  '004_release_name_owner': m004,
  '005_group_naming_style': m005,
  '006_release_lifecycle': m006,
  '007_release_zip_prefixes': m007,
  '008_release_list_indexes': m008,
  '009_watch_folders': m009,
  '010_notification_webhooks': m010,
  '011_release_upload_indexes': m011,
  '012_release_owner_list_index': m012,
  '013_release_book_keys': m013,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(MIGRATIONS),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS[name],
};
