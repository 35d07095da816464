import type { PdfInfo } from './pdf';
import { RejectedFileError } from './rejected-file-error';
import { asArray, attrOf, child, parseXml } from './xml';
import type { ZipReader } from './zip-reader';

/**
 * Rule 2.4: DRM-protected files are not allowed. Each check here finds one kind of protection and
 * refuses the book, for good, with a reason that names it.
 */
export class DrmProtectedError extends RejectedFileError {
  constructor(protection: string) {
    super(`the book is DRM-protected (${protection}); the rules do not allow DRM-protected files`);
    this.name = 'DrmProtectedError';
  }
}

/** Font obfuscation (IDPF and Adobe) hides embedded fonts only; the book itself stays readable. */
const FONT_OBFUSCATION = new Set(['http://www.idpf.org/2008/embedding', 'http://ns.adobe.com/pdf/enc#RC']);
/** Files whose presence alone marks a DRM scheme. */
const DRM_MARKERS: [string, string][] = [
  ['META-INF/rights.xml', 'Adobe ADEPT, META-INF/rights.xml'],
  ['META-INF/sinf.xml', 'Apple FairPlay, META-INF/sinf.xml'],
  ['META-INF/license.lcpl', 'Readium LCP, META-INF/license.lcpl'],
];
const MAX_ENCRYPTION_XML_BYTES = 4 * 1024 * 1024;

/** EPUB: a DRM marker file, or META-INF/encryption.xml encrypting anything but fonts. */
export async function refuseEpubDrm(zip: ZipReader): Promise<void> {
  const names = new Set(zip.names.map((n) => n.toLowerCase()));
  const marker = DRM_MARKERS.find(([file]) => names.has(file.toLowerCase()));
  if (marker) throw new DrmProtectedError(marker[1]);
  const encryptionName = zip.names.find((n) => n.toLowerCase() === 'meta-inf/encryption.xml');
  if (!encryptionName) return;
  const encryption = await zip.read(encryptionName, MAX_ENCRYPTION_XML_BYTES);
  const entries = asArray(child(child(parseXml(encryption!, "the EPUB's encryption.xml"), 'encryption'), 'EncryptedData'));
  const algorithms = entries.map((entry) => attrOf(child(entry, 'EncryptionMethod'), 'Algorithm') ?? 'no algorithm named');
  const encrypted = algorithms.filter((algorithm) => !FONT_OBFUSCATION.has(algorithm));
  if (encrypted.length) {
    throw new DrmProtectedError(`META-INF/encryption.xml encrypts ${encrypted.length} file(s) with ${[...new Set(encrypted)].join(', ')}`);
  }
}

/** MOBI/AZW: the encryption type in record 0's PalmDOC header (offset 12; 1 old Mobipocket, 2 Mobipocket DRM). */
export function refuseMobiDrm(record0: Buffer): void {
  const type = record0.length >= 14 ? record0.readUInt16BE(12) : 0;
  if (type !== 0) throw new DrmProtectedError(`Mobipocket encryption type ${type} in the MOBI header`);
}

/**
 * PDF: an encryption dictionary in the trailer, as poppler's pdfinfo reports it ("Encrypted: yes"),
 * or a file pdfinfo cannot open without the user password. Other failures to open it are for the
 * reader to name.
 */
export function refusePdfDrm(info: PdfInfo): void {
  if ('failure' in info) {
    if (/incorrect password/i.test(info.failure)) throw new DrmProtectedError('PDF encryption with a password needed to open it');
    return;
  }
  const encrypted = /^Encrypted:\s+yes\s*(?:\((.*)\))?/m.exec(info.text);
  if (encrypted) throw new DrmProtectedError(`PDF encryption dictionary${encrypted[1] ? `: ${encrypted[1].trim()}` : ''}`);
}
