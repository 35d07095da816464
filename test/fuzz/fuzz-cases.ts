import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import fc from 'fast-check';
import type { MountedRoute } from '../support/route-table';

/** One request the fuzzer sends; bodies are raw text so broken JSON and other encodings can be sent. */
export interface FuzzCase {
  method: string;
  /** Concrete path; `{name}` placeholders are replaced with the ids of the fixtures. */
  path: string;
  query?: string;
  contentType?: string;
  body?: string;
  auth: 'admin' | 'anonymous';
}

export interface FuzzAnswer {
  status: number;
  contentType: string;
  text: string;
}

export const CORPUS_DIR = path.join(__dirname, 'corpus');

/** The seed corpus: every case of every file in test/fuzz/corpus, replayed before generated ones. */
export function loadCorpus(): Array<FuzzCase & { file: string }> {
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .flatMap((file) => (JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, file), 'utf8')) as FuzzCase[]).map((c) => ({ ...c, file })));
}

/** Sends one case with node:http: any method may carry a body, nothing is normalised. */
export function send(port: number, c: FuzzCase, token: string, fixtures: Record<string, string>): Promise<FuzzAnswer> {
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (match, name: string) => fixtures[name] ?? match);
  const target = fill(c.path) + (c.query ? `?${c.query}` : '');
  const body = c.body === undefined ? undefined : Buffer.from(fill(c.body));
  const headers: http.OutgoingHttpHeaders = { Connection: 'close' };
  if (c.auth === 'admin') headers.Authorization = `Bearer ${token}`;
  if (c.contentType !== undefined) headers['Content-Type'] = c.contentType;
  if (body) headers['Content-Length'] = body.length;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: c.method, path: target, headers, timeout: 30_000 }, (res) => {
      const contentType = String(res.headers['content-type'] ?? '');
      if (contentType.includes('text/event-stream')) {
        // A live stream never ends: its status is the answer.
        resolve({ status: res.statusCode ?? 0, contentType, text: '' });
        return void req.destroy();
      }
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within 30 s to ${c.method} ${target}`)));
    req.on('error', reject);
    req.end(body);
  });
}

const JUNK_TEXT = fc.oneof(
  fc.constantFrom('', ' ', '0', '-1', '0x1', '+1', ' 1', '1.0', '1e0', '1e308', '-0', 'NaN', 'Infinity', '9007199254740993', '9'.repeat(40), 'null', 'true', '[]', '{}'),
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '../../etc/passwd', '%00', '\u0000', '\u202e', '😀'.repeat(50), 'ǅ'.repeat(300), "' OR 1=1 --"),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ minLength: 1000, maxLength: 5000 }),
);

const JUNK_NUMBER = fc.oneof(
  fc.constantFrom(0, -0, -1, 1, 1.5, 2 ** 31, 2 ** 53 + 2, 1e308, -1e308, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 5e-324),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

// Field names the routes read, plus keys that try to reach Object.prototype.
const FIELDS = [
  'email', 'password', 'role', 'disabled', 'name', 'description', 'body', 'permissions', 'tag', 'memberIds', 'destinationIds',
  'ruleId', 'nfoTemplateId', 'templateId', 'volumeSizeMb', 'section', 'year', 'scene', 'title', 'limits', 'protocol', 'host',
  'port', 'username', 'authType', 'secret', 'remotePath', 'tlsVerify', 'hostFingerprint', 'enabled', 'value', 'uploadId',
  'options', 'releaseId', 'refreshToken', 'group', 'source', 'type', 'overrides', 'force', 'page', 'pageSize',
  '__proto__', 'constructor', 'prototype',
];
const QUERY_KEYS = ['page', 'pageSize', 'q', 'sort', 'from', 'to', 'userId', 'state', 'type', 'group', 'year', 'section', 'scene', 'title', 'protocol', '__proto__', 'constructor'];

const { value: JUNK_VALUE } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    JUNK_TEXT,
    JUNK_NUMBER,
    fc.constantFrom(null, true, false),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom(...FIELDS), tie('value'), { maxKeys: 4 }),
  ),
}));

/** A JSON object of known field names with junk values; __proto__ is kept as an own key. */
const JUNK_OBJECT_TEXT = fc
  .array(fc.tuple(fc.constantFrom(...FIELDS), JUNK_VALUE), { maxLength: 8 })
  .map((entries) => `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'}`).join(',')}}`);

const DEEP_TEXT = fc.integer({ min: 100, max: 5000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);

const BODY_TEXT = fc.oneof(
  JUNK_OBJECT_TEXT,
  JUNK_VALUE.map((v) => JSON.stringify(v) ?? 'null'),
  DEEP_TEXT,
  fc.constantFrom('{', '{"a":', 'nul', '\u0000', '{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}'),
  fc.string({ maxLength: 200 }),
);

const CONTENT_TYPE = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=utf-7',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=XB',
  'application/octet-stream',
  '',
  '\u00e9/\u00e9',
);

const QUERY = fc
  .array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string({ maxLength: 10 })), JUNK_TEXT), { maxLength: 4 })
  .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&'));

/**
 * A path parameter: usually an id of a real fixture (so handlers get past "not found"), else
 * junk, sometimes sent without encoding so malformed escapes reach the router.
 */
function paramValue(name: string, fixtureIds: string[]) {
  const known: Record<string, string[]> = { queue: ['upload', 'enrich', 'pack', 'maintenance'], key: ['pack.defaultRuleId', 'pack.defaultTemplateId', 'providers.omdbKey'] };
  return fc.oneof(
    fc.constantFrom(...(known[name] ?? fixtureIds)).map((v) => ({ raw: v })),
    JUNK_TEXT.map((v) => ({ raw: encodeURIComponent(v) })),
    fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%2e%2e', '%2F').map((v) => ({ raw: v })),
  );
}

/**
 * Well-formed bodies of the routes that take one, keyed by method and path; the fuzzer replaces
 * or adds a field with junk, so most requests get past the first check and reach the services.
 */
const VALID_BODIES: Record<string, Record<string, unknown>> = {
  'POST /api/auth/login': { email: 'admin1@example.test', password: 'wrong password' },
  'POST /api/users': { email: 'fuzz@example.test', password: 'long enough password', role: 'operator' },
  'PATCH /api/users/:id': { role: 'operator', disabled: false },
  'POST /api/users/:id/password': { password: 'another long password' },
  'POST /api/roles': { name: 'fuzzrole', description: 'd', permissions: ['releases:READ'] },
  'PATCH /api/roles/:id': { description: 'd', permissions: [] },
  'POST /api/groups': { tag: 'FUZZ', name: 'Fuzz', volumeSizeMb: 5, memberIds: [], destinationIds: [] },
  'PATCH /api/groups/:id': { name: 'Renamed', volumeSizeMb: 10, ruleId: null },
  'POST /api/rules': { section: 'EBOOK', year: 2022, scene: 'English', title: 't', body: 'b', limits: { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 } },
  'PATCH /api/rules/:id': { title: 'renamed' },
  'POST /api/templates': { name: 'fuzz template', body: '{{title}} by {{author}}' },
  'PATCH /api/templates/:id': { body: '{% if title %}{{title}}{% endif %}' },
  'POST /api/templates/preview': { body: '{{title}}' },
  'POST /api/destinations': { name: 'd', protocol: 'sftp', host: '127.0.0.1', port: 9, username: 'u', secret: 's', remotePath: '/in' },
  'PATCH /api/destinations/:id': { port: 10, enabled: false },
  'PUT /api/configurations/:key': { value: 1 },
  'POST /api/releases': { uploadId: '{uploadId}', options: { group: 'ESP', source: 'RETAIL', volumeSizeMb: 5 } },
};

function mutatedBody(base: Record<string, unknown>) {
  const keys = Object.keys(base);
  return fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), fc.constantFrom(...FIELDS)), JUNK_VALUE), { minLength: 1, maxLength: 2 })
    .map((changes) => {
      // Built as text so a `__proto__` key stays an own key of the JSON object.
      const entries = new Map(Object.entries(base).map(([k, v]) => [k, JSON.stringify(v)]));
      for (const [k, v] of changes) entries.set(k, JSON.stringify(v) ?? 'null');
      return `{${[...entries].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`;
    });
}

/** Generated bad requests to one of the routes. */
export function fuzzCases(routes: MountedRoute[], fixtureIds: string[], auth: FuzzCase['auth']): fc.Arbitrary<FuzzCase> {
  return fc.constantFrom(...routes).chain((route) => {
    const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]);
    const base = VALID_BODIES[`${route.method} ${route.path}`];
    return fc.record({
      params: fc.tuple(...names.map((n) => paramValue(n, fixtureIds))),
      query: fc.option(QUERY, { nil: undefined }),
      contentType: base ? fc.oneof(fc.constant('application/json'), CONTENT_TYPE) : fc.option(CONTENT_TYPE, { nil: undefined }),
      body: fc.option(base ? fc.oneof(mutatedBody(base), BODY_TEXT) : BODY_TEXT, { nil: undefined }),
    }).map(({ params, query, contentType, body }) => {
      let concrete = route.path;
      names.forEach((n, i) => {
        concrete = concrete.replace(`:${n}`, params[i].raw);
      });
      return { method: route.method, path: concrete, query, contentType, body, auth };
    });
  });
}
