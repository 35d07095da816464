import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cleanText, EmbeddedMetadata, naturalName, uniqueNonEmpty, yearOf } from '../../lib/domain/embedded-metadata';
import { findIsbns } from '../metadata/isbn';
import { normalizeLanguage } from '../metadata/language';
import { RejectedFileError } from './rejected-file-error';

const run = promisify(execFile);
const TOOL_TIMEOUT_MS = 60_000;
/** ISBNs are often only printed on the first pages (title page, copyright page). */
const PAGES_SEARCHED_FOR_ISBN = 5;

/**
 * PDF metadata through poppler's pdfinfo (info dictionary and XMP; it streams, so memory does
 * not grow with the file) and pdftotext for ISBNs printed on the first pages.
 */
export async function readPdfMetadata(filePath: string): Promise<EmbeddedMetadata> {
  let info: string;
  try {
    info = (await run('pdfinfo', ['-isodates', filePath], { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 })).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('pdfinfo is not installed (Debian package poppler-utils)');
    const stderr = String((err as { stderr?: string }).stderr ?? '').split('\n').find((l) => l.trim()) ?? 'unreadable';
    throw new RejectedFileError(`damaged PDF (${stderr.replace(/\s*\(.*?\)\s*/g, ' ').trim()})`);
  }
  const fields = parseFields(info);
  const xmp = await run('pdfinfo', ['-meta', filePath], { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 })
    .then((r) => r.stdout)
    .catch(() => '');
  const firstPages = await run('pdftotext', ['-f', '1', '-l', String(PAGES_SEARCHED_FOR_ISBN), '-q', filePath, '-'], {
    timeout: TOOL_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  })
    .then((r) => r.stdout)
    .catch(() => '');

  const xmpTitle = cleanText(xmpValue(xmp, 'dc:title'));
  const xmpCreators = xmpValues(xmp, 'dc:creator');
  const date = fields.get('CreationDate');
  const isbn = findIsbns(`${fields.get('Subject') ?? ''} ${fields.get('Keywords') ?? ''} ${xmp} ${firstPages}`)[0];
  const authors = uniqueNonEmpty(
    (xmpCreators.length > 0 ? xmpCreators : (fields.get('Author') ?? '').split(/;|&| and /))
      .map((a) => cleanText(a))
      .map((a) => (a ? naturalName(a) : undefined)),
  );
  return {
    format: 'pdf',
    formatVersion: fields.get('PDF version'),
    title: cleanText(fields.get('Title')) ?? xmpTitle,
    authors,
    publisher: cleanText(xmpValue(xmp, 'dc:publisher')),
    date,
    year: yearOf(date),
    language: normalizeLanguage(xmpValue(xmp, 'dc:language')),
    isbn,
    identifiers: isbn ? [{ type: 'ISBN', value: isbn }] : [],
    description: cleanText(fields.get('Subject')),
    pages: Number(fields.get('Pages')) || undefined,
  };
}

function parseFields(output: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    const match = /^([A-Za-z ]+):\s*(.*)$/.exec(line);
    if (match) fields.set(match[1].trim(), match[2].trim());
  }
  return fields;
}

/** First text of an XMP element, whether written directly or inside rdf:Alt/Seq/Bag <rdf:li>. */
function xmpValue(xmp: string, element: string): string | undefined {
  return xmpValues(xmp, element)[0];
}

function xmpValues(xmp: string, element: string): string[] {
  const block = new RegExp(`<${element}[^>]*>([\\s\\S]*?)</${element}>`).exec(xmp)?.[1];
  if (!block) return [];
  const items = [...block.matchAll(/<rdf:li[^>]*>([\s\S]*?)<\/rdf:li>/g)].map((m) => m[1]);
  return (items.length > 0 ? items : [block]).map((v) => v.replace(/<[^>]+>/g, '').trim()).filter(Boolean);
}
