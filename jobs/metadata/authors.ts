/**
 * Author lists as real files write them: "A, B and C", "A et B", "A und B", "A y B", "A、B", "A; B",
 * "A & B", and whether a name is a person's or an organisation's ("Developer's Reference Team").
 */
const LIST_SEPARATORS = /\s*(?:;|、|，|&|,|\s(?:and|et|und|y|e|и)\s)\s*/i;
const ORGANISATION = /\b(team|project|group|community|contributors|developers|authors|foundation|society|association|committee|consortium|council|institute|university|press|publishing|publishers|inc|ltd|llc|gmbh|corporation|company|organi[sz]ation|documentation|manual)\b/i;
const NAME_INITIAL = /(^|\s)\p{Lu}\.(\s|$)/u;

/** One list of names split into its names; "Le Guin, Ursula K." (one inverted name) stays one. */
export function splitAuthors(list: string): string[] {
  // A name's original script in brackets ("Osamu Aoki (青木 修)") is not another author. No
  // bracket inside and no leading spaces in the pattern: a scan from every unclosed `(` or every
  // space of a long run to the end made a hostile author field cost seconds.
  const trimmed = list.replace(/[(（][^()（）]*[)）]/g, '').replace(/\s+/g, ' ').trim();
  const commaParts = trimmed.split(',').map((p) => p.trim());
  const otherSeparator = /[;、，&]|\s(and|et|und|y|e|и)\s/i.test(trimmed);
  if (commaParts.length === 2 && !otherSeparator && commaParts[1] && (!commaParts[0].includes(' ') || NAME_INITIAL.test(commaParts[1]))) {
    return [trimmed];
  }
  return trimmed.split(LIST_SEPARATORS).map((n) => n.trim()).filter((n) => n.length > 1);
}

/** Whether a name looks like a person's: two or more words (or a CJK name), no organisation word, not all lower case. */
/** Words of titles and subtitles, never of a name ("An Interactive Plotting Program"). */
const TITLE_WORD = /\b(?:the|an|of|for|to|with|on|from|program|programming|guide|handbook|introduction|reference)\b/i;

export function isPersonalName(name: string): boolean {
  const trimmed = name.trim();
  if (ORGANISATION.test(trimmed) || TITLE_WORD.test(trimmed)) return false;
  if (/^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\s]{2,}$/u.test(trimmed)) return true;
  const words = trimmed.split(/\s+/).length;
  return words >= 2 && words <= 5 && trimmed !== trimmed.toLowerCase() && !/[.!?:]$/.test(trimmed);
}
