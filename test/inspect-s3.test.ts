import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../lib/config';
import { DrmProtectedError } from '../jobs/inspect/drm';
import { writeEpub, writePdf } from '../jobs/inspect/fixtures/books';
import { readBook } from '../jobs/inspect/read-book';
import { RejectedFileError } from '../jobs/inspect/rejected-file-error';
import { readUploadedBook } from '../jobs/inspect/read-uploaded-book';
import { remoteStorage } from '../jobs/stored-files';
import { recordS3Requests, RecordingProxy, S3Server, startS3Server } from './support/s3-server';

/**
 * Inspecting an upload kept in a real S3-compatible server (s3rver, behind a proxy that counts the
 * bytes it answers): an EPUB is read where it lies, by byte ranges, fetching a sliver of it; a PDF
 * is copied to scratch for poppler; both give what reading the local file gives.
 */
jest.setTimeout(120_000);

let s3: S3Server;
let proxy: RecordingProxy;
let work: string;
let config: ReturnType<typeof loadConfig>;
beforeAll(async () => {
  s3 = await startS3Server();
  proxy = await recordS3Requests(s3);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-inspect-s3-'));
  config = loadConfig({ ...s3.env, S3_ENDPOINT: proxy.endpoint, DATA_DIR: path.join(work, 'data'), NODE_ENV: 'test' });
}, 60_000);
afterAll(async () => {
  await proxy?.close();
  await s3?.stop();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Stores the local file as a new upload; returns its id. */
async function uploaded(file: string): Promise<string> {
  const id = randomUUID();
  await remoteStorage(config)!.objects.put(`uploads/${id}`, fs.createReadStream(file));
  return id;
}

it('reads a 20 MB EPUB by byte ranges, fetching less than 1 MB of it, as the local reader reads the file', async () => {
  const book = path.join(work, 'big.epub');
  await writeEpub(book, { title: 'The Farthest Shore', creators: [{ name: 'Ursula K. Le Guin' }], isbn: '9780547773704', paddingBytes: 20_000_000 });
  const id = await uploaded(book);
  const before = proxy.answeredBytes();
  const metadata = await readUploadedBook(config, id);
  expect(proxy.answeredBytes() - before).toBeLessThan(1_000_000);
  expect(metadata).toEqual(await readBook(book));
  expect(metadata).toMatchObject({ format: 'epub', title: 'The Farthest Shore', isbn: '9780547773704' });
});

it('refuses a DRM-protected EPUB and a file that is no book, read by ranges as well', async () => {
  const drm = path.join(work, 'drm.epub');
  await writeEpub(drm, { extraFiles: { 'META-INF/rights.xml': '<rights xmlns="http://ns.adobe.com/adept"/>' } });
  await expect(readUploadedBook(config, await uploaded(drm))).rejects.toBeInstanceOf(DrmProtectedError);
  const text = path.join(work, 'notes.epub');
  fs.writeFileSync(text, 'just some notes\n');
  await expect(readUploadedBook(config, await uploaded(text))).rejects.toThrow(RejectedFileError);
});

it('copies a PDF to scratch for poppler and reads it as the local file', async () => {
  const pdf = path.join(work, 'book.pdf');
  writePdf(pdf, { title: 'Tehanu', author: 'Ursula K. Le Guin' });
  const id = await uploaded(pdf);
  const before = proxy.answeredBytes();
  expect(await readUploadedBook(config, id)).toEqual(await readBook(pdf));
  expect(proxy.answeredBytes() - before).toBeGreaterThanOrEqual(fs.statSync(pdf).size);
});
