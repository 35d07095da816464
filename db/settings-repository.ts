import type { Config } from '../lib/config';
import { RUNTIME_SETTINGS, SettingKey } from '../lib/runtime-settings';
import { SecretBox } from '../lib/secret-box';
import { Setting } from './models';

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
    const fromEnv = this.fromEnvironment[key];
    if (fromEnv) return fromEnv;
    const row = await Setting.query().findById(key);
    if (!row) return undefined;
    return row.secret ? this.box.open(row.value) : row.value;
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
