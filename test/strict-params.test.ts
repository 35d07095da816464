import { createApp } from '../api/app';
import { MountedRoute, mountedRoutes } from './support/route-table';
import { startTestApp, TestApp } from './support/test-app';
import { send } from './fuzz/fuzz-cases';

/**
 * Numbers, ids and filters are checked strictly at the edge: anything but plain digits in range
 * is a 400 naming the field, never a 500 and never silently another id.
 */
let app: TestApp;
let routes: MountedRoute[];
let admin: { token: string; user: { id: number } };

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin');
  routes = mountedRoutes(createApp(app.context));
});
afterAll(() => app.close());

const auth = () => ({ Authorization: `Bearer ${admin.token}` });
const LIMITS = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5, 10], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 };
const port = () => (app.server.address() as { port: number }).port;

function expectFieldError(res: { status: number; body: { error?: { code: string; message: string } } }, field: string, what: string): void {
  if (res.status !== 400) throw new Error(`${what}: expected 400, got ${res.status} ${JSON.stringify(res.body)}`);
  expect(res.body.error).toMatchObject({ code: 'VALIDATION_FAILED', requestId: expect.any(String) });
  expect(res.body.error!.message).toContain(field);
}

describe('page and pageSize on every list route', () => {
  const BAD_PAGES: Array<[string, string]> = [
    ['page', '1e18'],
    ['page', '1e3'],
    ['page', '0x1'],
    ['page', '+1'],
    ['page', '%201'],
    ['page', '1.0'],
    ['page', '-1'],
    ['page', '0'],
    ['page', ''],
    ['page', '9007199254740993'],
    ['page', '1000001'],
    ['page', 'NaN'],
    ['page', 'Infinity'],
    ['pageSize', '1e2'],
    ['pageSize', '101'],
    ['pageSize', '0'],
    ['pageSize', '20.5'],
  ];

  it('finds the paginated lists among the mounted routes', async () => {
    const lists = await listRoutes();
    // Users, uploads, releases, roles, groups, rules, templates and destinations at least.
    expect(lists.length).toBeGreaterThanOrEqual(8);
  });

  it('answers 400 naming page or pageSize, never 500, to junk on each list', async () => {
    for (const path of await listRoutes()) {
      for (const [field, value] of BAD_PAGES) {
        expectFieldError(await app.http.get(`${path}?${field}=${value}`).set(auth()), field, `${path}?${field}=${value}`);
      }
      expectFieldError(await app.http.get(`${path}?page=1&page=2`).set(auth()), 'page', `${path} repeated page`);
      const ok = await app.http.get(`${path}?page=2&pageSize=5`).set(auth());
      expect(ok.status).toBe(200);
      expect(ok.body.pagination).toMatchObject({ page: 2, pageSize: 5 });
    }
  });

  /** GET routes without parameters whose answer is paginated. */
  async function listRoutes(): Promise<string[]> {
    const found: string[] = [];
    for (const { method, path } of routes) {
      if (method !== 'GET' || path.includes(':') || !path.startsWith('/api/')) continue;
      // Through the fuzzer's client, which does not wait on a live event stream.
      const res = await send(port(), { method, path, auth: 'admin' }, admin.token, {});
      if (res.status === 200 && res.contentType.includes('json') && JSON.parse(res.text).pagination) found.push(path);
    }
    return found;
  }
});

describe('ids on every :id route', () => {
  const BAD_IDS = ['0x1', '+1', '%201', '1%20', '1.0', '1e0', '01', '-1', '0', '9007199254740993', '99999999999999999999999', '1,2', 'NaN'];
  // A job id is any BullMQ id, not a number.
  const idRoutes = () => routes.filter((r) => r.path.includes('/:id') && r.path.startsWith('/api/') && !r.path.startsWith('/api/jobs/'));

  it('answers 400 naming the id to loosely written or out-of-range ids', async () => {
    expect(idRoutes().length).toBeGreaterThanOrEqual(20);
    for (const { method, path } of idRoutes()) {
      for (const id of BAD_IDS) {
        const url = path.replace(':id', id).replace(':destinationId', '1');
        const res = await app.http[method.toLowerCase() as 'get'](url).set(auth()).send({});
        expectFieldError(res, 'id', `${method} ${url}`);
      }
    }
  });

  it('never reads 0x1, +1 or " 1" as user 1', async () => {
    for (const id of ['0x1', '+1', '%201', '1.0', '1e0']) {
      expect((await app.http.get(`/api/users/${id}`).set(auth())).status).toBe(400);
    }
    expect((await app.http.get(`/api/users/${admin.user.id}`).set(auth())).status).toBe(200);
  });

  it('checks the destination id of a distribution the same way', async () => {
    const release = '00000000-0000-4000-8000-000000000000';
    for (const id of ['0x1', '+1', '1e0', '9007199254740993']) {
      expectFieldError(await app.http.post(`/api/releases/${release}/distributions/${id}`).set(auth()), 'destinationId', id);
    }
  });
});

describe('runtime settings', () => {
  const put = (key: string, value: unknown) => app.http.put(`/api/configurations/${key}`).set(auth()).send({ value });

  // Two rows each setting may name (a setting naming a missing row is refused: test/settings-references.test.ts).
  const rows = async (key: string): Promise<number[]> =>
    Promise.all(
      [1, 2].map(async (n) => {
        const res =
          key === 'pack.defaultRuleId'
            ? await app.http.post('/api/rules').set(auth()).send({ section: 'EBOOK', year: 2070 + n, scene: 'Strict', title: `Strict ${n}`, body: 'Rules.', limits: LIMITS })
            : await app.http.post('/api/templates').set(auth()).send({ name: `strict-${n}`, body: ' {{title}}' });
        expect(res.status).toBe(201);
        return (res.body.rule ?? res.body.template).id as number;
      }),
    );

  it.each(['pack.defaultTemplateId', 'pack.defaultRuleId'])('refuses out-of-range and ill-typed ids for %s, naming it', async (key) => {
    for (const value of [1e308, 1.5, -1, 0, 2 ** 53 + 2, '0x1', '1e3', ' 7', '+7', '', 'seven', true, null, [], {}, [7]]) {
      const res = await put(key, value);
      expectFieldError(res, key, `${key} = ${JSON.stringify(value)}`);
    }
    expect((await app.http.get(`/api/configurations/${key}`).set(auth())).body.configuration.value).toBeNull();
    const [asNumber, asText] = await rows(key);
    expect((await put(key, asNumber)).body.configuration.value).toBe(String(asNumber));
    expect((await put(key, String(asText))).body.configuration.value).toBe(String(asText));
  });

  it('refuses provider keys with blanks, control characters or the wrong type', async () => {
    for (const value of ['', '   ', 'two words', 'line\nbreak', 'x'.repeat(501), 42, false]) {
      expectFieldError(await put('providers.omdbKey', value), 'providers.omdbKey', JSON.stringify(value));
    }
    expect((await put('providers.omdbKey', 'abc123-XYZ')).status).toBe(200);
  });

  it('refuses a body with other fields', async () => {
    expect((await app.http.put('/api/configurations/pack.defaultRuleId').set(auth()).send({ value: 1, extra: 1 })).status).toBe(400);
  });
});

describe('release list filters', () => {
  const BAD: Array<[string, string]> = [
    ['userId', '0x1'],
    ['userId', '1e0'],
    ['userId', '9007199254740993'],
    ['userId', '-1'],
    ['from', '1e18'],
    ['from', '0'],
    ['from', 'yesterday'],
    ['from', '2024-13-45'],
    ['from', '2024-02-30'],
    ['to', '2023-02-29T12:00:00Z'],
    ['from', '+275760-09-13'],
    ['from', '0001-01-01'],
    ['to', '99999-01-01'],
    ['to', '2024-05-01T25:00:00Z'],
    ['sort', 'password'],
    ['sort', 'name;drop'],
    ['state', 'nope'],
    ['type', 'MOVIE'],
    ['q', 'x'.repeat(201)],
    ['group', 'G'.repeat(21)],
  ];

  it('answers 400 naming the filter', async () => {
    for (const [field, value] of BAD) {
      expectFieldError(await app.http.get('/api/releases').query({ [field]: value }).set(auth()), field, `${field}=${value}`);
    }
    const ok = await app.http.get('/api/releases').query({ userId: String(admin.user.id), from: '2024-02-29', to: '2099-12-31T23:59:59Z', sort: 'name' }).set(auth());
    expect(ok.status).toBe(200);
  });

  it('checks the rules filters and import query too', async () => {
    for (const year of ['2022.0', '0x7e6', '2e3', '1989', '2101']) {
      expectFieldError(await app.http.get('/api/rules').query({ year }).set(auth()), 'year', year);
      expectFieldError(await app.http.post('/api/rules/import').query({ year }).set(auth()).attach('file', Buffer.from('x'), 'r.nfo'), 'year', year);
    }
    expect((await app.http.get('/api/rules').query({ year: '2022' }).set(auth())).status).toBe(200);
  });
});

describe('text that fits its column whatever its characters', () => {
  // zod counts UTF-16 units, MySQL's TEXT holds 65,535 bytes: these were 500s on MariaDB.
  const post = (url: string, body: object) => app.http.post(url).set(auth()).send(body);

  it('refuses a template body over 65,535 bytes of UTF-8, even under the character limit', async () => {
    const body = `${'█'.repeat(79)}\n`.repeat(400);
    expectFieldError(await post('/api/templates', { name: 'blocks', body }), 'body', 'template body');
    expect((await post('/api/templates', { name: 'blocks', body: `${'█'.repeat(79)}\n`.repeat(40) })).status).toBe(201);
  });

  it('refuses a destination secret over 16 KiB of UTF-8', async () => {
    const destination = { name: 'euro', protocol: 'sftp', host: '127.0.0.1', username: 'u', remotePath: '/in' };
    expectFieldError(await post('/api/destinations', { ...destination, secret: '€'.repeat(16_384) }), 'secret', 'secret');
    expect((await post('/api/destinations', { ...destination, secret: '€'.repeat(5000) })).status).toBe(201);
  });

  it('refuses rule limits with endless lists', async () => {
    const rule = { section: 'EBOOK', year: 2022, scene: 'Long', title: 't', body: 'b' };
    const limits = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 };
    expectFieldError(await post('/api/rules', { ...rule, limits: { ...limits, volumeSizesMb: Array(20_000).fill(10_000) } }), 'volumeSizesMb', 'volume sizes');
    expectFieldError(await post('/api/rules', { ...rule, limits: { ...limits, formats: Array(20_000).fill('epub') } }), 'formats', 'formats');
    expect((await post('/api/rules', { ...rule, limits })).status).toBe(201);
  });
});
