import { leadingChars } from '../../../lib/domain/embedded-metadata';
import { toAscii } from '../../metadata/romanize';

const SMALL_WORDS = new Set([
  ...['a', 'an', 'and', 'as', 'at', 'by', 'for', 'from', 'in', 'of', 'on', 'or', 'the', 'to', 'with'],
  // Joining words of other languages and Japanese particles, as they appear after romanisation.
  ...['de', 'del', 'la', 'le', 'les', 'du', 'des', 'et', 'y', 'e', 'der', 'die', 'das', 'und', 'von', 'no', 'wa', 'ga', 'ni', 'wo'],
]);

/**
 * The most of a text that words for a name are taken from: four times the longest name the rules
 * allow (243 characters; a romanised character is at least one letter, so only runs of symbols
 * could push a usable word past this). Romanising Japanese or Chinese costs more than its length:
 * a 200,000-character title embedded in a book held the worker for minutes.
 */
const MAX_SOURCE_CHARS = 1_000;

/**
 * Text -> words usable in a scene name: romanised by convention, then ASCII (Fördömda -> Fordomda,
 * Преступление -> Prestuplenie, ノルウェイの森 -> Noruwei no Mori; see jobs/metadata/romanize.ts), '&' read as "and", every other symbol a separator,
 * hyphens inside words kept. All-lower-case words are capitalised except small joining words.
 */
export function sceneWords(text: string | undefined, language?: string): string[] {
  if (!text) return [];
  const ascii = toAscii(leadingChars(text, MAX_SOURCE_CHARS), language).replace(/&/g, ' and ').replace(/['’`´]/g, '');
  const words = ascii
    .split(/[^A-Za-z0-9-]+/)
    .map((w) => w.replace(/^-+|-+$/g, '').replace(/-{2,}/g, '-'))
    .filter(Boolean);
  return words.map((word, i) => (word === word.toLowerCase() && (i === 0 || !SMALL_WORDS.has(word)) ? word[0].toUpperCase() + word.slice(1) : word));
}
