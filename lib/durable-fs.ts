import fsp from 'node:fs/promises';

/**
 * Flushes a file's or a folder's data and metadata to the disk. A rename is only durable once the
 * folder holding it is fsync'ed too, so publishers call this on the file and then its folder.
 */
export async function fsyncPath(target: string): Promise<void> {
  const handle = await fsp.open(target, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
