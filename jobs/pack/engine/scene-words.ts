import { transliterate } from 'transliteration';

const SMALL_WORDS = new Set(['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'with']);

/**
 * Text -> words usable in a scene name: transliterated to ASCII (Fördömda -> Fordomda,
 * Преступление -> Prestuplenie, 日本 -> Riben), '&' read as "and", every other symbol a separator,
 * hyphens inside words kept. All-lower-case words are capitalised except small joining words.
 */
export function sceneWords(text: string | undefined): string[] {
  if (!text) return [];
  const ascii = transliterate(text.normalize('NFC')).replace(/&/g, ' and ').replace(/['’`´]/g, '');
  const words = ascii
    .split(/[^A-Za-z0-9-]+/)
    .map((w) => w.replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-'))
    .filter(Boolean);
  return words.map((word, i) => (word === word.toLowerCase() && (i === 0 || !SMALL_WORDS.has(word)) ? word[0].toUpperCase() + word.slice(1) : word));
}
