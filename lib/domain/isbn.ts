/** ISBN-10/13 validation by check digit, and conversion to ISBN-13. */

const digitsOf = (raw: string) => raw.replace(/^urn:isbn:/i, '').replace(/^isbn(-1[03])?:?/i, '').replace(/[\s-]/g, '').toUpperCase();

export function isValidIsbn10(isbn: string): boolean {
  if (!/^\d{9}[\dX]$/.test(isbn)) return false;
  const sum = [...isbn].reduce((acc, ch, i) => acc + (ch === 'X' ? 10 : Number(ch)) * (10 - i), 0);
  return sum % 11 === 0;
}

function isbn13CheckDigit(first12: string): number {
  const sum = [...first12].reduce((acc, ch, i) => acc + Number(ch) * (i % 2 === 0 ? 1 : 3), 0);
  return (10 - (sum % 10)) % 10;
}

export function isValidIsbn13(isbn: string): boolean {
  return /^97[89]\d{10}$/.test(isbn) && isbn13CheckDigit(isbn.slice(0, 12)) === Number(isbn[12]);
}

/** The ISBN-13 form of a valid ISBN-10 or ISBN-13 (hyphens, spaces and urn:isbn: allowed), else undefined. */
export function normalizeIsbn(raw: string | undefined | null): string | undefined {
  if (!raw) return undefined;
  const isbn = digitsOf(raw);
  if (isValidIsbn13(isbn)) return isbn;
  if (isValidIsbn10(isbn)) {
    const first12 = `978${isbn.slice(0, 9)}`;
    return `${first12}${isbn13CheckDigit(first12)}`;
  }
  return undefined;
}

/** The ISBN-10 form, for ISBN-13s in the 978 range. */
export function toIsbn10(isbn13: string): string | undefined {
  if (!isValidIsbn13(isbn13) || !isbn13.startsWith('978')) return undefined;
  const core = isbn13.slice(3, 12);
  const sum = [...core].reduce((acc, ch, i) => acc + Number(ch) * (10 - i), 0);
  const check = (11 - (sum % 11)) % 11;
  return `${core}${check === 10 ? 'X' : check}`;
}

/** Every valid ISBN found in free text (title pages, PDF subjects), as ISBN-13, in order. */
export function findIsbns(text: string): string[] {
  const found = new Set<string>();
  const candidates = text.match(/(?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx]/g) ?? [];
  for (const candidate of candidates) {
    const isbn = normalizeIsbn(candidate);
    if (isbn) found.add(isbn);
  }
  return [...found];
}
