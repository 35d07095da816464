import fs from 'node:fs';
import path from 'node:path';
import { Release } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { as, Caller, PipelineWorld, startPipelineWorld } from './support/pipeline-world';
import type { TestApp } from './support/test-app';

/**
 * POST /api/releases/:id/retry over HTTP with a real worker: a failed or cancelled release is
 * requested again as a new release that replaces it; a refused retry leaves it exactly as it was.
 */
let world: PipelineWorld<'operator' | 'stranger' | 'admin'>;
let app: TestApp;
let operator: Caller & { user?: { id: number } };
let stranger: Caller;
let admin: Caller;

beforeAll(async () => {
  world = await startPipelineWorld({ users: { operator: ['operator', 'retry-op@example.test'], stranger: ['operator'], admin: ['admin', 'retry-admin@example.test', []] } });
  ({ app, users: { operator, stranger, admin } } = world);
}, 90_000);
afterAll(() => world.close());

/** A book without a year: held in review ("the publication year is unknown"), then cancelled. */
async function cancelled(title: string): Promise<{ id: string; uploadId: string }> {
  const book = path.join(app.dataDir, `${title.replace(/\W/g, '')}.epub`);
  await writeEpub(book, { title, creators: [{ name: 'Ursula K. Le Guin' }], publisher: 'Ace' });
  const uploadId = await world.upload(operator, book);
  const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options: { group: 'ESP', proofUrl: 'https://books.example.test/x' } });
  expect(requested.status).toBe(202);
  const held = await world.waitForRelease(operator, requested.body.release.id);
  expect(held).toMatchObject({ state: 'review', reviewReasons: ['the publication year is unknown'] });
  expect((await app.http.post(`/api/releases/${held.id}/cancel`).set(as(operator))).body.release.state).toBe('cancelled');
  return { id: held.id, uploadId };
}

const retry = (who: Caller, id: string) => app.http.post(`/api/releases/${id}/retry`).set(as(who));
const releasesOf = async (uploadId: string) => Release.query().where({ uploadId });

describe('retrying a release', () => {
  it('requests a cancelled release again as a new release that replaces it', async () => {
    const old = await cancelled('The Tombs of Atuan');
    expect((await retry(stranger, old.id)).status).toBe(404);

    const res = await retry(operator, old.id);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ retryOf: old.id, release: { uploadId: old.uploadId, state: 'queued' } });
    expect(res.body.release.id).not.toBe(old.id);
    expect((await app.http.get(`/api/releases/${old.id}`).set(as(operator))).status).toBe(404);
    expect((await releasesOf(old.uploadId)).map((r) => r.id)).toEqual([res.body.release.id]);
    expect(app.logged('release retried').filter((e) => e.retryOf === old.id)).toEqual([expect.objectContaining({ level: 'info', releaseId: res.body.release.id })]);
    // The same flow again: the same facts hold it in review for the same reason.
    const again = await world.waitForRelease(operator, res.body.release.id);
    expect(again).toMatchObject({ state: 'review', reviewReasons: ['the publication year is unknown'], options: expect.objectContaining({ group: 'ESP' }) });

    // Only failed or cancelled releases: this one waits in review.
    const refused = await retry(operator, again.id);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('NOT_RETRYABLE');
  }, 120_000);

  it('leaves a release whose retry is refused as it was, and retries it once the cause is gone', async () => {
    const old = await cancelled('The Farthest Shore');
    const key = (await Release.query().findById(old.id))!.requestKey;
    const esp = (await app.http.get('/api/groups?q=ESP').set(as(admin))).body.groups[0];
    const members = esp.members.map((m: { id: number }) => m.id);
    await app.http.patch(`/api/groups/${esp.id}`).set(as(admin)).send({ memberIds: members.filter((id: number) => id !== operator.user!.id) });

    const forbidden = await retry(operator, old.id);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.message).toBe('You are not a member of ESP, so you cannot pack for it');
    expect(await Release.query().findById(old.id)).toMatchObject({ state: 'cancelled', requestKey: key });
    expect(await releasesOf(old.uploadId)).toHaveLength(1);

    await app.http.patch(`/api/groups/${esp.id}`).set(as(admin)).send({ memberIds: members });
    const res = await retry(operator, old.id);
    expect(res.status).toBe(202);
    expect((await releasesOf(old.uploadId)).map((r) => r.id)).toEqual([res.body.release.id]);
  }, 120_000);

  it('keeps a failed release whose book turned out broken: its retry is refused', async () => {
    // Paused, so the release is requested before inspection finds the file is no book.
    const uploads = app.context.queue.queue('upload' as never);
    await uploads.pause();
    const book = path.join(app.dataDir, 'broken.epub');
    fs.writeFileSync(book, 'this is not an epub at all');
    const uploadId = (await app.http.post('/api/uploads').set(as(operator)).attach('file', book)).body.upload.id;
    const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId, options: { group: 'ESP', proofUrl: 'https://books.example.test/x' } });
    await uploads.resume();
    const failed = await world.waitForRelease(operator, requested.body.release.id);
    expect(failed.state).toBe('failed');

    const key = (await Release.query().findById(failed.id))!.requestKey;
    const res = await retry(operator, failed.id);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('UPLOAD_REJECTED');
    // Its request key given back, so it still stands for its request.
    expect(await Release.query().findById(failed.id)).toMatchObject({ state: 'failed', requestKey: key });
  }, 120_000);

  it('retries once when asked twice at the same time', async () => {
    const old = await cancelled('Tehanu');
    const answers = await Promise.all([retry(operator, old.id), retry(operator, old.id)]);
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses[0]).toBe(202);
    expect([404, 409]).toContain(statuses[1]);
    expect(await releasesOf(old.uploadId)).toHaveLength(1);
  }, 120_000);
});
