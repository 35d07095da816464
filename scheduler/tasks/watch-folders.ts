import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import chokidar, { FSWatcher } from 'chokidar';
import { signAccessToken } from '../../lib/access-token';
import type { Config } from '../../lib/config';
import { sha256File } from '../../lib/file-sha256';
import type { Logger } from '../../lib/logger';
import { doneFolderOf, failedFolderOf, WatchFolder } from '../../lib/domain/watch-folder';
import { Group, User, WatchFolderFile } from '../../db/models';

/** Extensions the API packs; anything else in a watch folder is left alone. */
const BOOK_EXTENSIONS = new Set(['.epub', '.pdf', '.mobi', '.azw3', '.azw', '.cbz']);
const INSPECTION_TIMEOUT_MS = 120_000;
/** The folder's user token lives only as long as one file's trip through the API. */
const WATCH_TOKEN_TTL_SECONDS = 600;

export interface WatchFolderTiming {
  /** How often every folder is listed again (events can be missed, e.g. while the scheduler was down). */
  scanIntervalMs: number;
  /** A file is ingested once its size and time have not changed for this long. */
  stableMs: number;
}

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
}

class IngestError extends Error {}

/**
 * Ingests the books dropped into groups' watch folders through the API itself (upload, then a
 * release request with the folder's options), as the folder's user, so every rule of the API
 * applies. chokidar events start a scan soon after a change; a periodic scan catches the rest.
 * One watch_folder_files row per group and file content records the outcome: a restart resumes a
 * file left half-done and never ingests one twice.
 */
export class WatchFolders {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly seen = new Map<string, Seen>();
  /** Files (path, size, time) already settled, so a kept file is not hashed on every scan. */
  private readonly settled = new Set<string>();
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private readonly apiUrl: string;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly timing: WatchFolderTiming,
    /** Runs a scan under the scheduler's lock (undefined when another run holds it). */
    private readonly locked: (task: () => Promise<number>) => Promise<number | undefined>,
  ) {
    // The scheduler already knows where the API answers: its health URL.
    this.apiUrl = new URL(config.scheduler.healthUrl).origin;
  }

  start(): void {
    this.timer = setInterval(() => this.scanSoon(0), this.timing.scanIntervalMs);
    this.scanSoon(0);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.soon);
    await Promise.all([...this.watchers.values()].map((w) => w.close()));
    this.watchers.clear();
    await this.scanning;
  }

  /** One scan of every watch folder (what the timer and the events run). */
  scan(): Promise<void> {
    this.scanning ??= this.locked(() => this.scanAll())
      .then(() => undefined)
      .finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private scanSoon(delayMs: number): void {
    clearTimeout(this.soon);
    this.soon = setTimeout(() => {
      this.scan().catch((err: Error) => this.logger.error('watch folder scan failed', { error: err.message }));
    }, delayMs);
  }

  /** Lists every folder and ingests each book that has stopped growing; answers how many were ingested. */
  private async scanAll(): Promise<number> {
    const groups = (await Group.query().whereNotNull('watchFolder')).filter((g) => g.watchFolder?.enabled);
    this.follow(groups.map((g) => g.watchFolder!.path));
    let waiting = false;
    let ingested = 0;
    for (const group of groups) {
      const watch = group.watchFolder!;
      for (const file of await this.booksIn(watch.path)) {
        const state = this.stability(file);
        if (state === 'settled') continue;
        if (state === 'growing') {
          waiting = true;
          continue;
        }
        await this.ingest(group, watch, file);
        ingested++;
      }
    }
    // A file still growing is looked at again once it may have stopped, not only at the next tick.
    if (waiting) this.scanSoon(this.timing.stableMs);
    return ingested;
  }

  /** chokidar on every configured folder (top level only: done/ and failed/ live inside). */
  private follow(folders: string[]): void {
    for (const [folder, watcher] of this.watchers) {
      if (!folders.includes(folder)) {
        void watcher.close();
        this.watchers.delete(folder);
      }
    }
    for (const folder of folders) {
      if (this.watchers.has(folder)) continue;
      const watcher = chokidar.watch(folder, { depth: 0, ignoreInitial: true, ignored: (p: string) => path.basename(p).startsWith('.') });
      watcher.on('add', () => this.scanSoon(this.timing.stableMs));
      watcher.on('change', () => this.scanSoon(this.timing.stableMs));
      watcher.on('error', (err) => this.logger.warn('watch folder watcher error', { folder, error: (err as Error).message }));
      this.watchers.set(folder, watcher);
    }
  }

  private async booksIn(folder: string): Promise<string[]> {
    const entries = await fsp.readdir(folder, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      this.logger.warn('watch folder unreadable', { folder, error: err.message });
      return [];
    });
    return entries.filter((e) => e.isFile() && !e.name.startsWith('.') && BOOK_EXTENSIONS.has(path.extname(e.name).toLowerCase())).map((e) => path.join(folder, e.name));
  }

  /** Whether a file has stopped growing: the same size and time for stableMs. */
  private stability(file: string): 'settled' | 'growing' | 'stable' {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return 'growing';
    }
    const key = `${file}\0${stat.size}\0${stat.mtimeMs}`;
    if (this.settled.has(key)) return 'settled';
    const before = this.seen.get(file);
    if (!before || before.size !== stat.size || before.mtimeMs !== stat.mtimeMs) {
      this.seen.set(file, { size: stat.size, mtimeMs: stat.mtimeMs, since: Date.now() });
      return 'growing';
    }
    return Date.now() - before.since >= this.timing.stableMs ? 'stable' : 'growing';
  }

  private async ingest(group: Group, watch: WatchFolder, file: string): Promise<void> {
    const stat = fs.statSync(file);
    const sha256 = await sha256File(file);
    const fileName = path.basename(file);
    let row = await WatchFolderFile.query().findOne({ groupId: group.id, sha256 });
    if (!row) {
      row = await WatchFolderFile.query().insertAndFetch({ groupId: group.id, sha256, fileName, size: stat.size, state: 'ingesting', uploadId: null, releaseId: null, error: null, movedTo: null });
    }
    if (row.state === 'ingesting') {
      try {
        const token = await this.tokenFor(group, watch);
        const uploadId = row.uploadId ?? (await this.upload(token, file));
        if (!row.uploadId) row = await row.$query().patchAndFetch({ uploadId });
        await this.inspected(token, uploadId);
        const releaseId = await this.request(token, uploadId, group.tag, watch);
        row = await row.$query().patchAndFetch({ state: 'requested', releaseId });
        this.logger.info('watch folder file ingested', { group: group.tag, file, uploadId, releaseId });
      } catch (err) {
        if (!(err instanceof IngestError)) throw err;
        row = await row.$query().patchAndFetch({ state: 'failed', error: err.message.slice(0, 2000) });
        this.logger.warn('watch folder file failed', { group: group.tag, file, error: err.message });
      }
    }
    const movedTo = await this.afterIngest(watch, file, row.state === 'failed');
    if (movedTo) await row.$query().patch({ movedTo });
    this.seen.delete(file);
    this.settled.add(`${file}\0${stat.size}\0${stat.mtimeMs}`);
  }

  private async afterIngest(watch: WatchFolder, file: string, failed: boolean): Promise<string | undefined> {
    if (watch.afterIngest === 'keep') return undefined;
    const folder = failed ? failedFolderOf(watch) : doneFolderOf(watch);
    await fsp.mkdir(folder, { recursive: true });
    const { name, ext } = path.parse(file);
    let target = path.join(folder, `${name}${ext}`);
    for (let n = 2; fs.existsSync(target); n++) target = path.join(folder, `${name}-${n}${ext}`);
    await fsp.rename(file, target);
    return target;
  }

  /** A short-lived access token of the folder's user, signed as the API signs its own. */
  private async tokenFor(group: Group, watch: WatchFolder): Promise<string> {
    const user = watch.userId
      ? await User.query().findById(watch.userId)
      : await Group.relatedQuery('members').for(group.id).orderBy('users.id').first();
    if (!user || (user as User).disabled) throw new IngestError(`group ${group.tag} has no enabled account to request releases as (set watchFolder.userId)`);
    return signAccessToken(user as User, this.config.secrets.jwtSecret, WATCH_TOKEN_TTL_SECONDS);
  }

  private async call<T>(token: string, method: string, route: string, body?: unknown | FormData): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.apiUrl}${route}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, ...(body instanceof FormData || body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body instanceof FormData ? body : body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      // The API is away: the file stays 'ingesting' and the next scan resumes it.
      throw new Error(`API unreachable at ${this.apiUrl}: ${(err as Error).message}`);
    }
    const answer = (await res.json().catch(() => ({}))) as T & { error?: { code: string; message: string; requestId: string } };
    if (res.status >= 500 || res.status === 429) throw new Error(`API answered ${res.status} to ${method} ${route}`);
    if (!res.ok) throw new IngestError(`${answer.error?.message ?? `HTTP ${res.status}`} (${answer.error?.code ?? res.status}, request ${answer.error?.requestId ?? '-'})`);
    return answer;
  }

  private async upload(token: string, file: string): Promise<string> {
    const form = new FormData();
    form.append('file', await fs.openAsBlob(file), path.basename(file));
    return (await this.call<{ upload: { id: string } }>(token, 'POST', '/api/uploads', form)).upload.id;
  }

  private async inspected(token: string, uploadId: string): Promise<void> {
    const deadline = Date.now() + INSPECTION_TIMEOUT_MS;
    for (;;) {
      const { upload } = await this.call<{ upload: { status: string; error: string | null } }>(token, 'GET', `/api/uploads/${uploadId}`);
      if (upload.status === 'inspected') return;
      if (upload.status === 'rejected') throw new IngestError(`refused: ${upload.error ?? 'unreadable book'}`);
      if (Date.now() > deadline) throw new Error(`upload ${uploadId} not inspected within ${INSPECTION_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  private async request(token: string, uploadId: string, group: string, watch: WatchFolder): Promise<string> {
    const { release } = await this.call<{ release: { id: string } }>(token, 'POST', '/api/releases', { uploadId, options: { ...watch.options, group } });
    return release.id;
  }
}
