import { RELEASE_LIST_COLUMNS, User } from '../db/models';
import { insertRelease, insertUpload } from '../test/support/rows';
import { startTestApp, TestApp } from '../test/support/test-app';
import { LIST_TOTAL_TTL_MS } from './pagination';

/**
 * GET /api/releases rows and totals: each row carries the list's fields only (the release's own
 * GET has the rest). Totals: the list as it opens (no filter but whose releases) counts its total
 * once per LIST_TOTAL_TTL_MS for each set of visible rows, a short last page counts nothing, and a
 * total never falls below the rows a page has shown.
 */
let app: TestApp;
let alice: { user: User; token: string };
let bob: { user: User; token: string };
let admin: { user: User; token: string };
/** count(*) statements the release list sent. */
let counts = 0;

beforeAll(async () => {
  app = await startTestApp();
  [alice, bob, admin] = [await app.createUser('operator'), await app.createUser('operator'), await app.createUser('admin')];
  await releasesOf(alice.user, 3);
  await releasesOf(bob.user, 2);
  app.context.db.on('query', (q: { sql: string }) => {
    if (/count\(\*\)/i.test(q.sql) && /releases/.test(q.sql)) counts++;
  });
});
afterAll(() => app.close());

/** Rows straight into the database: the list reads them, nothing runs them. */
async function releasesOf(user: User, n: number): Promise<void> {
  const upload = await insertUpload(user.id);
  for (let i = 0; i < n; i++) await insertRelease(upload);
}

async function total(who: { token: string }, query = 'pageSize=1'): Promise<number> {
  const res = await app.http.get(`/api/releases?${query}`).set('Authorization', `Bearer ${who.token}`);
  expect(res.status).toBe(200);
  return res.body.pagination.total;
}

it("never answers one caller's total for rows another sees differently", async () => {
  // Back to back, within one window: each set of visible rows has its own count.
  expect(await total(alice)).toBe(3);
  expect(await total(bob)).toBe(2);
  expect(await total(admin)).toBe(5);
  expect(await total(admin, `pageSize=1&userId=${alice.user.id}`)).toBe(3);
  expect(await total(alice)).toBe(3);
  expect(await total(bob)).toBe(2);
  // Filtered lists are counted as they are.
  expect(await total(admin, 'pageSize=1&state=done')).toBe(5);
  expect(await total(admin, 'pageSize=1&state=failed')).toBe(0);
});

it('counts a busy list once per window, and again once the window is over', async () => {
  await new Promise((r) => setTimeout(r, LIST_TOTAL_TTL_MS + 50));
  const before = counts;
  const started = performance.now();
  const burst = await Promise.all(Array.from({ length: 20 }, () => total(admin)));
  const windows = Math.ceil((performance.now() - started) / LIST_TOTAL_TTL_MS);
  expect(burst).toEqual(Array(20).fill(5));
  expect(counts - before).toBeGreaterThanOrEqual(1);
  expect(counts - before).toBeLessThanOrEqual(Math.min(windows + 1, 5));

  await releasesOf(bob.user, 1);
  await new Promise((r) => setTimeout(r, LIST_TOTAL_TTL_MS + 50));
  const again = counts;
  expect(await total(admin)).toBe(6);
  expect(await total(bob)).toBe(3);
  expect(counts - again).toBe(2);
});

it("takes a short last page's total from the page, and counts again when a cached total is below the rows shown", async () => {
  const before = counts;
  expect(await total(alice, 'pageSize=20')).toBe(3);
  expect(await total(admin, 'page=2&pageSize=4')).toBe(6);
  expect(counts).toBe(before);

  // A cached total of 3 (a full page of 2)...
  await new Promise((r) => setTimeout(r, LIST_TOTAL_TTL_MS + 50));
  expect(await total(alice, 'pageSize=2')).toBe(3);
  await releasesOf(alice.user, 3);
  // ...cannot be the total of a list whose third full page of 2 was just read.
  const res = await app.http.get('/api/releases?page=3&pageSize=2').set('Authorization', `Bearer ${alice.token}`);
  expect(res.body.releases).toHaveLength(2);
  expect(res.body.pagination).toEqual({ page: 3, pageSize: 2, total: 6, pages: 3 });
  // Past the end: counted (or cached), and no rows.
  const past = await app.http.get('/api/releases?page=9&pageSize=2').set('Authorization', `Bearer ${alice.token}`);
  expect(past.body).toMatchObject({ releases: [], pagination: { total: 6, pages: 3 } });
});

it("sends the list's fields in each row, and every field in the release's own answer", async () => {
  const res = await app.http.get('/api/releases?pageSize=2').set('Authorization', `Bearer ${alice.token}`);
  expect(res.status).toBe(200);
  for (const row of res.body.releases) expect(Object.keys(row).sort()).toEqual([...RELEASE_LIST_COLUMNS].sort());
  const [row] = res.body.releases;
  expect(row).toMatchObject({ userId: alice.user.id, state: 'done', progress: 100, options: { type: 'EBOOK', group: 'ESP' }, metadata: null, createdAt: expect.any(String) });
  const one = await app.http.get(`/api/releases/${row.id}`).set('Authorization', `Bearer ${alice.token}`);
  expect(one.body.release).toMatchObject({ ...row, requestKey: expect.any(String), releaseDate: '2026-01-01', type: 'EBOOK', files: [], distributions: [] });
});
