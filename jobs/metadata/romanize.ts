import cyrillicToTranslit from 'cyrillic-to-translit-js';
import { segment, OutputFormat } from 'pinyin-pro';
import { transliterate } from 'transliteration';
import { greekToLatin, GREEK } from './greek';
import { hangulToRevised, HANGUL } from './hangul';
import { KANA, kanaToHepburn } from './hepburn';
import { japaneseTokens } from './japanese-reading';
import { leadingChars } from '../../lib/domain/embedded-metadata';

/**
 * Latin spelling of non-Latin scripts by the convention readers expect:
 *   Japanese: modified Hepburn from kuromoji's readings, one word per morpheme (ノルウェイの森 ->
 *     noruwei no mori); kana alone when the analyser cannot be loaded.
 *   Chinese: Hanyu Pinyin without tones (pinyin-pro), syllables of one word joined (参考手册 -> cankao shouce).
 *   Korean: Revised Romanization. Greek: ELOT 743. Cyrillic: the national systems of
 *   cyrillic-to-translit-js, Ukrainian (2010 passport system) when the text is Ukrainian, else Russian.
 * Han characters are read as Japanese when the language is Japanese or the text has kana.
 */
type Script = 'japanese' | 'han' | 'hangul' | 'cyrillic' | 'greek';

const SCRIPT_RUN = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\u30fc\u3005]+|[\p{Script=Hangul}]+|[\p{Script=Cyrillic}]+|[\p{Script=Greek}]+/gu;
const KATAKANA_WORD = /^[\u30a1-\u30fa\u30fc]+$/;
const INFLECTING = new Set(['動詞', '形容詞', '助動詞']);
const UKRAINIAN_LETTERS = /[ієїґІЄЇҐ]/;
const CHINESE_WORDS = new Intl.Segmenter('zh', { granularity: 'word' });
const russian = cyrillicToTranslit({ preset: 'ru' });
const ukrainian = cyrillicToTranslit({ preset: 'uk' });

export interface RomanizeOptions {
  /** ISO 639-1 language of the text, when known. */
  language?: string;
  /** Runs of one script for which this answers true are kept as written (e.g. those CP437 can hold). */
  keep?: (run: string) => boolean;
}

/** The text with every run of a non-Latin script romanised; everything else is left as it is. */
export function romanize(text: string, options: RomanizeOptions = {}): string {
  const japanese = options.language === 'ja' || KANA.test(text);
  const ukrainianText = options.language === 'uk' || (options.language !== 'ru' && UKRAINIAN_LETTERS.test(text));
  return text.replace(SCRIPT_RUN, (run, offset: number) => {
    if (options.keep?.(run)) return run;
    const latin = romanizeRun(run, scriptOf(run, japanese), ukrainianText);
    const before = text[offset - 1] ?? ' ';
    const after = text[offset + run.length] ?? ' ';
    return `${/[\p{L}\p{N}]/u.test(before) ? ' ' : ''}${latin}${/[\p{L}\p{N}]/u.test(after) ? ' ' : ''}`;
  });
}

/** Plain ASCII: romanised by convention first, then any remaining letter transliterated (é -> e). */
export function toAscii(text: string, language?: string): string {
  return transliterate(romanize(text.normalize('NFC'), { language }));
}

function scriptOf(run: string, japanese: boolean): Script {
  if (HANGUL.test(run)) return 'hangul';
  if (GREEK.test(run)) return 'greek';
  if (/\p{Script=Cyrillic}/u.test(run)) return 'cyrillic';
  return japanese || KANA.test(run) ? 'japanese' : 'han';
}

/**
 * Runs longer than this are romanised a piece at a time: the Japanese analyser's and the Chinese
 * segmenter's cost grows faster than a run's length (a 20,000-character run took seconds), and real
 * text breaks its runs with punctuation or spaces long before this.
 */
const MAX_RUN_CHARS = 256;

function romanizeRun(run: string, script: Script, ukrainianText: boolean): string {
  if (run.length > MAX_RUN_CHARS) {
    const pieces: string[] = [];
    for (let rest = run; rest; ) {
      const piece = leadingChars(rest, MAX_RUN_CHARS);
      pieces.push(romanizeRun(piece, script, ukrainianText));
      rest = rest.slice(piece.length);
    }
    return pieces.join(' ');
  }
  switch (script) {
    case 'hangul':
      return hangulToRevised(run);
    case 'greek':
      return greekToLatin(run);
    case 'cyrillic':
      // BGN/PCGN for Russian: ы and й are y (Косых -> Kosykh, Юрий -> Yuriy); the preset writes i.
      return ukrainianText ? ukrainian.transform(run) : russian.transform(run.replace(/[ыЫйЙ]/g, (c) => (c === c.toLowerCase() ? 'y' : 'Y')));
    case 'han':
      // Words from ICU's dictionary segmenter (pinyin-pro's own segment() reads character by character).
      return [...CHINESE_WORDS.segment(run)]
        .map(({ segment: word }) => segment(word, { toneType: 'none', format: OutputFormat.AllSegment }).map((s: { result: string }) => s.result.replace(/\s+/g, '')).join(''))
        .join(' ');
    case 'japanese':
      return japaneseWords(run).join(' ');
  }
}

function japaneseWords(run: string): string[] {
  const tokens = japaneseTokens(run);
  if (!tokens) return [kanaToHepburn(run)];
  const words: string[] = [];
  let previousPos = '';
  for (const token of tokens) {
    // Katakana words keep their own spelling (ヴァイオリン -> vaiorin); others are read as pronounced.
    const reading = KATAKANA_WORD.test(token.surface) ? token.surface : (token.pronunciation ?? (KANA.test(token.surface) ? token.surface : undefined));
    // Unknown kanji (no reading in the dictionary) fall back to their pinyin-like transliteration.
    const latin = reading ? kanaToHepburn(reading) : transliterate(token.surface).trim();
    if (!latin) continue;
    // Auxiliary verbs belong to the verb or adjective before them (tabe + mashita -> tabemashita).
    if (words.length > 0 && token.pos === '助動詞' && INFLECTING.has(previousPos)) words[words.length - 1] += latin;
    else words.push(latin);
    previousPos = token.pos;
  }
  return words;
}
