import { startTestApp, TestApp } from './support/test-app';

/**
 * `pack.defaultRuleId` and `pack.defaultTemplateId` name a row: setting an id that names nothing
 * is refused (422 UNKNOWN_REFERENCE), and a rule or template a setting names cannot be deleted
 * until the setting names another or is unset (409 IN_USE_AS_DEFAULT), so a release request never
 * meets a default that points at nothing.
 */
let app: TestApp;
let admin: { token: string };
const asAdmin = () => ({ Authorization: `Bearer ${admin.token}` });
const LIMITS = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5, 10], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 };

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin');
});
afterAll(() => app.close());

const put = (key: string, value: unknown) => app.http.put(`/api/configurations/${key}`).set(asAdmin()).send({ value });
const valueOf = async (key: string) => (await app.http.get(`/api/configurations/${key}`).set(asAdmin())).body.configuration.value;

async function created(url: string, body: Record<string, unknown>): Promise<number> {
  const res = await app.http.post(url).set(asAdmin()).send(body);
  expect(res.status).toBe(201);
  return (res.body.rule ?? res.body.template).id;
}
const newRule = (year: number) => created('/api/rules', { section: 'EBOOK', year, scene: 'Ref', title: `Rules ${year}`, body: 'Rules.', limits: LIMITS });
const newTemplate = (name: string) => created('/api/templates', { name, body: ' {{title}}' });

describe.each([
  { key: 'pack.defaultRuleId', base: '/api/rules', make: (n: number) => newRule(2040 + n), what: 'Rule' },
  { key: 'pack.defaultTemplateId', base: '/api/templates', make: (n: number) => newTemplate(`t${n}`), what: 'NFO template' },
])('$key', ({ key, base, make, what }) => {
  it('refuses an id that names nothing, with a JSON error naming the setting, and stores nothing', async () => {
    const id = await make(1);
    const missing = id + 1000;
    const before = await valueOf(key);
    const res = await put(key, missing);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', message: `${key} names ${what} ${missing}, which does not exist`, details: { field: key, missing: [missing] } });
    expect(await valueOf(key)).toBe(before);
    expect((await put(key, id)).body.configuration).toMatchObject({ value: String(id), source: 'database' });
  });

  it('refuses to delete the row the setting names, until the setting names another or is unset', async () => {
    const named = await make(2);
    const other = await make(3);
    expect((await put(key, named)).status).toBe(200);

    const refused = await app.http.delete(`${base}/${named}`).set(asAdmin());
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'IN_USE_AS_DEFAULT', details: { settings: [key] } });
    expect(refused.body.error.message).toBe(`${what} ${named} is the default named by ${key}; set another or unset it first`);
    expect((await app.http.get(`${base}/${named}`).set(asAdmin())).status).toBe(200);
    expect(await valueOf(key)).toBe(String(named));

    // Another row of the same table is not held by it.
    expect((await app.http.delete(`${base}/${other}`).set(asAdmin())).status).toBe(204);

    expect((await app.http.delete(`/api/configurations/${key}`).set(asAdmin())).status).toBe(204);
    expect((await app.http.delete(`${base}/${named}`).set(asAdmin())).status).toBe(204);
    expect((await app.http.get(`${base}/${named}`).set(asAdmin())).status).toBe(404);
    expect((await app.http.delete(`${base}/${named}`).set(asAdmin())).status).toBe(404);
  });
});

/** A rule and an NFO template with the same id: each table counts up from 1, so new rows catch up. */
async function ruleAndTemplateOfOneId(): Promise<number> {
  let rule = await newRule(2060 + ++made);
  let template = await newTemplate(`same-${++made}`);
  for (let n = 0; rule !== template && n < 20; n++) {
    if (rule < template) rule = await newRule(2060 + ++made);
    else template = await newTemplate(`same-${++made}`);
  }
  expect(template).toBe(rule);
  return rule;
}
let made = 0;

it('holds only rows of the table the setting names: the same number in the other setting holds nothing', async () => {
  const first = await ruleAndTemplateOfOneId();
  expect((await put('pack.defaultTemplateId', first)).status).toBe(200);
  expect((await app.http.delete(`/api/rules/${first}`).set(asAdmin())).status).toBe(204);

  const second = await ruleAndTemplateOfOneId();
  expect((await put('pack.defaultRuleId', second)).status).toBe(200);
  expect((await app.http.delete('/api/configurations/pack.defaultTemplateId').set(asAdmin())).status).toBe(204);
  expect((await app.http.delete(`/api/templates/${second}`).set(asAdmin())).status).toBe(204);
  expect((await app.http.delete(`/api/templates/${first}`).set(asAdmin())).status).toBe(204);
  expect((await app.http.delete(`/api/rules/${second}`).set(asAdmin())).status).toBe(409);
});
