import path from 'node:path';
import { Release } from '../../db/models';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { as, Caller, PipelineWorld, releaseOf, startPipelineWorld } from '../support/pipeline-world';
import { PrivateRedis, startPrivateRedis } from '../support/redis-server';

/**
 * Approving a release while Redis is down: its pack job cannot be queued, so the approval is undone
 * (the release waits in review with its reasons, no approver recorded) and the client is told to
 * retry with 503; approved again once Redis is back, it is packed. Without the undo the release
 * would sit "queued" with no job until the reconciler failed it.
 */
let redis: PrivateRedis;
let world: PipelineWorld<'operator'>;
let operator: Caller;

beforeAll(async () => {
  redis = await startPrivateRedis();
  world = await startPipelineWorld({ env: { REDIS_URL: redis.url }, users: { operator: ['operator'] } });
  ({ operator } = world.users);
}, 90_000);
afterAll(async () => {
  await world.close();
  await redis.close();
});

it('undoes an approval whose pack job cannot be queued, and packs the release once approved again', async () => {
  const { app } = world;
  // Another user's release, packed: the undo must touch the approved release's row only.
  const other = path.join(app.dataDir, 'other.epub');
  await writeEpub(other, { title: 'Packed Before The Outage', date: '2021-03-04' });
  const packed = await releaseOf(app, await app.createUser('operator'), other, { group: 'ESP', source: 'SCAN' });
  expect(packed).toMatchObject({ state: 'done' });
  const book = path.join(app.dataDir, 'undated.epub');
  await writeEpub(book, { title: 'Approved While Redis Slept' });
  const requested = await app.http.post('/api/releases').set(as(operator)).send({ uploadId: await world.upload(operator, book), options: { group: 'ESP', source: 'SCAN' } });
  expect(requested.status).toBe(202);
  const held = await world.waitForRelease(operator, requested.body.release.id);
  expect(held).toMatchObject({ state: 'review', reviewReasons: ['the publication year is unknown'] });
  const before = await Release.query().findById(held.id);

  await redis.stop();
  try {
    const refused = await app.http.post(`/api/releases/${held.id}/approve`).set(as(operator));
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('SERVICE_UNAVAILABLE');
    const after = await Release.query().findById(held.id);
    expect(after).toMatchObject({ state: 'review', step: 'review', approvedBy: null, approvedAt: null });
    expect(after!.reviewReasons).toEqual(before!.reviewReasons);
    expect(await Release.query().findById(packed.id)).toMatchObject({ state: 'done', reviewReasons: null, approvedBy: null });
  } finally {
    // Back in any case, or the worker could not stop when the suite closes.
    await redis.start();
  }
  const approved = await app.http.post(`/api/releases/${held.id}/approve`).set(as(operator));
  expect(approved.status).toBe(202);
  expect(await world.waitForRelease(operator, held.id)).toMatchObject({ state: 'done', name: expect.stringMatching(/\.Approved\.While\.Redis\.Slept\.\d{4}\.SCAN\.ePub\.eBook-ESP$/) });
}, 120_000);
