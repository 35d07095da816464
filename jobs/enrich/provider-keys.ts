import type { SettingsRepository } from '../../db/settings-repository';
import type { ProviderKeys } from './providers';

/** The provider keys in force: the environment's, else the ones stored in the configuration. */
export async function providerKeysOf(settings: SettingsRepository): Promise<ProviderKeys> {
  return {
    googleBooksKey: await settings.effective('providers.googleBooksKey'),
    omdbKey: await settings.effective('providers.omdbKey'),
    tmdbKey: await settings.effective('providers.tmdbKey'),
    tvdbKey: await settings.effective('providers.tvdbKey'),
    tvdbPin: await settings.effective('providers.tvdbPin'),
  };
}
