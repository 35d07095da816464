import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { Queue, Worker } from 'bullmq';
import { Release, ReleaseDistribution, ReleaseFile, User } from '../db/models';
import { publishedPaths } from '../jobs/storage-paths';
import { ALL_QUEUES, QueueName } from '../lib/domain/queue-names';
import { createRedis, Redis, whenReady } from '../lib/redis';
import type { LoggedEvent, ReleaseEvent } from '../api/services/release-event-log';
import { Listener, ReleaseEventHub } from '../api/services/release-events';
import { openEventStream } from './support/event-stream';
import { startSwitchableProxy } from './support/switchable-proxy';
import { INSPECTED_BOOK, insertRelease, insertUpload } from './support/rows';
import { startTestApp, TestApp } from './support/test-app';
import { deleteRedisKeys, TEST_REDIS_URL } from './support/test-env';
import { waitFor } from './support/worker-process';

/**
 * What a browser gets of a release, over HTTP against the real app with no worker and nothing
 * packed: the downloads (api/services/release-download-service.ts: one file of a published
 * release, its SFV, one byte range, HEAD, the whole release as one stored zip) of files written
 * where releases are kept and listed on rows put in place; and the live event stream
 * (api/services/release-events.ts: BullMQ job events of release and upload jobs become snapshots
 * of their rows in the shared event log, once however many processes follow the queues, handed
 * to each SSE listener the caller may see), with job events caused by adding, taking, finishing
 * and removing jobs by hand. test/release-downloads.test.ts and test/webapp-api.test.ts check
 * the same through a real worker and real packing.
 */
const DEADLINE = 15_000;
const until = <T>(what: string, check: () => Promise<T | undefined | false>) => waitFor(what, check, DEADLINE);

/** Redis database 1, not the default 0: a connection that ignored REDIS_URL would hear none of the app's queues. */
const REDIS_URL = (() => {
  const url = new URL(TEST_REDIS_URL);
  url.pathname = '/1';
  return url.toString();
})();

let app: TestApp;
let base: string;
/** The test's own Redis connection, to look at what the app keeps there. */
let probe: Redis;
let alice: { user: User; token: string };
let bob: { user: User; token: string };
let admin: { user: User; token: string };
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

beforeAll(async () => {
  app = await startTestApp({ REDIS_URL });
  base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  probe = createRedis(app.config, 'worker');
  alice = await app.createUser('operator', 'alice@example.test');
  bob = await app.createUser('operator', 'bob@example.test');
  admin = await app.createUser('admin', 'admin@example.test', []);
});
afterAll(async () => {
  await app.context.events.shutdown();
  probe.disconnect();
  await app.close();
  await deleteRedisKeys(app.env.QUEUE_PREFIX!, REDIS_URL);
});

/** A release row of its own upload, published (`done`) unless the fields say otherwise. */
const releaseOf = async (owner: { user: User }, fields: Partial<Release> = {}) => insertRelease(await insertUpload(owner.user.id), fields);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const crcOf = (bytes: Buffer) => crc32(bytes).toString(16).toUpperCase().padStart(8, '0');
const kindOf = (fileName: string) => (fileName.endsWith('.nfo') ? 'nfo' : fileName.endsWith('.diz') ? 'diz' : 'zip');

describe('downloads', () => {
  const NAME = 'The.Left.Hand.of.Darkness.1969.RETAiL.EPUB.eBook-ESP';
  /** In the order the release lists them (by name), whatever order the rows were written in. */
  const LISTED = ['esp-tlhod.nfo', 'esp-tlhod01.zip', 'esp-tlhod02.zip', 'file_id.diz'];
  const PUBLISHED_AT = new Date('2024-03-05T06:07:08.000Z');
  let published: Release;
  let stored: Record<string, Buffer>;
  let sfv: Buffer;

  /** Writes files into the folder the release's name is published in. */
  function store(name: string, files: Record<string, Buffer>): string {
    const { dir } = publishedPaths(app.config, name);
    fs.mkdirSync(dir, { recursive: true });
    for (const [fileName, bytes] of Object.entries(files)) fs.writeFileSync(path.join(dir, fileName), bytes);
    return dir;
  }

  /** Writes the SFV of the release's volumes where it is kept (beside the folders), as packing does. */
  function storeSfv(name: string, volumes: Record<string, Buffer>): Buffer {
    const bytes = Buffer.from(`; ${name}\r\n${Object.entries(volumes).map(([fileName, b]) => `${fileName} ${crcOf(b)}\r\n`).join('')}`);
    fs.mkdirSync(path.dirname(publishedPaths(app.config, name).sfv), { recursive: true });
    fs.writeFileSync(publishedPaths(app.config, name).sfv, bytes);
    return bytes;
  }

  /** Lists files on the release's row (in reverse, so any order seen is the release's own), from what is stored of them. */
  async function list(release: Release, fileNames: string[]): Promise<void> {
    for (const fileName of [...fileNames].reverse()) {
      const file = path.join(publishedPaths(app.config, release.name!).dir, fileName);
      const bytes = fs.existsSync(file) ? fs.readFileSync(file) : Buffer.alloc(0);
      await ReleaseFile.query().insert({ releaseId: release.id, fileName, kind: kindOf(fileName), size: bytes.length, crc32: crcOf(bytes), sha256: sha256(bytes) });
    }
  }

  const get = (who: { token: string }, release: { id: string }, what: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${base}/api/releases/${release.id}/${what}`, { method: init.method ?? 'GET', headers: { ...as(who), ...init.headers } });
  const bytesOf = async (res: Response) => Buffer.from(await res.arrayBuffer());
  /** A JSON error answer: its status, content type, and the error's fields. */
  const refusal = async (res: Response) => ({ status: res.status, type: res.headers.get('content-type'), ...((await res.json()) as { error: object }).error });
  const notFound = (message: string) => ({ status: 404, type: expect.stringMatching(/^application\/json/), code: 'NOT_FOUND', message });

  /** A volume as packing makes them: a zip of one text file. */
  function volume(text: string): Buffer {
    const work = fs.mkdtempSync(path.join(app.dataDir, 'volume-'));
    fs.writeFileSync(path.join(work, 'chapter.txt'), text.repeat(40));
    execFileSync('zip', ['-q', '-j', path.join(work, 'v.zip'), path.join(work, 'chapter.txt')]);
    const bytes = fs.readFileSync(path.join(work, 'v.zip'));
    fs.rmSync(work, { recursive: true });
    return bytes;
  }

  beforeAll(async () => {
    published = await releaseOf(alice, { name: NAME, finishedAt: PUBLISHED_AT });
    stored = {
      'esp-tlhod01.zip': volume('Winter is a planet. '),
      'esp-tlhod02.zip': volume('Genly Ai crosses the ice. '),
      'esp-tlhod.nfo': Buffer.from(`${'ESP presents '.repeat(12)}\r\nThe Left Hand of Darkness\r\n`),
      'file_id.diz': Buffer.from('The Left Hand of Darkness [01/02]\r\n'),
      // In the folder, but not listed on the row: never downloadable.
      'notes.txt': Buffer.from('not part of the release'),
    };
    store(NAME, stored);
    sfv = storeSfv(NAME, { 'esp-tlhod01.zip': stored['esp-tlhod01.zip'], 'esp-tlhod02.zip': stored['esp-tlhod02.zip'] });
    await list(published, LISTED);
  });

  it('sends each listed file whole, as a download with its length and name, to its owner and to users with releases:MOD', async () => {
    for (const fileName of LISTED) {
      const res = await get(alice, published, `files/${fileName}`);
      expect(res.status).toBe(200);
      expect(Object.fromEntries(['content-type', 'content-length', 'content-disposition', 'accept-ranges', 'cache-control', 'content-range'].map((h) => [h, res.headers.get(h)]))).toEqual({
        'content-type': 'application/octet-stream',
        'content-length': String(stored[fileName].length),
        'content-disposition': `attachment; filename=${fileName}`,
        'accept-ranges': 'bytes',
        'cache-control': 'private, no-store',
        'content-range': null,
      });
      expect(sha256(await bytesOf(res))).toBe(sha256(stored[fileName]));
    }
    const byAdmin = await get(admin, published, 'files/esp-tlhod02.zip');
    expect(byAdmin.status).toBe(200);
    expect(await bytesOf(byAdmin)).toEqual(stored['esp-tlhod02.zip']);
  });

  it('sends the SFV kept beside the folder as a file of the release: whole, by byte range, or its headers alone', async () => {
    const whole = await get(alice, published, `files/${NAME}.sfv`);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-type')).toBe('application/octet-stream');
    expect(whole.headers.get('content-length')).toBe(String(sfv.length));
    expect(whole.headers.get('content-disposition')).toBe(`attachment; filename=${NAME}.sfv`);
    expect(await bytesOf(whole)).toEqual(sfv);

    const ranges: [string, number, number][] = [
      ['bytes=2-9', 2, 9],
      ['bytes=-6', sfv.length - 6, sfv.length - 1],
      ['bytes=5-', 5, sfv.length - 1],
    ];
    for (const [range, start, end] of ranges) {
      const part = await get(alice, published, `files/${NAME}.sfv`, { headers: { Range: range } });
      expect({ range, status: part.status, contentRange: part.headers.get('content-range'), length: part.headers.get('content-length') }).toEqual({
        range,
        status: 206,
        contentRange: `bytes ${start}-${end}/${sfv.length}`,
        length: String(end - start + 1),
      });
      expect(await bytesOf(part)).toEqual(sfv.subarray(start, end + 1));
    }

    const head = await get(alice, published, `files/${NAME}.sfv`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(sfv.length));
    expect((await bytesOf(head)).length).toBe(0);
  });

  it('answers one byte range of a volume with 206, several ranges or another unit with the whole file, and a range past the end with 416', async () => {
    const fileName = 'esp-tlhod01.zip';
    const whole = stored[fileName];
    const ask = (range: string) => get(alice, published, `files/${fileName}`, { headers: { Range: range } });

    const part = await ask('bytes=10-29');
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-29/${whole.length}`);
    expect(part.headers.get('content-length')).toBe('20');
    expect(part.headers.get('content-disposition')).toBe(`attachment; filename=${fileName}`);
    expect(await bytesOf(part)).toEqual(whole.subarray(10, 30));
    const tail = await ask('bytes=-5');
    expect(tail.headers.get('content-range')).toBe(`bytes ${whole.length - 5}-${whole.length - 1}/${whole.length}`);
    expect(await bytesOf(tail)).toEqual(whole.subarray(-5));
    // Adjacent ranges are one range.
    const joined = await ask('bytes=0-3,4-7');
    expect(joined.status).toBe(206);
    expect(await bytesOf(joined)).toEqual(whole.subarray(0, 8));

    for (const range of ['bytes=0-1,5-6', 'items=0-5', 'bytes=oops']) {
      const res = await ask(range);
      expect({ range, status: res.status, contentRange: res.headers.get('content-range') }).toEqual({ range, status: 200, contentRange: null });
      expect(await bytesOf(res)).toEqual(whole);
    }

    const past = await ask(`bytes=${whole.length}-`);
    expect(past.headers.get('content-range')).toBe(`bytes */${whole.length}`);
    expect(await refusal(past)).toMatchObject({
      status: 416,
      code: 'RANGE_NOT_SATISFIABLE',
      message: `The range asked for is not within the file (${whole.length} bytes), or ends before it starts`,
      details: { size: whole.length },
    });
    // A suffix longer than the file is the whole file (RFC 9110 14.1.3).
    const longSuffix = await ask('bytes=-999999999999');
    expect({ status: longSuffix.status, contentRange: longSuffix.headers.get('content-range') }).toEqual({ status: 206, contentRange: `bytes 0-${whole.length - 1}/${whole.length}` });
    expect(await bytesOf(longSuffix)).toEqual(whole);
    // A range that ends before it starts is refused the same way (RFC 9110 14.2: it SHOULD be a 416).
    const backwards = await ask('bytes=5-2');
    expect(backwards.headers.get('content-range')).toBe(`bytes */${whole.length}`);
    expect(await refusal(backwards)).toMatchObject({ status: 416, code: 'RANGE_NOT_SATISFIABLE' });

    const head = await get(alice, published, `files/${fileName}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(whole.length));
    expect(head.headers.get('accept-ranges')).toBe('bytes');
    expect((await bytesOf(head)).length).toBe(0);
  });

  it('sends the whole release as one zip of known length: a folder named after it holding its listed files in order, then its SFV, stored and dated when it was published', async () => {
    const res = await get(admin, published, 'archive');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename=${NAME}.zip`);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    const body = await bytesOf(res);
    expect(res.headers.get('content-length')).toBe(String(body.length));
    const zip = path.join(app.dataDir, 'archive.zip');
    fs.writeFileSync(zip, body);
    expect(execFileSync('unzip', ['-tq', zip]).toString()).toContain('No errors detected');

    // zipinfo -T: "-rw-rw-r--  6.3 unx  <size> bX <method> <yyyymmdd.hhmmss> <name>"
    const entries = execFileSync('zipinfo', ['-T', zip])
      .toString()
      .split('\n')
      .map((line) => /^\S+\s+\S+\s+\S+\s+(\d+)\s+\S+\s+(\S+)\s+(\d{8}\.\d{6})\s+(.+)$/.exec(line))
      .filter((match) => match !== null)
      .map(([, size, method, date, name]) => ({ name, size: Number(size), method, date }));
    const pad = (n: number) => String(n).padStart(2, '0');
    const at = PUBLISHED_AT;
    const date = `${at.getFullYear()}${pad(at.getMonth() + 1)}${pad(at.getDate())}.${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
    expect(entries).toEqual([
      ...LISTED.map((fileName) => ({ name: `${NAME}/${fileName}`, size: stored[fileName].length, method: 'stor', date })),
      { name: `${NAME}/${NAME}.sfv`, size: sfv.length, method: 'stor', date },
    ]);
    for (const fileName of LISTED) expect(sha256(execFileSync('unzip', ['-p', zip, `${NAME}/${fileName}`]))).toBe(sha256(stored[fileName]));
    expect(execFileSync('unzip', ['-p', zip, `${NAME}/${NAME}.sfv`])).toEqual(sfv);

    // Unpacked, it is the release as a site holds it: the SFV checks its volumes.
    const out = path.join(app.dataDir, 'unpacked');
    execFileSync('unzip', ['-q', zip, '-d', out]);
    execFileSync('cksfv', ['-q', '-C', path.join(out, NAME), '-f', path.join(out, NAME, `${NAME}.sfv`)]);
    fs.rmSync(out, { recursive: true });
    fs.rmSync(zip);
  });

  it("answers 404 for a file the row does not list (even one in the folder) and for another operator's release", async () => {
    expect(await refusal(await get(alice, published, 'files/notes.txt'))).toMatchObject(notFound(`File notes.txt of release ${published.id} not found`));
    expect(await refusal(await get(alice, published, 'files/secrets.json'))).toMatchObject(notFound(`File secrets.json of release ${published.id} not found`));
    expect(await refusal(await get(bob, published, 'files/esp-tlhod01.zip'))).toMatchObject(notFound(`Release ${published.id} not found`));
    expect(await refusal(await get(bob, published, `files/${NAME}.sfv`))).toMatchObject(notFound(`Release ${published.id} not found`));
    expect(await refusal(await get(bob, published, 'archive'))).toMatchObject(notFound(`Release ${published.id} not found`));
  });

  it('refuses a release that is not published: 404 for its files and SFV, 409 NOT_PUBLISHED for its archive', async () => {
    // Failed after its files were written: a name, a folder, an SFV and listed files, none of them published.
    const failed = await releaseOf(alice, { state: 'failed', name: 'Failed.Release-ESP', error: 'The rule refused it' });
    const files = { 'esp-fail.nfo': Buffer.from('nfo'), 'esp-fail01.zip': volume('x') };
    store(failed.name!, files);
    storeSfv(failed.name!, { 'esp-fail01.zip': files['esp-fail01.zip'] });
    await list(failed, Object.keys(files));
    // Done, but unnamed.
    const unnamed = await releaseOf(alice, { state: 'done', name: null });

    for (const what of ['files/esp-fail.nfo', 'files/Failed.Release-ESP.sfv']) {
      expect(await refusal(await get(alice, failed, what))).toMatchObject(notFound(`File ${what.slice('files/'.length)} of release ${failed.id} not found`));
    }
    expect(await refusal(await get(alice, unnamed, 'files/esp.nfo'))).toMatchObject(notFound(`File esp.nfo of release ${unnamed.id} not found`));
    expect(await refusal(await get(alice, failed, 'archive'))).toMatchObject({
      status: 409,
      code: 'NOT_PUBLISHED',
      message: 'Release is failed; only a published release can be downloaded',
    });
    expect(await refusal(await get(alice, unnamed, 'archive'))).toMatchObject({
      status: 409,
      code: 'NOT_PUBLISHED',
      message: 'Release is done; only a published release can be downloaded',
    });
  });

  it('answers 404 in JSON, before any byte, for a listed file missing from storage, and for a release whose folder is gone', async () => {
    const partly = await releaseOf(alice, { name: 'Partly.Stored-ESP' });
    store(partly.name!, { 'esp-part.nfo': Buffer.from('the nfo') });
    await list(partly, ['esp-part.nfo', 'esp-part01.zip']);
    expect(await refusal(await get(alice, partly, 'files/esp-part01.zip'))).toMatchObject(notFound(`File esp-part01.zip of release ${partly.id} not found`));
    expect(await refusal(await get(alice, partly, 'archive'))).toMatchObject(notFound(`File esp-part01.zip of release ${partly.id} not found`));
    expect(await bytesOf(await get(alice, partly, 'files/esp-part.nfo'))).toEqual(Buffer.from('the nfo'));

    const gone = await releaseOf(alice, { name: 'Folder.Gone-ESP' });
    await list(gone, ['esp-gone.nfo', 'esp-gone01.zip']);
    expect(await refusal(await get(alice, gone, 'files/esp-gone01.zip'))).toMatchObject(notFound(`File esp-gone01.zip of release ${gone.id} not found`));
    expect(await refusal(await get(alice, gone, 'archive'))).toMatchObject(notFound(`File esp-gone.nfo of release ${gone.id} not found`));
  });

  it('zips a release without an SFV as its files alone, and one that lists no file (and has no folder) as an empty zip', async () => {
    const unchecked = await releaseOf(alice, { name: 'No.Sfv-ESP' });
    store(unchecked.name!, { 'esp-nosfv.nfo': Buffer.from('nfo'), 'esp-nosfv01.zip': volume('y') });
    await list(unchecked, ['esp-nosfv.nfo', 'esp-nosfv01.zip']);
    expect(await refusal(await get(alice, unchecked, 'files/No.Sfv-ESP.sfv'))).toMatchObject(notFound(`File No.Sfv-ESP.sfv of release ${unchecked.id} not found`));
    const zip = path.join(app.dataDir, 'no-sfv.zip');
    fs.writeFileSync(zip, await bytesOf(await get(alice, unchecked, 'archive')));
    expect(execFileSync('unzip', ['-Z1', zip]).toString().trim().split('\n')).toEqual(['No.Sfv-ESP/esp-nosfv.nfo', 'No.Sfv-ESP/esp-nosfv01.zip']);
    fs.rmSync(zip);

    const empty = await releaseOf(alice, { name: 'Nothing.Listed-ESP' });
    const res = await get(alice, empty, 'archive');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-length')).toBe('22');
    // The end-of-central-directory record alone: no entries.
    expect(await bytesOf(res)).toEqual(Buffer.concat([Buffer.from('PK\x05\x06'), Buffer.alloc(18)]));
  });

  it('refuses a caller without a token, a malformed file name or release id, and other methods', async () => {
    expect((await fetch(`${base}/api/releases/${published.id}/archive`)).status).toBe(401);
    expect((await fetch(`${base}/api/releases/${published.id}/files/esp-tlhod01.zip`)).status).toBe(401);
    for (const what of ['files/..%2F..%2Fsecrets.json', 'files/.hidden']) {
      expect(await refusal(await get(alice, published, what))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    }
    expect(await refusal(await get(alice, { id: 'not-a-uuid' }, 'archive'))).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    for (const what of ['archive', 'files/esp-tlhod01.zip']) {
      expect(await refusal(await get(alice, published, what, { method: 'POST' }))).toMatchObject({
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        message: `POST is not allowed on /api/releases/${published.id}/${what}`,
      });
    }
  });

  describe('while the archive streams', () => {
    /** A published release whose first volume is large (sparse: 64 MB of zeros), so its archive takes a while to send. */
    async function largeRelease(name: string): Promise<{ release: Release; first: string; second: string }> {
      const release = await releaseOf(alice, { name });
      const dir = store(name, { 'esp-big02.zip': Buffer.from('the second volume') });
      fs.writeFileSync(path.join(dir, 'esp-big01.zip'), '');
      fs.truncateSync(path.join(dir, 'esp-big01.zip'), 64 * 1024 * 1024);
      await list(release, ['esp-big01.zip', 'esp-big02.zip']);
      return { release, first: fs.realpathSync(path.join(dir, 'esp-big01.zip')), second: path.join(dir, 'esp-big02.zip') };
    }
    /** Files this process (where the app runs) holds open. */
    const openFiles = () =>
      fs.readdirSync('/proc/self/fd').map((fd) => {
        try {
          return fs.readlinkSync(`/proc/self/fd/${fd}`);
        } catch {
          return '';
        }
      });

    it('a client hanging up mid-archive leaves no file of the release open', async () => {
      const { release, first } = await largeRelease('Hung.Up-ESP');
      const abort = new AbortController();
      const res = await fetch(`${base}/api/releases/${release.id}/archive`, { headers: as(alice), signal: abort.signal });
      await res.body!.getReader().read();
      await until('the first volume to be open', async () => openFiles().includes(first));
      abort.abort();
      await until('the first volume to be closed', async () => !openFiles().includes(first));
    });

    it('a volume removed before its turn cuts the answer short: never a complete-looking zip', async () => {
      const { release, second } = await largeRelease('Cut.Short-ESP');
      const abort = new AbortController();
      const res = await fetch(`${base}/api/releases/${release.id}/archive`, { headers: as(alice), signal: abort.signal });
      expect(res.status).toBe(200);
      const announced = Number(res.headers.get('content-length'));
      const reader = res.body!.getReader();
      let received = (await reader.read()).value!.length;
      fs.rmSync(second);
      const outcome: { failed?: boolean; ended?: boolean } = {};
      void (async () => {
        for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += chunk.value.length;
        outcome.ended = true;
      })().catch(() => (outcome.failed = true));
      try {
        await until('the answer to end or fail', async () => outcome.failed || outcome.ended);
      } finally {
        abort.abort();
      }
      expect(outcome).toEqual({ failed: true });
      expect(received).toBeGreaterThan(64 * 1024 * 1024);
      expect(received).toBeLessThan(announced);
    });
  });

});

describe('live release events', () => {
  type Stream = Awaited<ReturnType<typeof openEvents>>;

  /** A live SSE connection once the server has said it is ready, with the frames about one release or upload. */
  async function openEvents(who: { token: string }) {
    const stream = await openEventStream(`${base}/api/events`, as(who));
    await until('the stream to be ready', async () => stream.frames.some((f) => f.event === 'ready'));
    return { ...stream, about: (id: string) => stream.frames.filter((f) => f.data.releaseId === id || f.data.uploadId === id) };
  }

  /** A listener as the SSE route subscribes one: what it was handed, and how often it was ended. */
  function listener() {
    const heard: LoggedEvent[] = [];
    const self = {
      heard,
      ends: 0,
      send: (logged: LoggedEvent) => void heard.push(logged),
      end: () => void self.ends++,
      about: (id: string) => heard.filter((l) => subjectOf(l.event) === id),
    };
    return self satisfies Listener;
  }
  const subjectOf = (event: ReleaseEvent) => ('uploadId' in event ? event.uploadId : event.releaseId);

  /** The event hub of another API process: the same configuration and log, its own Redis connection. */
  async function anotherProcess(idleStopMs?: number) {
    const redis = createRedis(app.config, 'producer');
    await whenReady(redis, 5000);
    const hub = new ReleaseEventHub(app.config, redis, app.context.logger, idleStopMs);
    return {
      hub,
      async stop() {
        await hub.shutdown();
        redis.disconnect();
      },
    };
  }

  /** Every event in the shared log about one release or upload. */
  const logged = async (id: string) => (await app.context.events.log.since('0-0')).events.filter((l) => subjectOf(l.event) === id);

  /** Adds a job with this id to one of the app's queues, as a producer does (nothing runs it): BullMQ's `added` event. */
  const addJob = (queue: QueueName, jobId: string) => app.context.queue.queue(queue).add('test', {}, { jobId, attempts: 1 });

  /**
   * How many connections follow each queue's events and have started reading them: BullMQ names a
   * QueueEvents connection `<prefix>:<queue in base64>:qe`.
   */
  async function followers(): Promise<Record<string, number>> {
    const clients = String(await probe.client('LIST')).split('\n');
    const reading = (queue: string) => ` name=${app.config.redis.prefix}:${Buffer.from(queue).toString('base64')}:qe `;
    return Object.fromEntries(ALL_QUEUES.map((queue) => [queue, clients.filter((c) => c.includes(reading(queue)) && c.includes(' cmd=xread ')).length]));
  }
  /** Waits until `processes` processes follow every queue but notify's (webhook jobs are no release's). */
  async function following(processes: number): Promise<void> {
    const expected = Object.fromEntries(ALL_QUEUES.map((queue) => [queue, queue === QueueName.Notify ? 0 : processes]));
    await until(`${processes} process(es) following the queues`, async () => JSON.stringify(await followers()) === JSON.stringify(expected));
  }

  let forAlice: Stream;
  let forBob: Stream;
  let forAdmin: Stream;
  let destinations: number[];

  beforeAll(async () => {
    [forAlice, forBob, forAdmin] = [await openEvents(alice), await openEvents(bob), await openEvents(admin)];
    await following(1);
    destinations = [];
    for (const name of ['one', 'two']) {
      const res = await app.http
        .post('/api/destinations')
        .set(as(admin))
        .send({ name, protocol: 'sftp', host: '127.0.0.1', username: 'u', secret: 'p', remotePath: '/in', enabled: true });
      expect(res.status).toBe(201);
      destinations.push(res.body.destination.id);
    }
  });
  afterAll(async () => {
    await Promise.all([forAlice, forBob, forAdmin].map((s) => s?.close()));
  });

  it("sends a release job's event as a snapshot of the release, to its owner and to users with releases:MOD only", async () => {
    expect(forAlice.res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const release = await releaseOf(alice, { state: 'packing', step: 'distribute', progress: 80, name: 'Snapshot.Release-ESP', error: 'Destination one refused the upload' });
    await ReleaseDistribution.query().insert({ releaseId: release.id, destinationId: destinations[0], state: 'failed', progress: 35, bytesSent: 0, attempts: 2, error: 'Permission denied' });
    await ReleaseDistribution.query().insert({ releaseId: release.id, destinationId: destinations[1], state: 'uploading', progress: 60, bytesSent: 0, attempts: 1 });
    const bobs = await releaseOf(bob);
    await addJob(QueueName.Pack, `pack-${release.id}`);
    await addJob(QueueName.Pack, `pack-${bobs.id}`);

    await until('alice, bob and the admin to hear of their releases', async () => forAlice.about(release.id).length && forBob.about(bobs.id).length && forAdmin.about(bobs.id).length && forAdmin.about(release.id).length);
    const [frame] = forAlice.about(release.id);
    expect(frame.event).toBe('release');
    const distributions = [...(frame.data.distributions as { destinationId: number }[])].sort((a, b) => a.destinationId - b.destinationId);
    expect({ ...frame.data, distributions }).toEqual({
      type: 'release',
      releaseId: release.id,
      userId: alice.user.id,
      state: 'packing',
      step: 'distribute',
      progress: 80,
      name: 'Snapshot.Release-ESP',
      error: 'Destination one refused the upload',
      distributions: [
        { destinationId: destinations[0], state: 'failed', progress: 35, error: 'Permission denied' },
        { destinationId: destinations[1], state: 'uploading', progress: 60, error: null },
      ],
    });
    expect(forBob.about(bobs.id).map((f) => f.data)).toEqual([
      { type: 'release', releaseId: bobs.id, userId: bob.user.id, state: 'done', step: null, progress: 100, name: null, error: null, distributions: [] },
    ]);
    // One entry of the shared log, under the same id for everyone who may see it.
    expect(forAdmin.about(release.id)).toEqual([frame]);
    expect(await logged(release.id)).toEqual([{ id: frame.id, event: frame.data }]);
    expect(forBob.about(release.id)).toEqual([]);
    expect(forAlice.about(bobs.id)).toEqual([]);
  });

  it("sends an upload's inspection job as the upload's status and error, to its owner and to users with releases:MOD only", async () => {
    const upload = await insertUpload(alice.user.id, { status: 'rejected', error: 'Not an EPUB: no mimetype entry' });
    const bobs = await insertUpload(bob.user.id, { status: 'inspected' });
    await addJob(QueueName.Upload, `inspect-upload-${upload.id}`);
    await addJob(QueueName.Upload, `inspect-upload-${bobs.id}`);

    await until('alice, bob and the admin to hear of their uploads', async () => forAlice.about(upload.id).length && forBob.about(bobs.id).length && forAdmin.about(bobs.id).length && forAdmin.about(upload.id).length);
    expect(forAlice.about(upload.id).map(({ event, data }) => ({ event, data }))).toEqual([
      { event: 'upload', data: { type: 'upload', uploadId: upload.id, userId: alice.user.id, status: 'rejected', error: 'Not an EPUB: no mimetype entry' } },
    ]);
    expect(forBob.about(bobs.id).map((f) => f.data)).toEqual([{ type: 'upload', uploadId: bobs.id, userId: bob.user.id, status: 'inspected', error: null }]);
    expect(forAdmin.about(upload.id)).toEqual(forAlice.about(upload.id));
    expect(forBob.about(upload.id)).toEqual([]);
    expect(forAlice.about(bobs.id)).toEqual([]);
  });

  it('publishes nothing, and complains of nothing, for a release that is not there', async () => {
    const from = await app.context.events.log.lastId();
    const complaints = app.logged().filter((e) => e.level === 'warn').length;
    const missing = randomUUID();
    await app.context.events.publishRelease(missing);
    await app.context.events.publish(undefined);
    expect((await app.context.events.log.since(from)).events.filter((l) => subjectOf(l.event) === missing)).toEqual([]);
    expect(app.logged().filter((e) => e.level === 'warn')).toHaveLength(complaints);
    expect(await app.context.events.ownerOf(missing)).toBeUndefined();
  });

  it('hands each new log entry to every listener once, in order, until it unsubscribes', async () => {
    const hub = app.context.events;
    const [leaving, staying] = [listener(), listener()];
    const unsubscribeLeaving = await hub.subscribe(leaving);
    const unsubscribeStaying = await hub.subscribe(staying);
    const release = await releaseOf(alice);
    for (let n = 0; n < 3; n++) await hub.publishRelease(release.id);
    await until('three entries', async () => leaving.about(release.id).length >= 3 && staying.about(release.id).length >= 3);
    const entries = await logged(release.id);
    expect(entries).toHaveLength(3);
    expect(leaving.about(release.id)).toEqual(entries);
    expect(staying.about(release.id)).toEqual(entries);

    unsubscribeLeaving();
    await hub.publishRelease(release.id);
    await until('the fourth entry', async () => staying.about(release.id).length >= 4);
    expect(staying.about(release.id)).toEqual(await logged(release.id));
    expect(leaving.about(release.id)).toEqual(entries);
    unsubscribeStaying();
  });

  it('runs on for a while after its last listener has gone, so a reconnect misses nothing, then stops following', async () => {
    const other = await anotherProcess(300);
    try {
      const unsubscribeFirst = await other.hub.subscribe(listener());
      const unsubscribeSecond = await other.hub.subscribe(listener());
      await following(2);
      // One of two gone: it follows on, past the idle time.
      unsubscribeFirst();
      await new Promise((r) => setTimeout(r, 600));
      expect((await followers())[QueueName.Pack]).toBe(2);
      // The last gone, and back within the idle time (a browser reconnecting): still following.
      unsubscribeSecond();
      const unsubscribeAgain = await other.hub.subscribe(listener());
      await new Promise((r) => setTimeout(r, 600));
      expect((await followers())[QueueName.Pack]).toBe(2);
      // Gone for good: it stops once the idle time is over.
      unsubscribeAgain();
      await following(1);
    } finally {
      await other.stop();
    }
  });

  it('hears a job event that comes right after it subscribed, however late its queue readers first read, and none from before it started', async () => {
    // A hub alone on queues and a log of its own prefix, its queue readers reaching Redis through a
    // proxy that holds every command back: their first read comes long after subscribe() returned.
    const proxy = await startSwitchableProxy(Number(new URL(REDIS_URL).port));
    const prefix = `${app.config.redis.prefix}-late`;
    const slowUrl = new URL(REDIS_URL);
    slowUrl.port = String(proxy.port);
    const redis = createRedis(app.config, 'producer');
    const hub = new ReleaseEventHub({ ...app.config, redis: { ...app.config.redis, url: slowUrl.toString(), prefix } }, redis, app.context.logger);
    const queue = new Queue(QueueName.Pack, { connection: { url: REDIS_URL }, prefix });
    const release = await releaseOf(alice, { state: 'packing', progress: 5 });
    const earlier = await releaseOf(alice, { state: 'packing', progress: 1 });
    const heard = listener();
    try {
      await whenReady(redis, 5000);
      // An event from before the hub follows the queue: history, not for a listener that comes now.
      await queue.add('test', {}, { jobId: `pack-${earlier.id}` });
      proxy.delay(500);
      await hub.subscribe(heard);
      await queue.add('test', {}, { jobId: `pack-${release.id}` });
      await until('the job added right after subscribing to be heard', async () => heard.about(release.id).length > 0);
      expect(heard.about(release.id).map((l) => [l.event.type, (l.event as { progress: number }).progress])).toEqual([['release', 5]]);
      expect(heard.about(earlier.id)).toEqual([]);
    } finally {
      await hub.shutdown();
      await queue.close();
      redis.disconnect();
      await proxy.close();
    }
  });

  it('closing stops following and reading, listeners kept, until a new subscriber starts both again; shutting down ends every listener', async () => {
    const other = await anotherProcess();
    const kept = listener();
    try {
      await other.hub.subscribe(kept);
      await following(2);
      await other.hub.close();
      await following(1);
      // Its reader was stopped, not failed: nothing to complain of.
      expect(app.logged('release events not read')).toEqual([]);
      const release = await releaseOf(alice);
      // Appended while that process reads nothing: the running app hands it on, the closed process does not.
      await other.hub.publishRelease(release.id);
      await until('the app to hand it on', async () => forAdmin.about(release.id).length === 1);

      const joining = listener();
      await other.hub.subscribe(joining);
      await following(2);
      await other.hub.publishRelease(release.id);
      const [, second] = await logged(release.id);
      await until('both listeners to hear the second entry', async () => kept.heard.some((l) => l.id === second.id) && joining.heard.some((l) => l.id === second.id));
      expect(kept.about(release.id)).toEqual([second]);
      expect(joining.about(release.id)).toEqual([second]);

      await other.hub.shutdown();
      expect([kept.ends, joining.ends]).toEqual([1, 1]);
      await following(1);
      // Ended listeners are gone: a new subscriber alone hears what follows.
      const after = listener();
      await other.hub.subscribe(after);
      await other.hub.publishRelease(release.id);
      await until('the third entry', async () => after.about(release.id).length === 1);
      expect(kept.about(release.id)).toEqual([second]);
      expect(joining.about(release.id)).toEqual([second]);
    } finally {
      await other.stop();
    }
  });

  it('closing while the feed starts stops it once started; closing a hub that never started does nothing', async () => {
    const idle = await anotherProcess();
    try {
      await idle.hub.close();
      const early = listener();
      const subscribed = idle.hub.subscribe(early);
      await idle.hub.close();
      await subscribed;
      await following(1);
      const release = await releaseOf(alice);
      await app.context.events.publishRelease(release.id);
      await until('the app to hand it on', async () => forAdmin.about(release.id).length === 1);
      expect(early.heard).toEqual([]);
    } finally {
      await idle.stop();
    }
  });

  it('publishes once for each job event it follows: added, active, progress, completed, failed and removed', async () => {
    const release = await releaseOf(alice, { state: 'packing', step: 'distribute', progress: 0 });
    const jobs = app.context.queue.queue(QueueName.Distribute);
    // Jobs taken and finished by hand, as a worker would.
    const worker = new Worker(QueueName.Distribute, null, { connection: { url: app.config.redis.url }, prefix: app.config.redis.prefix });
    const token = 'test-token';
    const take = async (jobId: string) => {
      const job = await worker.getNextJob(token, { block: false });
      expect(job?.id).toBe(jobId);
      return job!;
    };
    /** Changes the row, causes one job event, and waits for the snapshot it publishes. */
    const step = async (fields: Partial<Release>, cause: () => Promise<unknown>) => {
      const heard = forAdmin.about(release.id).length;
      await Release.query().patch(fields).where({ id: release.id });
      await cause();
      await until(`the snapshot after ${JSON.stringify(fields)}`, async () => forAdmin.about(release.id).length > heard);
    };
    let taken: Awaited<ReturnType<typeof take>> | undefined;
    try {
      const sent = `distribute-${release.id}-${destinations[0]}`;
      await step({ progress: 10 }, () => addJob(QueueName.Distribute, sent));
      await step({ progress: 20 }, async () => (taken = await take(sent)));
      await step({ progress: 30 }, () => taken!.updateProgress(30));
      await step({ state: 'done', progress: 100 }, () => taken!.moveToCompleted('sent', token, false));

      const refused = `distribute-${release.id}-${destinations[1]}`;
      await step({ state: 'packing', progress: 40 }, () => addJob(QueueName.Distribute, refused));
      await step({ progress: 50 }, async () => (taken = await take(refused)));
      await step({ state: 'failed', error: 'Upload refused' }, () => taken!.moveToFailed(new Error('Upload refused'), token, false));

      const dropped = `distribute-${release.id}-99`;
      await step({ state: 'packing', error: null, progress: 60 }, () => addJob(QueueName.Distribute, dropped));
      await step({ progress: 70 }, () => jobs.remove(dropped));
    } finally {
      await worker.close();
    }
    expect(forAdmin.about(release.id).map((f) => [f.data.state, f.data.progress, f.data.error])).toEqual([
      ['packing', 10, null], // added
      ['packing', 20, null], // active
      ['packing', 30, null], // progress
      ['done', 100, null], // completed
      ['packing', 40, null], // added
      ['packing', 50, null], // active
      ['failed', 50, 'Upload refused'], // failed
      ['packing', 60, null], // added
      ['packing', 70, null], // removed
    ]);
  });

  it('publishes for the job ids of a release step (inspect, enrich, pack, distribute-<n>) and of an upload inspection, and for nothing else', async () => {
    const release = await releaseOf(alice, { name: 'Job.Ids-ESP' });
    const upload = await insertUpload(alice.user.id);
    const published: [QueueName, string][] = [
      [QueueName.Upload, `inspect-${release.id}`],
      [QueueName.Enrich, `enrich-${release.id}`],
      [QueueName.Pack, `pack-${release.id}`],
      [QueueName.Distribute, `distribute-${release.id}-12`],
      [QueueName.Upload, `inspect-upload-${upload.id}`],
    ];
    // Followed, but naming no row: looked at, and nothing to say.
    const unknown: [QueueName, string][] = [
      [QueueName.Pack, `pack-${randomUUID()}`],
      [QueueName.Upload, `inspect-upload-${randomUUID()}`],
    ];
    // Not a job of a release or an upload (each names a real one), or one of the notify queue, which is not followed.
    const ignored: [QueueName, string][] = [
      [QueueName.Pack, `repack-${release.id}`],
      [QueueName.Pack, `pack-${release.id}x`],
      [QueueName.Pack, `pack-${release.id}-x`],
      [QueueName.Pack, `pack_${release.id}`],
      [QueueName.Enrich, `notify-${release.id}`],
      [QueueName.Upload, `inspect-upload-${upload.id}-1`],
      [QueueName.Upload, `reinspect-upload-${upload.id}`],
      [QueueName.Notify, `pack-${release.id}`],
    ];
    for (const [queue, jobId] of [...ignored, ...unknown, ...published]) await addJob(queue, jobId);

    await until('the release and upload snapshots', async () => (await logged(release.id)).length >= 4 && (await logged(upload.id)).length >= 1);
    expect((await logged(release.id)).map((l) => l.event)).toEqual(Array(4).fill(expect.objectContaining({ type: 'release', releaseId: release.id })));
    expect((await logged(upload.id)).map((l) => l.event)).toEqual([expect.objectContaining({ type: 'upload', uploadId: upload.id })]);

    // Once across processes: the first to see BullMQ's event id takes it (SET NX, kept five minutes).
    const seenKey = async (queue: QueueName, jobId: string) => {
      const events = (await probe.xrange(`${app.config.redis.prefix}:${queue}:events`, '-', '+')) as [string, string[]][];
      const fieldsOf = (fields: string[]) => Object.fromEntries(fields.flatMap((f, i) => (i % 2 ? [] : [[f, fields[i + 1]]])));
      const [added] = events.filter(([, fields]) => fieldsOf(fields).event === 'added' && fieldsOf(fields).jobId === jobId);
      const key = `${app.config.redis.prefix}:release-events:seen:${queue}:${added[0]}`;
      return { jobId, value: await probe.get(key), ttl: await probe.ttl(key) };
    };
    for (const [queue, jobId] of [...published, ...unknown]) {
      const seen = await seenKey(queue, jobId);
      expect(seen).toEqual({ jobId, value: '1', ttl: expect.any(Number) });
      expect(seen.ttl).toBeGreaterThan(0);
      expect(seen.ttl).toBeLessThanOrEqual(300);
    }
    for (const [queue, jobId] of ignored) expect(await seenKey(queue, jobId)).toEqual({ jobId, value: null, ttl: -2 });
  });

  it('publishes each event once however many processes follow the queues, and every process hands it to its listeners', async () => {
    const other = await anotherProcess();
    const theirs = listener();
    try {
      await other.hub.subscribe(theirs);
      await following(2);
      const release = await releaseOf(alice, { name: 'Two.Processes-ESP' });
      await addJob(QueueName.Pack, `pack-${release.id}`);
      await addJob(QueueName.Enrich, `enrich-${release.id}`);
      // Later events on the same queues: by the time both processes have seen these, they have seen the first ones.
      const later = await releaseOf(alice);
      await addJob(QueueName.Pack, `pack-${later.id}`);
      await addJob(QueueName.Enrich, `enrich-${later.id}`);
      await until('both processes to hand on the later events', async () => theirs.about(later.id).length >= 2 && forAdmin.about(later.id).length >= 2);

      expect(await logged(release.id)).toHaveLength(2);
      expect(forAdmin.about(release.id).map((f) => f.id)).toEqual(theirs.about(release.id).map((l) => l.id));
      expect(theirs.about(release.id).map((l) => l.event)).toEqual((await logged(release.id)).map((l) => l.event));
      expect(await logged(later.id)).toHaveLength(2);
    } finally {
      await other.stop();
    }
    expect(theirs.ends).toBe(1);
    await following(1);
  });

  it("publishes the API's own changes: a request's job added, a cancel, and a deletion told to the release's owner", async () => {
    const upload = await insertUpload(alice.user.id, { metadata: INSPECTED_BOOK });
    const requested = await app.http.post('/api/releases').set(as(alice)).send({ uploadId: upload.id, options: { group: 'ESP' } });
    expect(requested.status).toBe(202);
    const id: string = requested.body.release.id;
    await until('the queued release', async () => forAlice.about(id).length === 1);
    expect(forAlice.about(id)[0].data).toMatchObject({ type: 'release', releaseId: id, userId: alice.user.id, state: 'queued' });
    // Reading it publishes nothing, a HEAD no more than a GET: an event published after them arrives, and nothing before it.
    expect((await app.http.head(`/api/releases/${id}`).set(as(alice))).status).toBe(200);
    expect((await app.http.get(`/api/releases/${id}`).set(as(alice))).status).toBe(200);
    const after = await releaseOf(alice);
    await app.context.events.publishRelease(after.id);
    await until('the event published after the reads', async () => forAlice.about(after.id).length === 1);
    expect(forAlice.about(id)).toHaveLength(1);

    // Its enrich job removed (BullMQ's `removed`, read as the cancel goes on), and the cancel itself.
    expect((await app.http.post(`/api/releases/${id}/cancel`).set(as(alice))).status).toBe(200);
    await until('the cancel', async () => forAlice.about(id).length === 3);
    expect(forAlice.about(id).map((f) => f.data.state)).toContain('cancelled');
    expect(await app.context.events.ownerOf(id)).toBe(alice.user.id);

    // Deleted by an admin: the owner is told, read before the row went.
    expect((await app.http.delete(`/api/releases/${id}`).set(as(admin))).status).toBe(204);
    await until('the deletion', async () => forAlice.about(id).length === 4 && forAdmin.about(id).length === 4);
    expect(forAlice.about(id).at(-1)).toMatchObject({ event: 'release-deleted', data: { type: 'release-deleted', releaseId: id, userId: alice.user.id } });
    expect(await app.context.events.ownerOf(id)).toBeUndefined();
    // Bob hears of his own release after all that, and of none of it.
    const bobs = await releaseOf(bob);
    await app.context.events.publishRelease(bobs.id);
    await until('bob to hear of his release', async () => forBob.about(bobs.id).length === 1);
    expect(forBob.about(id)).toEqual([]);
  });

  it('logs a snapshot the database cannot give or the log cannot take, and carries on', async () => {
    const release = await releaseOf(alice, { name: 'Bad.Moments-ESP' });
    const { db } = app.context;
    // The database fails the snapshot's query: its distributions table renamed away for a moment.
    await db.schema.renameTable('release_distributions', 'release_distributions_away');
    try {
      await addJob(QueueName.Pack, `pack-${release.id}`);
      const [warning] = await until('the snapshot not published', async () => {
        const found = app.logged('release event not published').filter((e) => e.jobId === `pack-${release.id}`);
        return found.length ? found : undefined;
      });
      expect(warning).toMatchObject({ level: 'warn', jobId: `pack-${release.id}`, error: expect.stringContaining('release_distributions') });
    } finally {
      await db.schema.renameTable('release_distributions_away', 'release_distributions');
    }

    // The log refuses the entry: its key holds a string for a moment.
    const { key } = app.context.events.log;
    await probe.rename(key, `${key}:aside`);
    await probe.set(key, 'not a stream');
    try {
      await addJob(QueueName.Pack, `pack-${release.id}-1`);
      const [warning] = await until('the snapshot not recorded', async () => {
        const found = app.logged('release event not recorded');
        return found.length ? found : undefined;
      });
      expect(warning).toMatchObject({ level: 'warn', error: expect.stringContaining('WRONGTYPE') });
    } finally {
      await probe.rename(`${key}:aside`, key);
    }

    await addJob(QueueName.Pack, `pack-${release.id}-2`);
    await until('the next snapshot', async () => forAlice.about(release.id).length);
    expect(forAlice.about(release.id)).toHaveLength(1);
    expect(await logged(release.id)).toHaveLength(1);
  });

  it('shutting down ends every live connection and stops following the queues', async () => {
    const late = await openEvents(alice);
    await app.context.events.shutdown();
    await until('every stream to be ended by the server', async () => [late, forAlice, forBob, forAdmin].every((s) => s.ended()));
    await following(0);
    expect(app.logged('release events not read')).toEqual([]);
  });
});
