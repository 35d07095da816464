import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { readCbzMetadata } from './cbz';
import { detectContainer, zipBookFormat } from './detect-format';
import { refuseEpubDrm, refusePdfDrm } from './drm';
import { readEpubMetadata } from './epub';
import { withTitlePageTitle } from './epub-title-page';
import { readMobiMetadata } from './mobi';
import { readPdfInfo, readPdfMetadata } from './pdf';
import { openZip, ZipReader } from './zip-reader';

/**
 * Identifies a stored file by its bytes and reads what it says about itself; DRM-protected books
 * are refused first (MOBI's check is in its header reader).
 */
export async function readBook(filePath: string): Promise<EmbeddedMetadata> {
  switch (await detectContainer(filePath)) {
    case 'pdf': {
      const info = await readPdfInfo(filePath);
      refusePdfDrm(info);
      return readPdfMetadata(filePath, info);
    }
    case 'palmdb':
      return readMobiMetadata(filePath);
    case 'zip':
      return readZipBook(await openZip(filePath));
  }
}

/** Reads an EPUB or a CBZ (the ZIP books: their readers need only the directory and a few entries), then closes it. */
export async function readZipBook(zip: ZipReader): Promise<EmbeddedMetadata> {
  try {
    if ((await zipBookFormat(zip)) === 'cbz') return await readCbzMetadata(zip);
    await refuseEpubDrm(zip);
    return await withTitlePageTitle(await readEpubMetadata(zip), zip);
  } finally {
    zip.close();
  }
}
