import type { Model, ModelClass, Transaction } from 'objection';
import type { Config } from '../lib/config';
import { ConflictError, NotFoundError, UnprocessableError } from '../lib/errors';
import { RUNTIME_SETTINGS, RuntimeSetting, SettingKey } from '../lib/runtime-settings';
import { SecretBox } from '../lib/secret-box';
import { NfoTemplate, Rule, Setting } from './models';

type NamedTable = NonNullable<RuntimeSetting['names']>;
const NAMED: Record<NamedTable, { model: ModelClass<Model>; what: string }> = {
  rules: { model: Rule, what: 'Rule' },
  nfo_templates: { model: NfoTemplate, what: 'NFO template' },
};

export interface SettingView {
  key: SettingKey;
  category: string;
  description: string;
  secret: boolean;
  /** Where the effective value comes from: the environment wins over the database. */
  source: 'environment' | 'database' | 'unset';
  /** Secret values are never shown; only whether one is set. */
  value: string | null;
  updatedAt: Date | null;
}

/** Runtime settings in the `settings` table, secret ones sealed with the credentials key. */
export class SettingsRepository {
  private readonly box: SecretBox;
  /** Values set in the environment (read once, with the rest of the config). */
  private readonly fromEnvironment: Partial<Record<SettingKey, string>>;

  constructor(config: Pick<Config, 'secrets' | 'providers'>) {
    this.box = new SecretBox(config.secrets);
    const { googleBooksKey, omdbKey, tmdbKey, tvdbKey, tvdbPin } = config.providers;
    this.fromEnvironment = {
      'providers.googleBooksKey': googleBooksKey,
      'providers.omdbKey': omdbKey,
      'providers.tmdbKey': tmdbKey,
      'providers.tvdbKey': tvdbKey,
      'providers.tvdbPin': tvdbPin,
    };
  }

  async list(): Promise<SettingView[]> {
    const stored = new Map((await Setting.query()).map((s) => [s.key, s]));
    return (Object.keys(RUNTIME_SETTINGS) as SettingKey[]).map((key) => this.view(key, stored.get(key)));
  }

  async get(key: SettingKey): Promise<SettingView> {
    return this.view(key, await Setting.query().findById(key));
  }

  async set(key: SettingKey, value: string, userId: number): Promise<SettingView> {
    const { category, secret } = RUNTIME_SETTINGS[key];
    const row = { category, secret, value: secret ? this.box.seal(value) : value, updatedBy: userId, updatedAt: new Date() };
    await Setting.transaction(async (trx) => {
      await assertNamedRowExists(key, value, trx);
      const updated = await Setting.query(trx).patch(row).where({ key });
      if (updated === 0) await Setting.query(trx).insert({ key, ...row });
    });
    return this.get(key);
  }

  async unset(key: SettingKey): Promise<void> {
    await Setting.query().deleteById(key);
  }

  /** The value in force: the environment variable if set, else the stored (decrypted) value. */
  async effective(key: SettingKey): Promise<string | undefined> {
    return (await this.effectiveMany([key]))[key];
  }

  /** The values in force of several keys, the stored ones read in one query. */
  async effectiveMany<K extends SettingKey>(keys: readonly K[]): Promise<Record<K, string | undefined>> {
    const values = {} as Record<K, string | undefined>;
    const stored: K[] = [];
    for (const key of keys) {
      values[key] = this.fromEnvironment[key] || undefined;
      if (!values[key]) stored.push(key);
    }
    if (stored.length === 0) return values;
    for (const row of await Setting.query().whereIn('key', stored)) {
      values[row.key as K] = row.secret ? this.box.open(row.value) : row.value;
    }
    return values;
  }

  private view(key: SettingKey, row: Setting | undefined): SettingView {
    const { category, secret, description } = RUNTIME_SETTINGS[key];
    const source = this.fromEnvironment[key] ? 'environment' : row ? 'database' : 'unset';
    return {
      key,
      category,
      description,
      secret,
      source,
      value: secret || source !== 'database' ? null : row!.value,
      updatedAt: row?.updatedAt ?? null,
    };
  }
}

/**
 * A setting that names a row (RuntimeSetting.names) must name one that exists: 422
 * UNKNOWN_REFERENCE otherwise. The row is locked until the setting is stored (MariaDB; SQLite
 * writes one at a time), so a delete running at the same moment waits and then sees the setting.
 */
async function assertNamedRowExists(key: SettingKey, value: string, trx: Transaction): Promise<void> {
  const table = (RUNTIME_SETTINGS[key] as RuntimeSetting).names;
  if (!table) return;
  const { model, what } = NAMED[table];
  if (!(await model.query(trx).findById(Number(value)).forUpdate())) {
    throw new UnprocessableError(`${key} names ${what} ${value}, which does not exist`, 'UNKNOWN_REFERENCE', { field: key, missing: [Number(value)] });
  }
}

/**
 * Deletes a rule or NFO template unless a setting names it: a default is chosen on purpose and
 * applies to every release that names none, so deleting what it names must not silently change
 * how later releases are packed (409 IN_USE_AS_DEFAULT, naming the settings to change first).
 * The row is locked first, as a set locks it, so the two cannot interleave.
 */
export async function deleteUnlessNamedBySetting(table: NamedTable, id: number): Promise<void> {
  const { model, what } = NAMED[table];
  await Setting.transaction(async (trx) => {
    const row = await model.query(trx).findById(id).forUpdate();
    if (!row) throw new NotFoundError(`${what} ${id}`);
    const keys = (Object.keys(RUNTIME_SETTINGS) as SettingKey[]).filter((key) => (RUNTIME_SETTINGS[key] as RuntimeSetting).names === table);
    const naming = (await Setting.query(trx).whereIn('key', keys).where({ value: String(id) }).forUpdate()).map((s) => s.key);
    if (naming.length) {
      throw new ConflictError(`${what} ${id} is the default named by ${naming.join(', ')}; set another or unset it first`, 'IN_USE_AS_DEFAULT', { settings: naming });
    }
    await model.query(trx).deleteById(id);
  });
}
