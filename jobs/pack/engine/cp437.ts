import { transliterate } from 'transliteration';
import iconv from 'iconv-lite';
import { romanize } from '../../metadata/romanize';

/** The 256 characters CP437 holds (each of its bytes decoded). */
const CP437_CHARS = [...decodeCp437(Buffer.from(Array.from({ length: 256 }, (_, byte) => byte)))];
const HELD = new Set(CP437_CHARS);
/**
 * Any one character CP437 lacks: a text without one is CP437's characters alone, found by one
 * regular expression search instead of a walk through its characters. A search for one character,
 * not a match of the whole text against `^[...]*$`: that pattern's backtracking grows with the text
 * and overflowed the stack on a text of some millions of characters with one character CP437 lacks
 * near its end (RangeError: Maximum call stack size exceeded).
 */
const NOT_CP437_CLASS = `[^${CP437_CHARS.map((ch) => `\\u{${ch.codePointAt(0)!.toString(16)}}`).join('')}]`;
const NOT_CP437 = new RegExp(NOT_CP437_CLASS, 'u');
const EACH_NOT_CP437 = new RegExp(NOT_CP437_CLASS, 'gu');
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
  if (!NOT_CP437.test(composed)) return composed;
  const romanized = romanize(composed, { keep: (run) => [...run].every(inCp437) });
  return romanized.replace(EACH_NOT_CP437, transliterated);
}

/**
 * transliterate costs tens of microseconds a call: a text of a million € signs took most of a
 * minute. Each character's answer is remembered, up to a bound (a text can hold many distinct ones).
 */
const TRANSLITERATED = new Map<string, string>();
const MAX_REMEMBERED = 10_000;

function transliterated(ch: string): string {
  let latin = TRANSLITERATED.get(ch);
  if (latin === undefined) {
    latin = transliterate(ch);
    if (TRANSLITERATED.size < MAX_REMEMBERED) TRANSLITERATED.set(ch, latin);
  }
  return latin;
}

export function encodeCp437(text: string): Buffer {
  return iconv.encode(toCp437Text(text), 'cp437');
}

export function decodeCp437(bytes: Buffer): string {
  return iconv.decode(bytes, 'cp437');
}
