import { transliterate } from 'transliteration';
import iconv from 'iconv-lite';

/** Characters CP437 can hold are kept (box drawing, Latin-1 letters it has); others transliterated. */
export function toCp437Text(text: string): string {
  return [...text.normalize('NFC')].map((ch) => (iconv.decode(iconv.encode(ch, 'cp437'), 'cp437') === ch ? ch : transliterate(ch))).join('');
}

export function encodeCp437(text: string): Buffer {
  return iconv.encode(toCp437Text(text), 'cp437');
}

export function decodeCp437(bytes: Buffer): string {
  return iconv.decode(bytes, 'cp437');
}
