/** SFV: `name CRC32` lines (8 upper-case hex digits), `;` comment lines first, CRLF. */
export function renderSfv(files: { fileName: string; crc32: string }[], comment: string): string {
  const lines = [`; ${comment}`, ...files.map((f) => `${f.fileName} ${f.crc32.toUpperCase().padStart(8, '0')}`)];
  return lines.join('\r\n').concat('\r\n');
}

export function crcHex(crc: number): string {
  return (crc >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

/** The SFV's file name: beside the folder locally (`.checksums/<name>.sfv`), a file of the manifest in the object store. */
export const sfvFileName = (name: string) => `${name}.sfv`;
