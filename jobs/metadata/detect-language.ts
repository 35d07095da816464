import { detectAll } from 'tinyld';

/**
 * The language of a text sample, for books that declare none. tinyld was chosen after comparing
 * it with franc-min and eld on the corpus' first pages (test/corpus/SOURCES.md): tinyld and franc
 * agreed on every book, eld is ESM-only with an asynchronous dictionary load; tinyld answers
 * ISO 639-1 codes directly, with a score. Scripts settle it first where they can: kana means
 * Japanese, Hangul Korean, and Han characters making up much of the text Chinese.
 */
export interface DetectedLanguage {
  language: string;
  /** 0..1 */
  confidence: number;
}

const MIN_LETTERS = 20;

export function detectLanguage(sample: string): DetectedLanguage | undefined {
  const letters = sample.match(/\p{L}/gu) ?? [];
  if (letters.length < MIN_LETTERS) return undefined;
  const share = (pattern: RegExp) => (sample.match(pattern) ?? []).length / letters.length;
  const kana = share(/[\p{Script=Hiragana}\p{Script=Katakana}]/gu);
  const han = share(/\p{Script=Han}/gu);
  const hangul = share(/\p{Script=Hangul}/gu);
  if (kana > 0.05) return { language: 'ja', confidence: round(Math.min(1, 0.6 + kana + han)) };
  if (hangul > 0.2) return { language: 'ko', confidence: round(Math.min(1, 0.5 + hangul)) };
  if (han > 0.2) return { language: 'zh', confidence: round(Math.min(1, 0.5 + han)) };
  const [best] = detectAll(sample.slice(0, 5000));
  return best ? { language: best.lang, confidence: round(best.accuracy) } : undefined;
}

const round = (n: number) => Math.round(n * 100) / 100;
