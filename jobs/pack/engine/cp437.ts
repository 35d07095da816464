import { transliterate } from 'transliteration';
import iconv from 'iconv-lite';
import { romanize } from '../../metadata/romanize';

const inCp437 = (ch: string) => iconv.decode(iconv.encode(ch, 'cp437'), 'cp437') === ch;

/**
 * Characters CP437 can hold are kept (box drawing, the Latin-1 letters it has, and a run of Greek
 * or other script only when CP437 has every letter of it); runs of other scripts are romanised by
 * convention (Hepburn, pinyin, Revised Romanization, national Cyrillic systems, ELOT 743), and any
 * character still missing is transliterated.
 */
export function toCp437Text(text: string): string {
  const romanized = romanize(text.normalize('NFC'), { keep: (run) => [...run].every(inCp437) });
  return [...romanized].map((ch) => (inCp437(ch) ? ch : transliterate(ch))).join('');
}

export function encodeCp437(text: string): Buffer {
  return iconv.encode(toCp437Text(text), 'cp437');
}

export function decodeCp437(bytes: Buffer): string {
  return iconv.decode(bytes, 'cp437');
}
