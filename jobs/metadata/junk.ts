import { cleanText } from '../../lib/domain/embedded-metadata';

/**
 * Metadata that word processors and generators leave behind instead of a real value:
 * "Microsoft Word - thesis.doc", file names, generator prefixes ("SiSU: - Title"), template
 * markers ("[FAMILY Given]"), package slugs ("developers-reference"), e-mail addresses, "untitled", "unknown", "Document1".
 */
const GENERATOR_PREFIX = /^(?:(?:Microsoft\s+)?(?:Word|PowerPoint|Excel|Office)\s*-\s*|SiSU:?\s*-\s*|untitled\s*-\s*)/i;
const FILE_NAME = /^[^\s/\\]*[\w-]\.(?:docx?|odt|rtf|txt|tex|dvi|ps|pdf|indd|qxd|pages|html?|xml|md)$|^[A-Za-z]:\\|^\//i;
const TEMPLATE_MARKER = /\[(?:FAMILY|GIVEN|SURNAME|FIRSTNAME|AUTHOR|NAME|TITLE)[^\]]*\]|\$\{[^}]*\}|\{\{[^}]*\}\}/i;
/** A package or file slug standing in for a title: "developers-reference", "debian_handbook". */
const SLUG = /^[a-z0-9]+(?:[-_][a-z0-9]+)+$/;
const PLACEHOLDER = /^(?:untitled\d*|unknown|no title|document\d*|title|author|anonymous|user|admin(?:istrator)?|owner|default|slide \d+|\d+)$/i;

/** The value with generator prefixes removed, or undefined when nothing real is left. */
export function meaningful(value: string | undefined): string | undefined {
  const text = cleanText(value?.replace(GENERATOR_PREFIX, ''));
  if (!text) return undefined;
  if (FILE_NAME.test(text) || TEMPLATE_MARKER.test(text) || SLUG.test(text) || PLACEHOLDER.test(text) || !/\p{L}/u.test(text)) return undefined;
  return text;
}
