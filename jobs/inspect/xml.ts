import { XMLParser } from 'fast-xml-parser';

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

export function parseXml(buffer: Buffer): XmlNode {
  return parser.parse(buffer.toString('utf8')) as XmlNode;
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
