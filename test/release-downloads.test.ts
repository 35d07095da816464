import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { ReleaseFile } from '../db/models';
import { ReleaseStore } from '../lib/storage';
import { S3ObjectStore, s3ClientOf } from '../lib/storage/s3-object-store';
import { ApiProcess, startApiProcess } from './support/api-process';
import { S3RVER_KEYS, S3Server, startS3Server } from './support/s3-server';
import { startTestApp, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Published releases read where they are kept: the local folder and a real S3 server (s3rver),
 * through the real API in its own process. Each file and the whole archive arrive whole, with
 * their length, type and name, while the API's memory stays flat (the release is about 200 MB);
 * one byte range, a HEAD, a JSON 404 for a file missing from storage, and the rule validation
 * reading the stored files (zips by byte ranges).
 */
jest.setTimeout(300_000);

const BOOK_BYTES = 200 * 1024 * 1024;
/** Far below the largest volume (100 MB): a buffered copy of a file could not stay under it. */
const FLAT_MEMORY_MB = 64;

interface Stored {
  env: NodeJS.ProcessEnv;
  /** Removes one published file behind the API's back. */
  remove(app: TestApp, name: string, fileName: string): Promise<void>;
  close(): Promise<void>;
}

const stores: Array<[string, () => Promise<Stored>]> = [
  [
    'local folder',
    async () => ({
      env: { STORAGE: 'local' },
      remove: async (app, name, fileName) => fs.rmSync(path.join(app.config.storage.releasesDir, name, fileName)),
      close: async () => undefined,
    }),
  ],
  [
    's3 (s3rver)',
    async () => {
      const s3: S3Server = await startS3Server();
      const objects = new S3ObjectStore(s3ClientOf({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', forcePathStyle: true, ...S3RVER_KEYS }), s3.bucket);
      const releases = new ReleaseStore(objects);
      return {
        env: s3.env,
        remove: async (_app, name, fileName) => {
          const manifest = await releases.committed(name);
          await objects.delete(releases.attemptPrefix(name, manifest!.attempt) + fileName);
        },
        close: () => s3.stop(),
      };
    },
  ],
];

/** Reads a whole answer body, hashing it on the way (nothing is kept). */
async function digest(res: Response): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    bytes += chunk.length;
  }
  return { bytes, sha256: hash.digest('hex') };
}

const statusOf = (pid: number, field: 'VmRSS' | 'VmHWM') => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/** How far the process's resident memory rose above where it stood while `work` ran, in MB (the kernel's peak, reset first). */
async function rssRise<T>(pid: number, work: () => Promise<T>): Promise<{ result: T; riseMb: number }> {
  fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  const before = statusOf(pid, 'VmRSS');
  const result = await work();
  return { result, riseMb: statusOf(pid, 'VmHWM') - before };
}

describe.each(stores)('release downloads from the %s', (label, open) => {
  let stored: Stored;
  let app: TestApp;
  let api: ApiProcess;
  let worker: ReturnType<typeof startWorker>;
  let operator: { token: string };
  let stranger: { token: string };
  let release: { id: string; name: string; files: { fileName: string; size: number }[] };
  let rows: ReleaseFile[];
  const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });
  const get = (what: string, headers: Record<string, string> = {}, who = operator, method = 'GET') =>
    fetch(`http://127.0.0.1:${api.port}/api/releases/${release.id}/${what}`, { method, headers: { ...as(who), ...headers } });

  beforeAll(async () => {
    stored = await open();
    app = await startTestApp(stored.env);
    api = await startApiProcess(app.env);
    worker = await startReadyWorker(app.env, app.context.queue);
    operator = await app.createUser('operator', 'op@example.test');
    stranger = await app.createUser('operator', 'other@example.test');

    // A comic book archive holding one large stored page: three volumes of at most 100 MB.
    const work = fs.mkdtempSync(path.join(app.dataDir, 'book-'));
    const page = path.join(work, 'p001.jpg');
    fs.writeFileSync(page, 'page');
    fs.truncateSync(page, BOOK_BYTES);
    execFileSync('zip', ['-0', '-q', '-j', path.join(work, 'big.cbz'), page]);
    const uploaded = await app.http.post('/api/uploads').set(as(operator)).attach('file', path.join(work, 'big.cbz'));
    fs.rmSync(work, { recursive: true });
    const requested = await app.http
      .post('/api/releases')
      .set(as(operator))
      .send({
        uploadId: uploaded.body.upload.id,
        options: { group: 'ESP', volumeSizeMb: 100, proofUrl: 'https://books.example.test/heavy', overrides: { title: 'Heavy Download', authors: ['Big Author'], year: 2021, language: 'en' } },
      });
    expect(requested.status).toBe(202);
    const releaseOf = async () => (await app.http.get(`/api/releases/${requested.body.release.id}`).set(as(operator))).body.release;
    release = await waitFor('the release to settle', async () => {
      const r = await releaseOf();
      return ['done', 'failed', 'review'].includes(r.state) ? r : undefined;
    }, 240_000, releaseOf);
    expect(release).toMatchObject({ state: 'done' });
    rows = await ReleaseFile.query().where({ releaseId: release.id });
    expect(rows.filter((r) => r.kind === 'zip')).toHaveLength(3);
  }, 300_000);

  afterAll(async () => {
    if (worker) await stopWorker(worker);
    await api?.stop();
    await app?.close();
    await stored?.close();
  });

  it('sends each file whole, with its length, type and name, the API holding no file in memory', async () => {
    const largest = [...rows].sort((a, b) => Number(b.size) - Number(a.size))[0];
    for (const row of rows) {
      const { result, riseMb } = await rssRise(api.child.pid!, async () => {
        const res = await get(`files/${row.fileName}`);
        return { res, body: await digest(res) };
      });
      expect(result.res.status).toBe(200);
      expect(result.res.headers.get('content-type')).toBe('application/octet-stream');
      expect(result.res.headers.get('content-length')).toBe(String(row.size));
      expect(result.res.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="?${row.fileName}"?$`));
      expect(result.body).toEqual({ bytes: Number(row.size), sha256: row.sha256 });
      if (row === largest) {
        console.log(`${label}: ${row.fileName} (${row.size} bytes) raised the API's RSS by ${riseMb.toFixed(1)} MB`);
        expect(riseMb).toBeLessThan(FLAT_MEMORY_MB);
      }
    }
    // The SFV, kept beside the folder (local) or in the manifest (S3), names every volume with its CRC32.
    const sfv = await get(`files/${release.name}.sfv`);
    expect(sfv.status).toBe(200);
    const lines = (await sfv.text()).split(/\r?\n/).filter((l) => l && !l.startsWith(';'));
    expect(lines.sort()).toEqual(rows.filter((r) => r.kind === 'zip').map((r) => `${r.fileName} ${r.crc32}`).sort());
  });

  it('sends the whole release as one zip of known length that unzip accepts, memory flat', async () => {
    const target = path.join(app.dataDir, 'archive.zip');
    const { result: res, riseMb } = await rssRise(api.child.pid!, async () => {
      const answer = await get('archive');
      await pipeline(Readable.fromWeb(answer.body as never), fs.createWriteStream(target));
      return answer;
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="?${release.name}.zip"?$`));
    expect(res.headers.get('content-length')).toBe(String(fs.statSync(target).size));
    console.log(`${label}: the ${fs.statSync(target).size}-byte archive raised the API's RSS by ${riseMb.toFixed(1)} MB`);
    expect(riseMb).toBeLessThan(FLAT_MEMORY_MB);
    // Run without blocking the event loop, so the kept-alive connection to the API stays usable.
    const run = async (command: string, args: string[]) => (await promisify(execFile)(command, args, { maxBuffer: 1 << 20 })).stdout;
    try {
      expect(await run('unzip', ['-tq', target])).toContain('No errors detected');
      const entries = (await run('unzip', ['-Z1', target])).trim().split('\n').sort();
      expect(entries).toEqual([...rows.map((r) => `${release.name}/${r.fileName}`), `${release.name}/${release.name}.sfv`].sort());
      const extracted = path.join(app.dataDir, 'extracted');
      await run('unzip', ['-q', target, '-d', extracted]);
      await run('cksfv', ['-q', '-C', path.join(extracted, release.name), '-f', path.join(extracted, release.name, `${release.name}.sfv`)]);
      fs.rmSync(extracted, { recursive: true });
    } finally {
      fs.rmSync(target);
    }
  });

  it('answers one byte range with 206, a range past the end with 416, and HEAD with the headers alone', async () => {
    const nfo = rows.find((r) => r.kind === 'nfo')!;
    const whole = Buffer.from(await (await get(`files/${nfo.fileName}`)).arrayBuffer());
    expect(whole.length).toBe(Number(nfo.size));
    const part = await get(`files/${nfo.fileName}`, { Range: 'bytes=10-29' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-29/${nfo.size}`);
    expect(part.headers.get('content-length')).toBe('20');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(whole.subarray(10, 30));
    const tail = await get(`files/${nfo.fileName}`, { Range: 'bytes=-5' });
    expect(tail.status).toBe(206);
    expect(tail.headers.get('content-range')).toBe(`bytes ${whole.length - 5}-${whole.length - 1}/${whole.length}`);
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(whole.subarray(-5));

    const past = await get(`files/${nfo.fileName}`, { Range: `bytes=${whole.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${whole.length}`);
    expect(((await past.json()) as { error: unknown }).error).toMatchObject({ code: 'RANGE_NOT_SATISFIABLE', message: expect.any(String) });

    const zip = rows.find((r) => r.kind === 'zip')!;
    const headOnly = await get(`files/${zip.fileName}`, {}, operator, 'HEAD');
    expect(headOnly.status).toBe(200);
    expect(headOnly.headers.get('content-length')).toBe(String(zip.size));
    expect((await headOnly.arrayBuffer()).byteLength).toBe(0);
  });

  it('checks the release against its rule where it is stored (GET /validation): every check passes', async () => {
    const res = await get('validation');
    expect(res.status).toBe(200);
    const { validation } = (await res.json()) as { validation: { passed: boolean; checks: { check: string; passed: boolean; detail: string }[] } };
    expect(validation.checks.filter((c) => !c.passed)).toEqual([]);
    expect(validation.passed).toBe(true);
    expect(validation.checks.map((c) => c.check)).toEqual(['dirname-length', 'dirname-rules', 'format', 'layout', 'zip-names', 'volume-count', 'volume-size', 'nfo', 'nfo-creator', 'diz', 'zip-contents']);
    expect(validation.checks.find((c) => c.check === 'layout')!.detail).toBe('3 zip(s), one .nfo, one file_id.diz');
    expect(validation.checks.find((c) => c.check === 'volume-size')!.detail).toBe('every volume fits 100 MB');
  });

  it("answers 404 in JSON for unlisted names, other users' releases, and a file gone from storage", async () => {
    const notFound = async (res: Response) => {
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await res.json()) as { error: unknown }).error).toMatchObject({ code: 'NOT_FOUND', message: expect.any(String) });
    };
    const zip = rows.find((r) => r.kind === 'zip')!.fileName;
    await notFound(await get('files/secrets.json'));
    await notFound(await get(`files/${zip}`, {}, stranger));
    await notFound(await get('archive', {}, stranger));

    await stored.remove(app, release.name, zip);
    await notFound(await get(`files/${zip}`));
    // The archive is refused before its first byte, not cut short.
    await notFound(await get('archive'));
    // The validation sees the store as it is: two volumes left, each counting itself out of three.
    const { validation } = (await (await get('validation')).json()) as { validation: { passed: boolean; checks: { check: string; passed: boolean; detail: string }[] } };
    expect(validation.passed).toBe(false);
    expect(validation.checks.find((c) => c.check === 'layout')!.detail).toBe('2 zip(s), one .nfo, one file_id.diz');
    expect(validation.checks.find((c) => c.check === 'zip-contents')).toMatchObject({ passed: false, detail: expect.stringContaining('DISK: [01/02]') });
    // The other files are still served.
    const nfo = rows.find((r) => r.kind === 'nfo')!;
    const still = await get(`files/${nfo.fileName}`);
    expect(await digest(still)).toEqual({ bytes: Number(nfo.size), sha256: nfo.sha256 });
  });
});
