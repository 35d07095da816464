import { transliterate } from 'transliteration';
import iconv from 'iconv-lite';
import { romanize } from '../../metadata/romanize';

/** Whether CP437 holds the character, remembered per character: asked for every character of every NFO and DIZ. */
const holds = new Map<string, boolean>();
const inCp437 = (ch: string): boolean => {
  let answer = holds.get(ch);
  if (answer === undefined) {
    answer = iconv.decode(iconv.encode(ch, 'cp437'), 'cp437') === ch;
    holds.set(ch, answer);
  }
  return answer;
};

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
