/** How a group spells its release names (stored on the group; every field has the product's default). */
export const AUTHOR_SEPARATORS = ['.', '.-.'] as const;
export const TAG_CASES = ['mixed', 'upper'] as const;
export const EBOOK_TAGS = ['eBook', 'eBOOK'] as const;

export interface NamingStyle {
  /** Between author (or publisher) and title: `Author.Title` or `Author.-.Title`. */
  authorSeparator: (typeof AUTHOR_SEPARATORS)[number];
  /** `mixed`: RETAiL, FRENCH, ePub, MAGAZiNE; `upper`: RETAIL, FRENCH, EPUB, MAGAZINE. */
  tagCase: (typeof TAG_CASES)[number];
  /** The word before the group: `eBook-GRP` or `eBOOK-GRP`. */
  ebookTag: (typeof EBOOK_TAGS)[number];
  /** Put the publisher first even when the book has a personal author (rule 5.5 does it for technical books without one). */
  publisherFirst: boolean;
}

export const DEFAULT_NAMING_STYLE: NamingStyle = { authorSeparator: '.', tagCase: 'mixed', ebookTag: 'eBook', publisherFirst: false };

/** Book kinds named by rules 5.1-5.3; `book` is everything else. */
export const BOOK_KINDS = ['book', 'magazine', 'comic', 'manga'] as const;
export type BookKind = (typeof BOOK_KINDS)[number];
