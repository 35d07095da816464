import { Readable } from 'node:stream';

/** `megabytes` MB of deterministic bytes (each 1 MB block differs), made as they are read: nothing is held. */
export function generatedBytes(megabytes: number): Readable {
  let block = 0;
  return new Readable({
    read() {
      if (block === megabytes) return void this.push(null);
      const chunk = Buffer.alloc(1024 * 1024, block % 251);
      chunk.writeUInt32BE(block++, 0);
      this.push(chunk);
    },
  });
}
