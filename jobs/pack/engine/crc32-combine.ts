/**
 * CRC-32 of a concatenation from the CRCs of its pieces (zlib's crc32_combine, GF(2) matrices):
 * a zip's CRC follows from its header's, its payload's and its trailer's without reading the
 * payload twice, and the book's from its volumes' parts.
 */
const POLYNOMIAL = 0xedb88320;

function timesMatrix(matrix: Uint32Array, vector: number): number {
  let sum = 0;
  for (let i = 0; vector !== 0; i++, vector >>>= 1) if (vector & 1) sum ^= matrix[i];
  return sum >>> 0;
}

function square(target: Uint32Array, matrix: Uint32Array): void {
  for (let n = 0; n < 32; n++) target[n] = timesMatrix(matrix, matrix[n]);
}

/** CRC-32 of A followed by B, given crc(A), crc(B) and B's length in bytes. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  // The operator for one zero bit, then two (even), then four (odd).
  odd[0] = POLYNOMIAL;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  square(even, odd);
  square(odd, even);
  let crc = crcA >>> 0;
  let remaining = lengthB;
  // Apply len(B) zero bytes to crc(A), one bit of the length at a time.
  for (;;) {
    square(even, odd);
    if (remaining % 2) crc = timesMatrix(even, crc);
    remaining = Math.floor(remaining / 2);
    if (remaining === 0) break;
    square(odd, even);
    if (remaining % 2) crc = timesMatrix(odd, crc);
    remaining = Math.floor(remaining / 2);
    if (remaining === 0) break;
  }
  return (crc ^ crcB) >>> 0;
}
