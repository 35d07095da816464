import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/**
 * Readings of Japanese text through kuromoji's morphological analyser and the IPA dictionary it
 * ships in its npm package (no network). The dictionary (18 MB gzipped) is loaded once per process
 * on first use, synchronously (about 1.5 s and 250 MB of memory), so naming and CP437 encoding can
 * stay synchronous; processes that never see Japanese text never load it.
 */
export interface JapaneseToken {
  surface: string;
  /** Katakana pronunciation (は as particle -> ワ, 東京 -> トーキョー); absent for unknown words. */
  pronunciation?: string;
  /** Part of speech (IPA tag set: 名詞, 助詞, 助動詞, 記号 ...). */
  pos: string;
}

interface KuromojiToken {
  surface_form: string;
  pos: string;
  pronunciation?: string;
}
interface Tokenizer {
  tokenize(text: string): KuromojiToken[];
}

let tokenizer: Tokenizer | null | undefined;

function loadTokenizer(): Tokenizer | null {
  try {
    const dicPath = path.join(path.dirname(require.resolve('kuromoji/package.json')), 'dict');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Loader = require('kuromoji/src/loader/NodeDictionaryLoader.js');
    // Read the dictionary synchronously: the builder then calls back before build() returns.
    Loader.prototype.loadArrayBuffer = (file: string, done: (err: Error | null, buffer?: ArrayBuffer) => void) => {
      let bytes: Buffer;
      try {
        bytes = zlib.gunzipSync(fs.readFileSync(file));
      } catch (err) {
        return done(err as Error);
      }
      done(null, new Uint8Array(bytes).buffer);
    };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const kuromoji = require('kuromoji');
    let built: Tokenizer | null = null;
    kuromoji.builder({ dicPath }).build((err: Error | null, t: Tokenizer) => {
      built = err ? null : t;
    });
    return built;
  } catch {
    return null;
  }
}

/** Tokens of the text, or undefined when the analyser cannot be loaded (kana are then read alone). */
export function japaneseTokens(text: string): JapaneseToken[] | undefined {
  if (tokenizer === undefined) tokenizer = loadTokenizer();
  if (!tokenizer) return undefined;
  return tokenizer.tokenize(text).map((t) => ({
    surface: t.surface_form,
    pronunciation: t.pronunciation && t.pronunciation !== '*' ? t.pronunciation : undefined,
    pos: t.pos,
  }));
}
