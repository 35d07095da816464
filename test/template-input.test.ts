import { MAX_TEMPLATE_CHARS } from '../jobs/pack/engine/nfo-template';
import { HOSTILE_TEMPLATES } from '../jobs/pack/fixtures/hostile-templates';
import { ApiProcess, startApiProcess } from './support/api-process';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Hostile NFO templates against the real API process, over HTTP: each draft preview answers a
 * 4xx (or renders, when it is a valid template) and /health keeps answering while they are parsed.
 * A parser that backtracks would hold the event loop for minutes, and /health would time out.
 */
let app: TestApp;
let api: ApiProcess;
let admin: { token: string };

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin', 'admin@example.test', []);
  api = await startApiProcess(app.env);
}, 90_000);
afterAll(async () => {
  await api.stop();
  await app.close();
});

const ANSWER_WITHIN_MS = 30_000;

async function call(method: 'GET' | 'POST', route: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${api.port}${route}`, {
    method,
    headers: { Authorization: `Bearer ${admin.token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
  });
  return { status: res.status, body: await res.json().catch(() => undefined) };
}

/** The hostile bodies that are well-formed templates with known fields: long, but they render. */
const VALID = new Set(['thousands of standalone tag lines', 'long condition']);
/** Well-formed, but its NFO would be over the size cap (MAX_NFO_CHARS): 3,600 lines of a 64-character name. */
const OVER_NFO_CAP = new Set(['thousands of {{name}} lines']);

describe('hostile NFO templates over HTTP', () => {
  it('answers every preview without a 5xx while /health keeps answering', async () => {
    const baseline = await call('GET', '/health');
    let previewsPending = true;
    const health: number[] = [];
    const polling = (async () => {
      while (previewsPending) health.push((await call('GET', '/health')).status);
    })();

    const sizes = { overCap: 100_000, underCap: MAX_TEMPLATE_CHARS - 100 };
    const answers = await Promise.all(
      Object.entries(HOSTILE_TEMPLATES).flatMap(([name, build]) =>
        Object.entries(sizes).map(async ([size, chars]) => ({ name, size, ...(await call('POST', '/api/templates/preview', { body: build(chars) })) })),
      ),
    ).finally(() => {
      previewsPending = false;
    });
    await polling;

    expect(health.length).toBeGreaterThan(0);
    expect(new Set(health)).toEqual(new Set([baseline.status]));
    for (const answer of answers) {
      const what = `${answer.name} (${answer.size}): ${answer.status} ${JSON.stringify(answer.body?.error ?? '').slice(0, 200)}`;
      if (answer.size === 'overCap') {
        // Refused by size before any parsing, naming the field.
        expect({ what, status: answer.status, fields: answer.body.error.details.fields.map((f: { field: string }) => f.field) }).toEqual({ what, status: 400, fields: ['body'] });
      } else if (OVER_NFO_CAP.has(answer.name)) {
        expect({ what, status: answer.status, code: answer.body.error.code }).toEqual({ what, status: 422, code: 'NFO_TOO_LARGE' });
      } else if (VALID.has(answer.name)) {
        // Valid, only long: it renders.
        expect({ what, status: answer.status }).toEqual({ what, status: 200 });
      } else {
        expect({ what, status: answer.status, code: answer.body.error.code }).toEqual({ what, status: 422, code: 'TEMPLATE_INVALID' });
        expect(answer.body.error.message).toMatch(/^The template cannot be used: line \d+: /);
        expect(answer.body.error.requestId).toEqual(expect.any(String));
      }
    }
    expect((await call('GET', '/health')).status).toBe(baseline.status);
  }, 120_000);

  it('refuses to save an oversized or hostile template and stores nothing', async () => {
    const huge = await call('POST', '/api/templates', { name: 'huge', body: `{{title}}${' '.repeat(MAX_TEMPLATE_CHARS)}` });
    expect(huge.status).toBe(400);
    expect(huge.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: { fields: [expect.objectContaining({ field: 'body' })] } });
    const hostile: [string, RegExp][] = [
      ['x\n{{ title.constructor }}', /^The template cannot be used: line 2: \{\{ \}\} holds one field name/],
      ['x\n\n{% include "/etc/passwd" %}', /^The template cannot be used: line 3: unknown tag \{% include %\}/],
    ];
    for (const [body, message] of hostile) {
      const res = await call('POST', '/api/templates', { name: 'hostile', body });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'TEMPLATE_INVALID', message: expect.stringMatching(message) });
    }
    expect((await call('GET', '/api/templates')).body.templates).toEqual([]);
  }, 60_000);
});
