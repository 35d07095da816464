import type { SettingsRepository } from '../../db/settings-repository';
import type { ProviderKeys } from './providers';

/** The provider keys in force: the environment's, else the ones stored in the configuration. */
export async function providerKeysOf(settings: SettingsRepository): Promise<ProviderKeys> {
  const keys = await settings.effectiveMany(['providers.googleBooksKey', 'providers.omdbKey', 'providers.tmdbKey', 'providers.tvdbKey', 'providers.tvdbPin']);
  return {
    googleBooksKey: keys['providers.googleBooksKey'],
    omdbKey: keys['providers.omdbKey'],
    tmdbKey: keys['providers.tmdbKey'],
    tvdbKey: keys['providers.tvdbKey'],
    tvdbPin: keys['providers.tvdbPin'],
  };
}
