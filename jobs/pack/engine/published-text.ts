import { decodeCp437, encodeCp437 } from './cp437';
import type { ReleaseFacts } from './release-facts';

/**
 * A text exactly as it will read once published in CP437 (romanised or transliterated wherever
 * CP437 lacks a character): one character per byte, so its length is its width in columns.
 * Layout (padding, centring, wrapping) works on this, never on the text before encoding, whose
 * length can be shorter (a kana is one character, its romanisation two or three).
 */
export function asPublished(text: string): string {
  return decodeCp437(encodeCp437(text));
}

/** The facts with every text a layout prints as it will be published. */
export function publishedFacts(facts: ReleaseFacts): ReleaseFacts {
  const optional = (text: string | undefined) => (text === undefined ? undefined : asPublished(text));
  return {
    ...facts,
    title: asPublished(facts.title),
    subtitle: optional(facts.subtitle),
    authors: facts.authors.map(asPublished),
    publisher: optional(facts.publisher),
    languageName: asPublished(facts.languageName),
    issue: optional(facts.issue),
    isbn: optional(facts.isbn),
    description: optional(facts.description),
    proofUrl: optional(facts.proofUrl),
  };
}
