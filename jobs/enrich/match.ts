/** Comparing titles and names across sources. */

/** Lower case, no accents or punctuation, subtitle after ':' dropped: "The Hobbit: or There..." -> "the hobbit". */
export function matchKey(text: string | undefined): string {
  return (text ?? '')
    .split(/[:;]/)[0]
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, 'and')
    .replace(/[^a-z0-9]+/g, ' ')
    .replace(/^(the|a|an) /, '')
    .trim();
}

/** The last word of a name, in match form: "Ursula K. Le Guin" -> "guin". */
export const surnameOf = (name: string) => matchKey(name).split(' ').pop() ?? '';

