import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startApiProcess, ApiProcess } from './support/api-process';
import { startTestApp, TestApp } from './support/test-app';
import { waitFor } from './support/worker-process';

/**
 * Broken and aborted multipart bodies against the real API process, written on raw sockets so
 * the test controls exactly where the body stops. After each the process must still answer, with
 * no partial file and no file descriptor left behind.
 */
let app: TestApp;
let api: ApiProcess;
let token: string;

beforeAll(async () => {
  app = await startTestApp();
  token = (await app.createUser('admin')).token;
  api = await startApiProcess(app.env);
}, 90_000);
afterAll(async () => {
  await api?.stop();
  await app?.close();
});

const BOUNDARY = 'XB';
const ROUTES = ['/api/uploads', '/api/rules/import'] as const;

function part(field: string, filename: string, content: string | Buffer): Buffer {
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), Buffer.from(content), Buffer.from('\r\n')]);
}
const closing = Buffer.from(`--${BOUNDARY}--\r\n`);
const RULES_TEXT = fs.readFileSync(path.join(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo'));

interface RawOptions {
  /** Content-Length to declare; defaults to the body's length. */
  declaredLength?: number;
  /** Destroy the socket after writing instead of waiting for the answer. */
  disconnect?: boolean;
}

/** One request on a raw socket; resolves with the status (0 when the client hung up). */
function rawPost(route: string, body: Buffer, { declaredLength = body.length, disconnect = false }: RawOptions = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(api.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.setTimeout(30_000, () => socket.destroy());
    const head =
      `POST ${route} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\nConnection: close\r\n` +
      `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${declaredLength}\r\n\r\n`;
    socket.write(Buffer.concat([Buffer.from(head), body]), () => {
      // Give the server time to start writing the part before the client vanishes.
      if (disconnect) setTimeout(() => socket.destroy(), 20);
    });
  });
}

/** Every file under the upload folder, partial or published. */
function storedFiles(): string[] {
  const dir = app.config.storage.uploadDir;
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}

const DB_POOL_MAX = 10;

interface FdCount {
  total: number;
  sockets: number;
  others: number;
}

function countFds(): FdCount {
  const targets = api.fdTargets();
  const sockets = targets.filter((target) => target.startsWith('socket:')).length;
  return { total: targets.length, sockets, others: targets.length - sockets };
}

async function expectHealthy(fdsBefore: FdCount, filesBefore: string[]): Promise<void> {
  expect(api.child.exitCode).toBeNull();
  expect((await fetch(`http://127.0.0.1:${api.port}/health`)).status).toBe(200);
  // Descriptors and partial files are released asynchronously once the streams are destroyed.
  await waitFor('descriptors and partial files to be released', async () => api.openFds() <= fdsBefore.total && storedFiles().length === filesBefore.length, 10_000).catch(() => undefined);
  // No descriptor of the upload folder stays open and files, pipes and the like are back to the
  // baseline. Sockets may grow by what the MariaDB pool opens under the concurrent aborted requests
  // (at most 10 connections, kept while idle); a leak of one per upload would be 50.
  expect(api.fdTargets().filter((target) => target.startsWith(app.config.storage.uploadDir))).toEqual([]);
  const after = countFds();
  expect(after.others).toBeLessThanOrEqual(fdsBefore.others);
  expect(after.sockets).toBeLessThanOrEqual(fdsBefore.sockets + DB_POOL_MAX);
  expect(storedFiles()).toEqual(filesBefore);
  expect(api.output.join('')).not.toMatch(/Unexpected end of|uncaught|Emitted 'error'/i);
}

let fdsBefore: FdCount;
let filesBefore: string[];
beforeEach(async () => {
  // A process that a previous case killed is restarted, so each case is judged on its own.
  if (api.child.exitCode !== null) api = await startApiProcess(app.env);
  // Warm the process (database pool, Redis) so a baseline is a baseline.
  expect((await fetch(`http://127.0.0.1:${api.port}/health`)).status).toBe(200);
  fdsBefore = countFds();
  filesBefore = storedFiles();
});

describe.each(ROUTES)('multipart faults on POST %s', (route) => {
  const content = route === '/api/uploads' ? 'PK\x03\x04hello' : RULES_TEXT;

  it('answers 400 to a body that ends without its closing boundary (the reproduction in issue 18)', async () => {
    const body = Buffer.from(`--XB\r\nContent-Disposition: form-data; name="file"; filename="a.epub"\r\n\r\nPK\x03\x04hello`, 'latin1');
    const res = await rawPost(route, body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toMatchObject({ code: expect.any(String), message: expect.any(String), requestId: expect.any(String) });
    await expectHealthy(fdsBefore, filesBefore);
  });

  it('answers 400 to a truncated part the route ignores', async () => {
    const body = Buffer.from(`--XB\r\nContent-Disposition: form-data; name="other"; filename="b.bin"\r\n\r\nignored bytes`, 'latin1');
    const res = await rawPost(route, body);
    expect(res.status).toBe(400);
    await expectHealthy(fdsBefore, filesBefore);
  });

  it('answers 400 to a truncated second part and keeps nothing of the complete first part', async () => {
    const body = Buffer.concat([part('file', 'a.epub', content), Buffer.from(`--XB\r\nContent-Disposition: form-data; name="extra"; filename="c.bin"\r\n\r\nhalf`)]);
    const res = await rawPost(route, body);
    expect(res.status).toBe(400);
    await expectHealthy(fdsBefore, filesBefore);
  });

  it('answers 400 to a part header cut in the middle', async () => {
    const res = await rawPost(route, Buffer.from('--XB\r\nContent-Disposition: form-data; name="fi'));
    expect(res.status).toBe(400);
    await expectHealthy(fdsBefore, filesBefore);
  });

  it('releases everything after 50 clients disconnect mid-upload at different points', async () => {
    const full = Buffer.concat([part('file', 'a.epub', Buffer.alloc(200_000, 7)), closing]);
    const header = full.indexOf('\r\n\r\n') + 4;
    for (let i = 0; i < 50; i++) {
      // Cut inside the part headers, right after them (the file stream is just opening) and deep in the data.
      const cut = [header - 5, header, header + 1, header + 4096, header + 150_000][i % 5];
      const res = await rawPost(route, full.subarray(0, cut), { declaredLength: full.length, disconnect: true });
      // A size-limited route may refuse first (413); otherwise the client is gone before any answer.
      expect([0, 413]).toContain(res.status);
    }
    await expectHealthy(fdsBefore, filesBefore);
  });

  it('still stores a well-formed request afterwards', async () => {
    const res = await rawPost(route, Buffer.concat([part('file', route === '/api/uploads' ? 'book.epub' : 'rules.nfo', content), closing]));
    expect([201, 202]).toContain(res.status);
  });
});
