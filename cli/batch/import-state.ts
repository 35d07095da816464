import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { configDir, writePrivateJson } from '../config-store';

/** What a batch import remembers of one file, so a rerun repeats no finished step. */
export interface FileState {
  sha256: string;
  size: number;
  mtimeMs: number;
  uploadId?: string;
  releaseId?: string;
}

/**
 * The state of `esp import DIR`, one file per folder and instance in the config dir (the folder
 * itself may be read-only), written after every step (temp + rename).
 */
export class ImportState {
  private readonly files: Record<string, FileState>;
  readonly path: string;

  constructor(dir: string, url: string) {
    const key = createHash('sha256').update(`${url}\n${path.resolve(dir)}`).digest('hex').slice(0, 16);
    this.path = path.join(configDir(), 'imports', `${key}.json`);
    this.files = fs.existsSync(this.path) ? (JSON.parse(fs.readFileSync(this.path, 'utf8')) as { files: Record<string, FileState> }).files : {};
  }

  /** The remembered state of a file, if it has not changed since (same size and time). */
  get(file: string, stat: fs.Stats): FileState | undefined {
    const known = this.files[path.resolve(file)];
    return known && known.size === stat.size && known.mtimeMs === stat.mtimeMs ? known : undefined;
  }

  set(file: string, state: FileState): void {
    this.files[path.resolve(file)] = state;
    writePrivateJson(this.path, { files: this.files });
  }
}
