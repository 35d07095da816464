import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestApp, TestApp } from '../support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from '../support/worker-process';
import { CorpusBook, debOf, fetchCorpus } from './fetch';

/**
 * Real books written by others (test/corpus/books.json, SOURCES.md) through the whole product:
 * upload and release over HTTP, one real worker process, catalogues unreachable, so every name
 * comes from what the files say. Each name must be the one written by hand after reading the book.
 */
let app: TestApp;
let operator: { user: { id: number }; token: string };
let worker: ReturnType<typeof startWorker>;
let books: CorpusBook[];
const auth = () => ({ Authorization: `Bearer ${operator.token}` });
const proofOf = (b: CorpusBook) => `https://packages.debian.org/bookworm/${b.package}`;

beforeAll(async () => {
  books = fetchCorpus();
  app = await startTestApp();
  operator = await app.createUser('operator');
  const admin = await app.createUser('admin', 'corpus-admin@example.test', []);
  const style = await app.http
    .post('/api/groups')
    .set('Authorization', `Bearer ${admin.token}`)
    .send({ tag: 'STYLE', name: 'Styled', memberIds: [operator.user.id], authorSeparator: '.-.', tagCase: 'upper', ebookTag: 'eBOOK' });
  expect(style.status).toBe(201);
  worker = await startReadyWorker(app.env, app.context.queue);
}, 300_000);
afterAll(async () => {
  if (worker) await stopWorker(worker);
  await app?.close();
});

async function uploaded(file: string): Promise<{ id: string; status: string; error?: string }> {
  const res = await app.http.post('/api/uploads').set(auth()).attach('file', file);
  expect([200, 202]).toContain(res.status);
  return waitFor(`inspection of ${path.basename(file)}`, async () => {
    const u = (await app.http.get(`/api/uploads/${res.body.upload.id}`).set(auth())).body.upload;
    return ['inspected', 'rejected'].includes(u.status) ? u : undefined;
  }, 120_000);
}

async function settled(releaseId: string) {
  return waitFor(`release ${releaseId} to settle`, async () => {
    const res = await app.http.get(`/api/releases/${releaseId}`).set(auth());
    return ['done', 'failed', 'review'].includes(res.body.release.state) ? res.body.release : undefined;
  }, 300_000);
}

function nfoOf(name: string): Buffer {
  const dir = path.join(app.config.storage.releasesDir, name);
  const nfo = fs.readdirSync(dir).find((f) => f.endsWith('.nfo'));
  return fs.readFileSync(path.join(dir, nfo!));
}

describe('corpus of real books', () => {
  it('holds at least 20 books in at least 6 languages and 4 scripts, EPUBs and PDFs without an info-dictionary title among them', () => {
    const named = books.filter((b) => b.expected);
    expect(named.length).toBeGreaterThanOrEqual(20);
    expect(new Set(named.map((b) => b.language)).size).toBeGreaterThanOrEqual(6);
    expect(new Set(named.map((b) => b.script)).size).toBeGreaterThanOrEqual(4);
    expect(named.some((b) => b.file.endsWith('.epub'))).toBe(true);
    // debian-reference-ja's info dictionary has a title but a template marker for its author.
    const info = (b: CorpusBook) => execFileSync('pdfinfo', [b.file]).toString();
    expect(named.filter((b) => b.file.endsWith('.pdf')).some((b) => /\[FAMILY Given\]/.test(info(b)))).toBe(true);
  });

  it('names every book as written by hand, with an NFO of at most 80 CP437 columns naming its author or publisher and its language', async () => {
    const uploads = await Promise.all(books.map(async (b) => ({ book: b, upload: await uploaded(b.file) })));
    const requests: { book: CorpusBook; group: string; releaseId: string; expected: string }[] = [];
    for (const { book, upload } of uploads) {
      if (!book.expected) {
        expect({ id: book.id, status: upload.status }).toEqual({ id: book.id, status: 'rejected' });
        expect(upload.error).toContain(book.rejected);
        continue;
      }
      expect({ id: book.id, status: upload.status }).toEqual({ id: book.id, status: 'inspected' });
      const options = { group: 'ESP', source: 'RETAIL', proofUrl: proofOf(book) };
      if (book.needs) {
        // No author, no publisher, no ISBN: the dry run says it would wait in review for one.
        const dryRun = await app.http.post('/api/releases/preview').set(auth()).send({ uploadId: upload.id, options });
        expect(dryRun.status).toBe(200);
        expect(dryRun.body.preview.reviewReasons).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'MISSING_AUTHOR' })]));
      }
      const res = await app.http.post('/api/releases').set(auth()).send({ uploadId: upload.id, options: { ...options, overrides: book.overrides ?? {} } });
      expect({ id: book.id, status: res.status, body: res.status === 202 ? undefined : res.body }).toEqual({ id: book.id, status: 202, body: undefined });
      requests.push({ book, group: 'ESP', releaseId: res.body.release.id, expected: book.expected });
    }
    // The group's stored naming style takes effect through the same pipeline.
    const french = uploads.find((u) => u.book.id === 'debian-reference-fr-pdf')!;
    const styled = await app.http.post('/api/releases').set(auth()).send({ uploadId: french.upload.id, options: { group: 'STYLE', source: 'RETAIL', proofUrl: proofOf(french.book) } });
    expect(styled.status).toBe(202);
    requests.push({ book: french.book, group: 'STYLE', releaseId: styled.body.release.id, expected: 'Osamu.Aoki.-.Reference.Debian.2023.FRENCH.RETAIL.eBOOK-STYLE' });

    const results = await Promise.all(requests.map(async (r) => ({ ...r, release: await settled(r.releaseId) })));
    expect(results.map((r) => ({ id: r.book.id, state: r.release.state, name: r.release.name, why: r.release.error ?? r.release.reviewReasons ?? undefined }))).toEqual(
      results.map((r) => ({ id: r.book.id, state: 'done', name: r.expected, why: undefined })),
    );
    for (const { book, release } of results) {
      const nfo = nfoOf(release.name);
      const lines = nfo.toString('latin1').split('\r\n');
      const widest = Math.max(...lines.map((l) => l.length));
      expect({ id: book.id, widest: widest <= 80 }).toEqual({ id: book.id, widest: true });
      expect({ id: book.id, creator: lines.some((l) => /\b(Author|Publisher)\.*: \S/.test(l)) }).toEqual({ id: book.id, creator: true });
      expect({ id: book.id, language: lines.some((l) => /\bLanguage\.*: [A-Za-z]{4,}/.test(l)) }).toEqual({ id: book.id, language: true });
      for (const f of release.files.filter((x: { kind: string }) => x.kind === 'zip')) execFileSync('unzip', ['-tq', path.join(app.config.storage.releasesDir, release.name, f.fileName)]);
    }
  }, 900_000);

  it('fails loudly when the mirror no longer has a recorded version', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corpus-'));
    try {
      expect(() => debOf('debian-reference-en', '0.0-gone', dir)).toThrow(/apt-get download debian-reference-en=0\.0-gone failed .*no longer carry this version/s);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
