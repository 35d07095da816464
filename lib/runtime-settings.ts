import { z } from 'zod';
import { idText } from './strict-numbers';

export interface RuntimeSetting {
  category: 'providers' | 'pack';
  /** Stored encrypted and never shown back. */
  secret: boolean;
  /** Environment variable that, when set, wins over the stored value. */
  env?: string;
  schema: z.ZodType<string, z.ZodTypeDef, unknown>;
  description: string;
  /** The table whose row the value is the id of: setting a missing id is refused, and so is deleting the row it names. */
  names?: 'rules' | 'nfo_templates';
}

// Keys travel in HTTP headers and query strings: printable ASCII only, no blanks or control characters.
const apiKey = z.string().trim().min(1).max(500).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without blanks');
// An id as a JSON number or digits; `1e308`, `1.5` or `0x1` are refused, not stored.
const id = z.union([z.number(), z.string()]).pipe(z.coerce.string().pipe(idText)).transform(String);

/** Every setting an admin can change at run time; anything else is refused. */
export const RUNTIME_SETTINGS = {
  'providers.googleBooksKey': { category: 'providers', secret: true, env: 'GOOGLE_BOOKS_API_KEY', schema: apiKey, description: 'Google Books API key' },
  'providers.omdbKey': { category: 'providers', secret: true, env: 'OMDB_API_KEY', schema: apiKey, description: 'OMDb API key' },
  'providers.tmdbKey': { category: 'providers', secret: true, env: 'TMDB_API_KEY', schema: apiKey, description: 'TMDB v3 key or v4 token' },
  'providers.tvdbKey': { category: 'providers', secret: true, env: 'TVDB_API_KEY', schema: apiKey, description: 'TheTVDB v4 API key' },
  'providers.tvdbPin': { category: 'providers', secret: true, env: 'TVDB_PIN', schema: apiKey, description: 'TheTVDB subscriber PIN' },
  'pack.defaultRuleId': { category: 'pack', secret: false, schema: id, names: 'rules', description: 'Rule releases are packed against when neither the request nor the group names one' },
  'pack.defaultTemplateId': { category: 'pack', secret: false, schema: id, names: 'nfo_templates', description: 'NFO template used when neither the request nor the group names one' },
} satisfies Record<string, RuntimeSetting>;

export type SettingKey = keyof typeof RUNTIME_SETTINGS;

export function isSettingKey(key: string): key is SettingKey {
  return Object.hasOwn(RUNTIME_SETTINGS, key);
}
