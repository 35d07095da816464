/**
 * Kana -> modified Hepburn without macrons (the spelling of "Tokyo", "Shinjuku", "Jeiku"):
 * シ shi, チ chi, ツ tsu, フ fu, ジ/ヂ ji, ズ/ヅ zu, ン n (n' before a vowel or y), small ッ doubles
 * the next consonant (tch before ch), ー is dropped, and the extended katakana of loanwords
 * (ジェ je, ファ fa, ティ ti, ウィ wi, ヴ vu) are read as one sound.
 */
const SINGLE: Record<string, string> = {
  ア: 'a', イ: 'i', ウ: 'u', エ: 'e', オ: 'o',
  カ: 'ka', キ: 'ki', ク: 'ku', ケ: 'ke', コ: 'ko', ガ: 'ga', ギ: 'gi', グ: 'gu', ゲ: 'ge', ゴ: 'go',
  サ: 'sa', シ: 'shi', ス: 'su', セ: 'se', ソ: 'so', ザ: 'za', ジ: 'ji', ズ: 'zu', ゼ: 'ze', ゾ: 'zo',
  タ: 'ta', チ: 'chi', ツ: 'tsu', テ: 'te', ト: 'to', ダ: 'da', ヂ: 'ji', ヅ: 'zu', デ: 'de', ド: 'do',
  ナ: 'na', ニ: 'ni', ヌ: 'nu', ネ: 'ne', ノ: 'no',
  ハ: 'ha', ヒ: 'hi', フ: 'fu', ヘ: 'he', ホ: 'ho', バ: 'ba', ビ: 'bi', ブ: 'bu', ベ: 'be', ボ: 'bo',
  パ: 'pa', ピ: 'pi', プ: 'pu', ペ: 'pe', ポ: 'po',
  マ: 'ma', ミ: 'mi', ム: 'mu', メ: 'me', モ: 'mo', ヤ: 'ya', ユ: 'yu', ヨ: 'yo',
  ラ: 'ra', リ: 'ri', ル: 'ru', レ: 're', ロ: 'ro', ワ: 'wa', ヰ: 'i', ヱ: 'e', ヲ: 'o', ン: 'n', ヴ: 'vu',
  ァ: 'a', ィ: 'i', ゥ: 'u', ェ: 'e', ォ: 'o', ャ: 'ya', ュ: 'yu', ョ: 'yo', ヮ: 'wa', ヵ: 'ka', ヶ: 'ke',
};

const DIGRAPHS: Record<string, string> = {
  キャ: 'kya', キュ: 'kyu', キョ: 'kyo', ギャ: 'gya', ギュ: 'gyu', ギョ: 'gyo',
  シャ: 'sha', シュ: 'shu', ショ: 'sho', シェ: 'she', ジャ: 'ja', ジュ: 'ju', ジョ: 'jo', ジェ: 'je',
  チャ: 'cha', チュ: 'chu', チョ: 'cho', チェ: 'che', ヂャ: 'ja', ヂュ: 'ju', ヂョ: 'jo',
  ニャ: 'nya', ニュ: 'nyu', ニョ: 'nyo', ヒャ: 'hya', ヒュ: 'hyu', ヒョ: 'hyo',
  ビャ: 'bya', ビュ: 'byu', ビョ: 'byo', ピャ: 'pya', ピュ: 'pyu', ピョ: 'pyo',
  ミャ: 'mya', ミュ: 'myu', ミョ: 'myo', リャ: 'rya', リュ: 'ryu', リョ: 'ryo',
  ファ: 'fa', フィ: 'fi', フェ: 'fe', フォ: 'fo', フュ: 'fyu',
  ティ: 'ti', ディ: 'di', トゥ: 'tu', ドゥ: 'du', テュ: 'tyu', デュ: 'dyu',
  ウィ: 'wi', ウェ: 'we', ウォ: 'wo', ツァ: 'tsa', ツィ: 'tsi', ツェ: 'tse', ツォ: 'tso',
  ヴァ: 'va', ヴィ: 'vi', ヴェ: 've', ヴォ: 'vo', イェ: 'ye', スィ: 'si', ズィ: 'zi',
};

const HIRAGANA = /[\u3041-\u3096]/g;
export const KANA = /[\u3041-\u3096\u30a1-\u30fa\u30fc]/;

export function toKatakana(text: string): string {
  return text.replace(HIRAGANA, (ch) => String.fromCharCode(ch.charCodeAt(0) + 0x60));
}

/** Hepburn for a kana string; characters that are not kana pass through unchanged. */
export function kanaToHepburn(text: string): string {
  const kana = [...toKatakana(text)];
  let out = '';
  let doubleNext = false;
  for (let i = 0; i < kana.length; i++) {
    const pair = kana[i] + (kana[i + 1] ?? '');
    let syllable = DIGRAPHS[pair];
    if (syllable) i++;
    else syllable = kana[i] === 'ー' ? '' : SINGLE[kana[i]];
    if (kana[i] === 'ッ') {
      doubleNext = true;
      continue;
    }
    if (syllable === undefined) {
      out += kana[i];
      doubleNext = false;
      continue;
    }
    if (doubleNext && syllable) syllable = syllable.startsWith('ch') ? `t${syllable}` : `${syllable[0]}${syllable}`;
    doubleNext = false;
    if (syllable === 'n') {
      const next = SINGLE[kana[i + 1] ?? ''] ?? '';
      if (/^[aeiouy]/.test(next)) syllable = "n'";
    }
    out += syllable;
  }
  return out;
}
