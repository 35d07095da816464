import path from 'node:path';
import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { meaningful } from '../metadata/junk';
import type { ZipReader } from './zip-reader';
import { escapeRegExp } from '../../lib/escape-regexp';

const MAX_DOCUMENT_BYTES = 4 * 1024 * 1024;
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&apos;': "'", '&#39;': "'", '&#x27;': "'" };

/**
 * An EPUB whose package document carries a slug or placeholder for its title (Sphinx writes
 * "developers-reference") is named by the first heading of its first spine document, where the
 * reader sees the title ("Debian Developer's Reference"). Read with patterns, not a parser: any
 * trouble leaves the metadata as it was.
 */
export async function withTitlePageTitle(metadata: EmbeddedMetadata, zip: ZipReader): Promise<EmbeddedMetadata> {
  const declared = meaningful(metadata.title);
  if (declared) return metadata;
  const printed = await firstHeading(zip).catch(() => undefined);
  return { ...metadata, title: printed ?? declared };
}

async function firstHeading(zip: ZipReader): Promise<string | undefined> {
  const container = (await zip.read('META-INF/container.xml', 1024 * 1024))?.toString('utf8') ?? '';
  const opfPath = /full-path\s*=\s*"([^"]+)"/.exec(container)?.[1];
  const opf = opfPath && (await zip.read(opfPath, MAX_DOCUMENT_BYTES))?.toString('utf8');
  if (!opfPath || !opf) return undefined;
  const firstId = /<(?:\w+:)?itemref\b[^>]*\bidref\s*=\s*"([^"]+)"/.exec(opf)?.[1];
  const item = [...opf.matchAll(/<(?:\w+:)?item\b[^>]*>/g)].map((m) => m[0]).find((tag) => new RegExp(`\\bid\\s*=\\s*"${escapeRegExp(firstId ?? '')}"`).test(tag));
  const href = item && /\bhref\s*=\s*"([^"]+)"/.exec(item)?.[1];
  if (!href) return undefined;
  const document = (await zip.read(path.posix.join(path.posix.dirname(opfPath), decodeURIComponent(href)), MAX_DOCUMENT_BYTES))?.toString('utf8') ?? '';
  const heading = /<h1\b[^>]*>([\s\S]*?)<\/h1>/i.exec(document)?.[1] ?? /<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(document)?.[1];
  const text = heading?.replace(/<[^>]+>/g, '').replace(/&#?\w+;/g, (e) => ENTITIES[e] ?? '').replace(/[¶#]\s*$/, '');
  return meaningful(text);
}
