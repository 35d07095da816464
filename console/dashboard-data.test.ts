import { QueueName } from '../lib/domain/queue-names';
import { startTestApp, TEST_PASSWORD, TestApp } from '../test/support/test-app';

/**
 * The console's queue table, read over HTTP as an operator sees it, with jobs put into real Redis
 * queues and no worker to take them: a job in a paused queue (paused from Bull Board, say) is
 * still waiting, and must not vanish from the table.
 */
let app: TestApp;
let cookie: string;

beforeAll(async () => {
  app = await startTestApp();
  const { user } = await app.createUser('admin', 'admin@example.test');
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const login = await app.http.post('/admin/login').set('Origin', base).type('form').send({ email: user.email, password: TEST_PASSWORD });
  expect(login.status).toBe(303);
  cookie = login.headers['set-cookie'][0].split(';')[0];
});
afterAll(() => app.close());

/** The queue's row of the dashboard: waiting, active, failed, delayed, done in the last hour. */
async function queueRow(name: string): Promise<string[]> {
  const page = await app.http.get('/admin').set('Cookie', cookie);
  expect(page.status).toBe(200);
  const row = new RegExp(`<tr><td>${name}</td>((?:<td>.*?</td>)+?)</tr>`).exec(page.text);
  expect(row).not.toBeNull();
  return [...row![1].matchAll(/<td>(?:<span[^>]*>)?(.*?)(?:<\/span>)?<\/td>/g)].map((cell) => cell[1]);
}

it('counts the jobs of a paused queue as waiting', async () => {
  const enrich = app.context.queue.queue(QueueName.Enrich);
  expect(await queueRow(QueueName.Enrich)).toEqual(['0', '0', '0', '0', '0']);
  await enrich.add('enrich', { releaseId: 'first' });
  await enrich.add('enrich', { releaseId: 'later' }, { delay: 60_000 });
  expect(await queueRow(QueueName.Enrich)).toEqual(['1', '0', '0', '1', '0']);
  await enrich.pause();
  await enrich.add('enrich', { releaseId: 'held' });
  expect(await queueRow(QueueName.Enrich)).toEqual(['2', '0', '0', '1', '0']);
});
