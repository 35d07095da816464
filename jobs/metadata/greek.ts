/**
 * Greek -> Latin after ELOT 743 / ISO 843 (type 2, transcription) without diacritics:
 * η/ι/υ read i/i/y, χ ch, ψ ps, θ th, ου ou, αυ/ευ av/ev (af/ef before voiceless consonants),
 * γγ ng, γκ g at the start of a word, μπ b at the start of a word.
 */
const LETTERS: Record<string, string> = {
  α: 'a', β: 'v', γ: 'g', δ: 'd', ε: 'e', ζ: 'z', η: 'i', θ: 'th', ι: 'i', κ: 'k', λ: 'l', μ: 'm', ν: 'n',
  ξ: 'x', ο: 'o', π: 'p', ρ: 'r', σ: 's', ς: 's', τ: 't', υ: 'y', φ: 'f', χ: 'ch', ψ: 'ps', ω: 'o',
};
const VOICELESS = /^[θκξπσςτφχψ]/;

export const GREEK = /[\u0370-\u03ff\u1f00-\u1fff]/;

export function greekToLatin(text: string): string {
  const plain = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
  let out = '';
  const chars = [...plain];
  for (let i = 0; i < chars.length; i++) {
    const lower = chars[i].toLowerCase();
    const upper = lower !== chars[i];
    const next = (chars[i + 1] ?? '').toLowerCase();
    const wordStart = i === 0 || !/\p{L}/u.test(chars[i - 1]);
    let latin: string | undefined;
    if (lower === 'ο' && next === 'υ') latin = 'ou';
    else if ((lower === 'α' || lower === 'ε') && next === 'υ') latin = `${LETTERS[lower]}${VOICELESS.test((chars[i + 2] ?? '').toLowerCase()) ? 'f' : 'v'}`;
    else if (lower === 'γ' && (next === 'γ' || next === 'κ')) latin = next === 'γ' ? 'ng' : wordStart ? 'g' : 'gk';
    else if (lower === 'μ' && next === 'π' && wordStart) latin = 'b';
    if (latin) i++;
    else latin = LETTERS[lower];
    if (latin === undefined) {
      out += chars[i];
      continue;
    }
    out += upper ? latin[0].toUpperCase() + latin.slice(1) : latin;
  }
  return out;
}
