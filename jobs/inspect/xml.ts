import { XMLParser } from 'fast-xml-parser';
import { RejectedFileError } from './rejected-file-error';

type XmlNode = Record<string, unknown>;

/**
 * One parser setup for the package documents we read (OPF, container.xml, ComicInfo.xml):
 * namespace prefixes dropped (opf:metadata, ns0:package, opf:role all read the same), values kept
 * as strings (an ISBN must not become a number), repeated elements always arrays.
 */
const REPEATED = new Set(['title', 'creator', 'contributor', 'identifier', 'date', 'language', 'publisher', 'meta', 'rootfile', 'subject', 'description']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => REPEATED.has(name),
});

/** A DOCTYPE with an internal subset (`<!DOCTYPE x [ ... ]>`), or an entity declared anywhere. */
function declaresEntities(text: string): boolean {
  if (text.includes('<!ENTITY')) return true;
  const doctype = text.indexOf('<!DOCTYPE');
  if (doctype === -1) return false;
  const end = text.indexOf('>', doctype);
  const subset = text.indexOf('[', doctype);
  return subset !== -1 && (end === -1 || subset < end);
}

/**
 * Parses one of a book's XML documents, named by `what` for the reason of a refusal ("the EPUB's
 * package document"). Documents that declare entities are refused before parsing: package
 * documents never need them, and they are how XML attacks work (external entities reading files,
 * parameter entities, exponential or quadratic expansion). Bad XML is a bad file, refused for good
 * in words a user understands; the parser's own message stays out of it.
 */
export function parseXml(buffer: Buffer, what: string): XmlNode {
  const text = buffer.toString('utf8');
  if (declaresEntities(text)) throw new RejectedFileError(`${what} declares entities, which eBooks never need`);
  try {
    return parser.parse(text) as XmlNode;
  } catch {
    throw new RejectedFileError(`${what} is not well-formed XML`);
  }
}

/** Text content of an element parsed as a string or as { '#text': ... }. */
export function textOf(node: unknown): string | undefined {
  if (typeof node === 'string') return node;
  if (typeof node === 'number') return String(node);
  if (node && typeof node === 'object' && '#text' in node) return textOf((node as XmlNode)['#text']);
  return undefined;
}

export function attrOf(node: unknown, name: string): string | undefined {
  if (!node || typeof node !== 'object') return undefined;
  const value = (node as XmlNode)[`@${name}`];
  return typeof value === 'string' ? value : undefined;
}

export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function child(node: unknown, name: string): unknown {
  return node && typeof node === 'object' ? (node as XmlNode)[name] : undefined;
}
