/**
 * Hangul -> Revised Romanization of Korean (2000), syllable by syllable from the Unicode
 * decomposition, with the rule most titles need: a final consonant before a syllable starting with
 * the silent ㅇ is carried over (한국어 -> hangugeo). Other sound changes are not applied.
 */
const INITIALS = ['g', 'kk', 'n', 'd', 'tt', 'r', 'm', 'b', 'pp', 's', 'ss', '', 'j', 'jj', 'ch', 'k', 't', 'p', 'h'];
const MEDIALS = ['a', 'ae', 'ya', 'yae', 'eo', 'e', 'yeo', 'ye', 'o', 'wa', 'wae', 'oe', 'yo', 'u', 'wo', 'we', 'wi', 'yu', 'eu', 'ui', 'i'];
const FINALS = ['', 'k', 'k', 'k', 'n', 'n', 'n', 't', 'l', 'k', 'm', 'l', 'l', 'l', 'p', 'l', 'm', 'p', 'p', 't', 't', 'ng', 't', 't', 'k', 't', 'p', 't'];
/** A final read as the next syllable's initial (before ㅇ): ㄱ->g, ㄴ->n, ㄹ->r ... */
const CARRIED = ['', 'g', 'kk', 'ks', 'n', 'nj', 'nh', 'd', 'r', 'lg', 'lm', 'lb', 'ls', 'lt', 'lp', 'lh', 'm', 'b', 'ps', 's', 'ss', 'ng', 'j', 'ch', 'k', 't', 'p', 'h'];
const SILENT_INITIAL = 11;
const FIRST = 0xac00;
const LAST = 0xd7a3;

export const HANGUL = /[\uac00-\ud7a3]/;

export function hangulToRevised(text: string): string {
  const chars = [...text];
  let out = '';
  for (let i = 0; i < chars.length; i++) {
    const code = chars[i].codePointAt(0)!;
    if (code < FIRST || code > LAST) {
      out += chars[i];
      continue;
    }
    const index = code - FIRST;
    const final = index % 28;
    const medial = Math.floor(index / 28) % 21;
    const initial = Math.floor(index / 28 / 21);
    const previous = i > 0 ? chars[i - 1].codePointAt(0)! - FIRST : -1;
    const carried = previous >= 0 && previous <= LAST - FIRST && initial === SILENT_INITIAL ? CARRIED[previous % 28] : '';
    const next = chars[i + 1]?.codePointAt(0);
    const nextSilent = next !== undefined && next >= FIRST && next <= LAST && Math.floor((next - FIRST) / 28 / 21) === SILENT_INITIAL;
    out += (carried || INITIALS[initial]) + MEDIALS[medial] + (nextSilent && final !== 21 ? '' : FINALS[final]);
  }
  return out;
}
