import path from 'node:path';
import { cleanText, EmbeddedMetadata, naturalName, stripHtml, uniqueNonEmpty, yearOf } from '../../lib/domain/embedded-metadata';
import { normalizeIsbn } from '../../lib/domain/isbn';
import { normalizeLanguage } from '../metadata/language';
import { RejectedFileError } from './rejected-file-error';
import { asArray, attrOf, child, parseXml, textOf } from './xml';
import type { ZipReader } from './zip-reader';

const MAX_PACKAGE_DOCUMENT_BYTES = 8 * 1024 * 1024;
const AUTHOR_ROLES = new Set(['aut', 'author']);

/** Reads the OPF of an EPUB 2 or 3: container.xml -> rootfile full-path -> package metadata. */
export async function readEpubMetadata(zip: ZipReader): Promise<EmbeddedMetadata> {
  const container = await zip.read('META-INF/container.xml', 1024 * 1024);
  if (!container) throw new RejectedFileError('EPUB without META-INF/container.xml');
  const rootfiles = asArray(child(child(parseXml(container, "the EPUB's container.xml").container, 'rootfiles'), 'rootfile'));
  const opfPath = rootfiles.map((r) => attrOf(r, 'full-path')).find(Boolean);
  if (!opfPath) throw new RejectedFileError('EPUB container.xml names no package document');
  const opf = await zip.read(opfPath, MAX_PACKAGE_DOCUMENT_BYTES).catch(() => undefined);
  if (!opf) throw new RejectedFileError(`EPUB package document ${path.posix.normalize(opfPath)} is missing`);

  const pkg = child(parseXml(opf, "the EPUB's package document"), 'package');
  const metadata = child(pkg, 'metadata');
  if (!metadata) throw new RejectedFileError('EPUB package document has no metadata');
  const metas = asArray(child(metadata, 'meta'));
  const refines = refinementsById(metas);

  const creators = asArray(child(metadata, 'creator')).filter((creator) => {
    const role = attrOf(creator, 'role') ?? refines.get(attrOf(creator, 'id') ?? '')?.get('role');
    return !role || AUTHOR_ROLES.has(role.toLowerCase());
  });
  const authors = uniqueNonEmpty(
    creators.map((c) => {
      const name = cleanText(textOf(c));
      return name ? naturalName(name) : undefined;
    }),
  );

  const identifiers = asArray(child(metadata, 'identifier'))
    .map((node) => {
      const value = cleanText(textOf(node));
      const scheme = attrOf(node, 'scheme') ?? refines.get(attrOf(node, 'id') ?? '')?.get('identifier-type');
      const type = scheme?.toUpperCase() ?? (value && /^urn:isbn:/i.test(value) ? 'ISBN' : value && /^urn:uuid:/i.test(value) ? 'UUID' : 'OTHER');
      return value ? { type: type === '15' ? 'ISBN' : type, value } : undefined;
    })
    .filter((i): i is { type: string; value: string } => Boolean(i));
  const isbn = identifiers.map((i) => (i.type === 'ISBN' || i.type === 'OTHER' ? normalizeIsbn(i.value) : undefined)).find(Boolean);

  const titles = asArray(child(metadata, 'title'));
  const mainTitle = titles.find((t) => refines.get(attrOf(t, 'id') ?? '')?.get('title-type') === 'main') ?? titles[0];
  const subtitle = titles.find((t) => refines.get(attrOf(t, 'id') ?? '')?.get('title-type') === 'subtitle');
  const date = firstText(child(metadata, 'date'));
  const calibre = (name: string) => metas.map((m) => (attrOf(m, 'name') === name ? cleanText(attrOf(m, 'content')) : undefined)).find(Boolean);
  const collection = metas.find((m) => attrOf(m, 'property') === 'belongs-to-collection');

  return {
    format: 'epub',
    formatVersion: attrOf(pkg, 'version'),
    title: cleanText(textOf(mainTitle)),
    subtitle: cleanText(textOf(subtitle)),
    authors,
    publisher: firstText(child(metadata, 'publisher')),
    date,
    year: yearOf(date),
    language: normalizeLanguage(firstText(child(metadata, 'language'))),
    isbn,
    identifiers,
    series: calibre('calibre:series') ?? cleanText(textOf(collection)),
    seriesIndex: calibre('calibre:series_index') ?? refines.get(attrOf(collection, 'id') ?? '')?.get('group-position'),
    description: stripHtml(firstText(child(metadata, 'description'))),
  };
}

function firstText(nodes: unknown): string | undefined {
  return asArray(nodes)
    .map((n) => cleanText(textOf(n)))
    .find(Boolean);
}

/** EPUB 3 `<meta refines="#id" property="role">aut</meta>`, as id -> property -> value. */
function refinementsById(metas: unknown[]): Map<string, Map<string, string>> {
  const byId = new Map<string, Map<string, string>>();
  for (const meta of metas) {
    const target = attrOf(meta, 'refines');
    const property = attrOf(meta, 'property');
    const value = textOf(meta);
    if (!target || !property || value === undefined) continue;
    const id = target.replace(/^#/, '');
    if (!byId.has(id)) byId.set(id, new Map());
    byId.get(id)!.set(property.replace(/^[a-z]+:/, ''), value.trim());
  }
  return byId;
}
