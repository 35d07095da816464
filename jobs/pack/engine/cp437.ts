import { transliterate } from 'transliteration';
import iconv from 'iconv-lite';
import { romanize } from '../../metadata/romanize';

/** The 256 characters CP437 holds (each of its bytes decoded). */
const CP437_CHARS = [...decodeCp437(Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)))];
const HELD = new Set(CP437_CHARS);
/** A text of CP437's characters alone: one regular expression test instead of a walk through its characters. */
const ONLY_CP437 = new RegExp(`^[${CP437_CHARS.map((ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`).join('')}]*$`, 'u');
const inCp437 = (ch: string): boolean => HELD.has(ch);

/**
 * Characters CP437 can hold are kept (box drawing, the Latin-1 letters it has, and a run of Greek
 * or other script only when CP437 has every letter of it); runs of other scripts are romanised by
 * convention (Hepburn, pinyin, Revised Romanization, national Cyrillic systems, ELOT 743), and any
 * character still missing is transliterated.
 */
export function toCp437Text(text: string): string {
  const composed = text.normalize('NFC');
  // Most NFOs and DIZes need nothing changed (asked several times for each release planned).
  if (ONLY_CP437.test(composed)) return composed;
  const romanized = romanize(composed, { keep: (run) => [...run].every(inCp437) });
  return [...romanized].map((ch) => (inCp437(ch) ? ch : transliterate(ch))).join('');
}

export function encodeCp437(text: string): Buffer {
  return iconv.encode(toCp437Text(text), 'cp437');
}

export function decodeCp437(bytes: Buffer): string {
  return iconv.decode(bytes, 'cp437');
}
