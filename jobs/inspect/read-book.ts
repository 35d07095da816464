import type { EmbeddedMetadata } from '../../lib/domain/embedded-metadata';
import { readCbzMetadata } from './cbz';
import { detectContainer, zipBookFormat } from './detect-format';
import { readEpubMetadata } from './epub';
import { readMobiMetadata } from './mobi';
import { readPdfMetadata } from './pdf';
import { openZip } from './zip-reader';

/** Identifies a stored file by its bytes and reads what it says about itself. */
export async function readBook(filePath: string): Promise<EmbeddedMetadata> {
  switch (await detectContainer(filePath)) {
    case 'pdf':
      return readPdfMetadata(filePath);
    case 'palmdb':
      return readMobiMetadata(filePath);
    case 'zip': {
      const zip = await openZip(filePath);
      try {
        return (await zipBookFormat(zip)) === 'epub' ? await readEpubMetadata(zip) : await readCbzMetadata(zip);
      } finally {
        zip.close();
      }
    }
  }
}
