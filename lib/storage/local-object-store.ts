import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ChecksumStream } from '../checksum-stream';
import { fsyncPath } from '../durable-fs';
import { ByteRange, checkKey, ObjectNotFoundError, ObjectStore, StoredObject, WrittenObject } from './object-store';

/** Partial writes live here, outside every key (a key segment cannot start the walk into it). */
const PARTIAL_DIR = '.partial-objects';

/**
 * Objects as files under one folder (the embedded default): each write streams to a partial file,
 * is fsync'ed, renamed to its key's path and the parent folder fsync'ed, so a crash or a power
 * cut leaves either the whole object or none.
 */
export class LocalObjectStore implements ObjectStore {
  readonly kind = 'local';

  constructor(readonly root: string) {}

  private pathOf(key: string): string {
    return path.join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, source: Readable | Buffer, options: { maxBytes?: number } = {}): Promise<WrittenObject> {
    const target = this.pathOf(key);
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    input.on('error', () => {}); // the pipeline sees it; until then it must not go unhandled
    const partialDir = path.join(this.root, PARTIAL_DIR);
    await fsp.mkdir(partialDir, { recursive: true });
    const temp = path.join(partialDir, randomUUID());
    const meter = new ChecksumStream(options.maxBytes);
    const out = fs.createWriteStream(temp, { flags: 'wx', mode: 0o640, flush: true });
    try {
      await pipeline(input, meter, out);
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.rename(temp, target);
      await fsyncPath(path.dirname(target));
    } catch (err) {
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await fsp.rm(temp, { force: true });
      throw err;
    }
    const { size, sha256, crc32 } = meter.result();
    return { key, size, sha256, crc32 };
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.pathOf(key);
    const handle = await fsp.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
      throw err.code === 'ENOENT' || err.code === 'EISDIR' ? new ObjectNotFoundError(key) : err;
    });
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      throw new ObjectNotFoundError(key);
    }
    return handle.createReadStream({ start: range?.start, end: range?.end });
  }

  async stat(key: string): Promise<StoredObject | undefined> {
    const stats = await fsp.stat(this.pathOf(key)).catch(() => undefined);
    return stats?.isFile() ? { key, size: stats.size, modifiedAt: stats.mtime } : undefined;
  }

  async list(prefix: string): Promise<StoredObject[]> {
    // Walk only the folder the prefix lies in, then filter by the full prefix.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const found: StoredObject[] = [];
    const walk = async (dirKey: string): Promise<void> => {
      const dir = dirKey ? this.pathOf(dirKey) : this.root;
      const entries = await fsp.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!dirKey && entry.name === PARTIAL_DIR) continue;
        const key = dirKey ? `${dirKey}/${entry.name}` : entry.name;
        if (entry.isDirectory()) {
          if (key.startsWith(prefix) || prefix.startsWith(`${key}/`)) await walk(key);
        } else if (entry.isFile() && key.startsWith(prefix)) {
          const stats = await fsp.stat(path.join(dir, entry.name)).catch(() => undefined);
          if (stats) found.push({ key, size: stats.size, modifiedAt: stats.mtime });
        }
      }
    };
    await walk(base);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await fsp.rm(this.pathOf(key), { force: true });
  }

  async deletePrefix(prefix: string): Promise<number> {
    const objects = await this.list(prefix);
    for (const object of objects) await this.delete(object.key);
    return objects.length;
  }
}
