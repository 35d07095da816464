import path from 'node:path';
import { JobRun, NfoTemplate } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { as, PipelineWorld, startPipelineWorld, TestUser } from './support/pipeline-world';

/**
 * A release whose NFO would be over the size cap (MAX_NFO_CHARS), through the real worker: a
 * template saved before the save check prints a 10,000-character description ten times. The
 * enrich job holds the release in review with the reason, once, instead of failing five attempts.
 */
let world: PipelineWorld<'admin' | 'operator'>;
let operator: TestUser;

beforeAll(async () => {
  world = await startPipelineWorld({ users: { admin: ['admin', 'admin@example.test', []], operator: ['operator', 'op@example.test', ['ESP']] } });
  ({ operator } = world.users);
}, 60_000);
afterAll(() => world.close());

it('holds a release whose NFO would be over the cap in review after one enrich run, saying why', async () => {
  const { app } = world;
  // Inserted as a template saved before the save check (which refuses it now).
  const template = await NfoTemplate.query().insertAndFetch({ name: 'ten-blurbs', description: '', body: '{{title}}\n{{description}}\n'.repeat(10) });
  const book = path.join(app.dataDir, 'long-blurb.epub');
  await writeEpub(book, { title: 'A Book With A Long Blurb', date: '2020-05-01', description: 'A long blurb of the book, '.repeat(400).slice(0, 10_000).trim() });
  const uploadId = await world.upload(operator, book);
  const requested = await app.http
    .post('/api/releases')
    .set(as(operator))
    .send({ uploadId, options: { group: 'ESP', templateId: template.id, proofUrl: 'https://books.example.test/long-blurb' } });
  expect(requested.status).toBe(202);

  const release = await world.waitForRelease(operator, requested.body.release.id);
  expect(release).toMatchObject({
    state: 'review',
    reviewReasons: ['texts: the NFO would be over 65,536 characters long (at most 65,536): the template prints too many or too long fields'],
  });
  const runs = await JobRun.query().where({ releaseId: release.id, jobName: 'enrich' });
  expect(runs.map((run) => [run.attempt, run.state])).toEqual([[1, 'completed']]);
}, 120_000);
