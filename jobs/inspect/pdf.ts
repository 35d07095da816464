import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cleanText, EmbeddedMetadata, naturalName, uniqueNonEmpty, withoutTags, yearOf } from '../../lib/domain/embedded-metadata';
import { isPersonalName, splitAuthors } from '../metadata/authors';
import { detectLanguage } from '../metadata/detect-language';
import { findIsbns } from '../../lib/domain/isbn';
import { meaningful } from '../metadata/junk';
import { normalizeLanguage } from '../metadata/language';
import { copyrightHolders, fullerTitle, printedLines, printedYear, titlePageOf } from './pdf-title-page';
import { RejectedFileError } from './rejected-file-error';

const run = promisify(execFile);
const TOOL_TIMEOUT_MS = 60_000;
/** ISBNs, dates and copyright lines are printed on the first pages; the language is read from them too. */
const PAGES_READ = 8;
const MAX_COMPLAINT_CHARS = 300;

/**
 * What poppler's pdfinfo says of a PDF (`-isodates`): run once per book, then read by the DRM
 * check (drm.ts) and by readPdfMetadata. `failure` is pdfinfo's stderr when it could not open the
 * file; which failure means what is for those readers to decide.
 */
export type PdfInfo = { text: string; fields: Map<string, string> } | { failure: string };

export async function readPdfInfo(filePath: string): Promise<PdfInfo> {
  try {
    const text = (await run('pdfinfo', ['-isodates', filePath], { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 })).stdout;
    return { text, fields: parseFields(text) };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('pdfinfo is not installed (Debian package poppler-utils)');
    return { failure: String((err as { stderr?: string }).stderr ?? '') };
  }
}

/**
 * PDF metadata through poppler's pdfinfo (info dictionary and XMP; it streams, so memory does
 * not grow with the file) and pdftotext for what the first pages print: the title and authors
 * from page 1's layout (largest type) when the info dictionary has none or only junk, the
 * copyright holder as author when nothing else names one, the year of the date printed in the
 * text (it beats the file's creation date, which is only when the PDF was made), ISBNs, and the
 * language when none is declared. `info` is readPdfInfo's of the same file.
 */
export async function readPdfMetadata(filePath: string, info: PdfInfo): Promise<EmbeddedMetadata> {
  if ('failure' in info) {
    // pdfinfo's complaint is one short line; cutting a longer one keeps the `\(.*?\)` below cheap.
    const stderr = (info.failure.split('\n').find((l) => l.trim()) ?? 'unreadable').slice(0, MAX_COMPLAINT_CHARS);
    throw new RejectedFileError(`damaged PDF (${stderr.replace(/\s*\(.*?\)\s*/g, ' ').trim()})`);
  }
  const { fields } = info;
  const xmp = await run('pdfinfo', ['-meta', filePath], { timeout: TOOL_TIMEOUT_MS, maxBuffer: 4 * 1024 * 1024 })
    .then((r) => r.stdout)
    .catch(() => '');
  const pdftotext = (args: string[]) =>
    run('pdftotext', [...args, '-q', filePath, '-'], { timeout: TOOL_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 })
      .then((r) => r.stdout)
      .catch(() => '');
  const [firstPages, titlePageLayout] = await Promise.all([pdftotext(['-f', '1', '-l', String(PAGES_READ)]), pdftotext(['-bbox-layout', '-f', '1', '-l', '1'])]);
  const titlePage = titlePageOf(printedLines(titlePageLayout));

  const xmpCreators = xmpValues(xmp, 'dc:creator');
  const isbn = findIsbns(`${fields.get('Subject') ?? ''} ${fields.get('Keywords') ?? ''} ${xmp} ${firstPages}`)[0];
  const declaredAuthors = uniqueNonEmpty(
    (xmpCreators.length > 0 ? xmpCreators : [fields.get('Author') ?? ''])
      .flatMap((list) => splitAuthors(list))
      .map((a) => meaningful(a))
      .map((a) => (a ? naturalName(a) : undefined)),
  );
  // People named in the info dictionary, else on the title page, else whatever the dictionary names (an organisation), else the copyright holder.
  const authors =
    [declaredAuthors, titlePage.authors].find((list) => list.some(isPersonalName)) ?? [declaredAuthors, copyrightHolders(firstPages)].find((list) => list.length > 0) ?? [];
  const created = fields.get('CreationDate');
  const printed = printedYear(firstPages);
  const date = printed !== undefined && printed !== yearOf(created) ? String(printed) : created;
  const declaredLanguage = normalizeLanguage(xmpValue(xmp, 'dc:language'));
  const detected = declaredLanguage ? undefined : detectLanguage(firstPages);
  return {
    format: 'pdf',
    formatVersion: fields.get('PDF version'),
    title: fullerTitle(meaningful(fields.get('Title')) ?? meaningful(xmpValue(xmp, 'dc:title')), titlePage.title),
    authors,
    publisher: cleanText(xmpValue(xmp, 'dc:publisher')),
    date,
    year: yearOf(date),
    language: declaredLanguage ?? detected?.language,
    ...(detected ? { languageDetected: { confidence: detected.confidence } } : {}),
    isbn,
    identifiers: isbn ? [{ type: 'ISBN', value: isbn }] : [],
    description: cleanText(fields.get('Subject')),
    pages: Number(fields.get('Pages')) || undefined,
  };
}

function parseFields(output: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of output.split('\n')) {
    // `\S.*|`, not `.*`: a value holding a CR never matches, and `.*` after `\s*` rescanned it once for
    // every space `\s*` gave back (a title of 200,000 spaces and a CR kept the worker busy for 39 s).
    const match = /^([A-Za-z ]+):\s*(\S.*|)$/.exec(line);
    if (match) fields.set(match[1].trim(), match[2].trim());
  }
  return fields;
}

/** First text of an XMP element, whether written directly or inside rdf:Alt/Seq/Bag <rdf:li>. */
function xmpValue(xmp: string, element: string): string | undefined {
  return xmpValues(xmp, element)[0];
}

function xmpValues(xmp: string, element: string): string[] {
  const block = elementContents(xmp, element)[0];
  if (!block) return [];
  const items = elementContents(block, 'rdf:li');
  return (items.length > 0 ? items : [block]).map((v) => withoutTags(v).trim()).filter(Boolean);
}

/**
 * What each `<name ...>...</name>` holds, in document order: an opening tag ends at its first `>`,
 * its content at the next closing tag, and an opening tag left unclosed ends the search. Found
 * with indexOf, each character looked at once: the regex `<name[^>]*>([\s\S]*?)</name>` rescans
 * the rest of the packet for every unclosed opening tag (150,000 of them took minutes).
 */
function elementContents(xml: string, name: string): string[] {
  const open = `<${name}`;
  const close = `</${name}>`;
  const contents: string[] = [];
  let start = xml.indexOf(open);
  while (start !== -1) {
    const tagEnd = xml.indexOf('>', start + open.length);
    const end = tagEnd === -1 ? -1 : xml.indexOf(close, tagEnd + 1);
    if (end === -1) break;
    contents.push(xml.slice(tagEnd + 1, end));
    start = xml.indexOf(open, end + close.length);
  }
  return contents;
}

