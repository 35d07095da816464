import path from 'node:path';
import { startTestApp, TestApp } from '../test/support/test-app';

const RULES_NFO = path.join(__dirname, '../jobs/pack/fixtures/ebook-rules-2022.nfo');

let app: TestApp;
let admin: { token: string; user: { id: number } };
let operator: { token: string; user: { id: number; email: string } };
const as = (who: { token: string }) => ({ Authorization: `Bearer ${who.token}` });

beforeAll(async () => {
  app = await startTestApp();
  admin = await app.createUser('admin');
  operator = await app.createUser('operator');
});
afterAll(() => app.close());

describe('roles', () => {
  it('creates, lists with pagination, edits and deletes a role, and gives its users exactly its permissions', async () => {
    const created = await app.http.post('/api/roles').set(as(admin)).send({ name: 'reviewer', description: 'Reads releases', permissions: ['releases:READ', 'rules:READ'] });
    expect(created.status).toBe(201);
    expect(created.body.role).toMatchObject({ name: 'reviewer', builtin: false, permissions: ['releases:READ', 'rules:READ'] });
    const id = created.body.role.id;

    const page = await app.http.get('/api/roles?page=1&pageSize=2').set(as(admin));
    expect(page.body.roles).toHaveLength(2);
    expect(page.body.pagination).toEqual({ page: 1, pageSize: 2, total: 3, pages: 2 });

    const user = await app.createUser('reviewer', 'reviewer@example.test', []);
    expect((await app.http.get('/api/rules').set(as(user))).status).toBe(200);
    expect((await app.http.get('/api/templates').set(as(user))).status).toBe(403);
    const edited = await app.http.patch(`/api/roles/${id}`).set(as(admin)).send({ permissions: ['templates:READ'] });
    expect(edited.body.role.permissions).toEqual(['templates:READ']);
    // Permissions are read on every request: the change applies at once.
    expect((await app.http.get('/api/templates').set(as(user))).status).toBe(200);
    expect((await app.http.get('/api/rules').set(as(user))).status).toBe(403);
    // A new description alone changes the description and leaves the permissions as they were.
    const described = await app.http.patch(`/api/roles/${id}`).set(as(admin)).send({ description: 'Reads templates' });
    expect(described.body.role).toMatchObject({ description: 'Reads templates', permissions: ['templates:READ'] });
    expect((await app.http.get(`/api/roles/${id}`).set(as(admin))).body.role.description).toBe('Reads templates');

    const inUse = await app.http.delete(`/api/roles/${id}`).set(as(admin));
    expect(inUse.status).toBe(409);
    expect(inUse.body.error).toMatchObject({ code: 'ROLE_IN_USE', message: '1 user(s) still have the reviewer role' });
    await app.http.patch(`/api/users/${user.user.id}`).set(as(admin)).send({ role: 'operator' });
    expect((await app.http.delete(`/api/roles/${id}`).set(as(admin))).status).toBe(204);
    expect((await app.http.get(`/api/roles/${id}`).set(as(admin))).body.error).toMatchObject({ code: 'NOT_FOUND', message: `Role ${id} not found` });
  });

  it('lists roles by name, not in the order they were made, each with its permissions', async () => {
    const auditor = await app.http.post('/api/roles').set(as(admin)).send({ name: 'auditor', permissions: ['releases:READ'] });
    expect(auditor.status).toBe(201);
    const roles = (await app.http.get('/api/roles').set(as(admin))).body.roles as { name: string; permissions: string[] }[];
    expect(roles.map((r) => r.name)).toEqual(['admin', 'auditor', 'operator']);
    expect(roles[1].permissions).toEqual(['releases:READ']);
    expect((await app.http.delete(`/api/roles/${auditor.body.role.id}`).set(as(admin))).status).toBe(204);
  });

  it('keeps the admin role whole and the built-in roles in place, and refuses unknown permissions and roles', async () => {
    const roles = (await app.http.get('/api/roles').set(as(admin))).body.roles as { id: number; name: string }[];
    const adminRole = roles.find((r) => r.name === 'admin')!;
    const operatorRole = roles.find((r) => r.name === 'operator')!;
    expect((await app.http.patch(`/api/roles/${adminRole.id}`).set(as(admin)).send({ permissions: [] })).body.error).toMatchObject({
      code: 'ROLE_PROTECTED',
      message: 'The admin role always holds every permission',
    });
    expect((await app.http.delete(`/api/roles/${operatorRole.id}`).set(as(admin))).body.error).toMatchObject({ code: 'ROLE_PROTECTED', message: 'The operator role is built in' });
    const bad = await app.http.post('/api/roles').set(as(admin)).send({ name: 'x1', permissions: ['releases:EXPLODE'] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields[0]).toEqual({ field: 'permissions.0', message: 'a permission such as releases:READ' });
    const taken = await app.http.post('/api/roles').set(as(admin)).send({ name: 'operator', permissions: [] });
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'ROLE_EXISTS', message: 'A role named operator already exists' });
    const unknownRole = await app.http.post('/api/users').set(as(admin)).send({ email: 'x@example.test', password: 'long enough password', role: 'wizard' });
    expect(unknownRole.status).toBe(400);
    expect(unknownRole.body.error.message).toBe('There is no role named wizard');
    expect(unknownRole.body.error.details.fields).toEqual([{ field: 'role', message: 'unknown role' }]);
  });
});

describe('groups', () => {
  it('creates a group with members and defaults, filters and pages the list, and edits members', async () => {
    const template = await app.http.post('/api/templates').set(as(admin)).send({ name: 'group-default', body: '{{name}}\n{{title}}' });
    const created = await app.http
      .post('/api/groups')
      .set(as(admin))
      .send({ tag: 'DeBTB00k', name: 'Debt Book', memberIds: [operator.user.id], nfoTemplateId: template.body.template.id, volumeSizeMb: 10 });
    expect(created.status).toBe(201);
    expect(created.body.group).toMatchObject({ tag: 'DeBTB00k', volumeSizeMb: 10, members: [{ id: operator.user.id, email: expect.any(String) }], destinations: [] });
    const id = created.body.group.id;
    expect(created.body.group.members[0]).not.toHaveProperty('passwordHash');

    const taken = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'DeBTB00k', name: 'again' });
    expect(taken.status).toBe(409);
    // The field is named, so a form shows the message next to it.
    expect(taken.body.error).toMatchObject({ code: 'GROUP_EXISTS', details: { fields: [{ field: 'tag', message: 'The group DeBTB00k already exists' }] } });
    const other = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'OTHER', name: 'Other' });
    const renamed = await app.http.patch(`/api/groups/${other.body.group.id}`).set(as(admin)).send({ tag: 'DeBTB00k' });
    expect(renamed.status).toBe(409);
    expect(renamed.body.error.details.fields).toEqual([{ field: 'tag', message: 'The group DeBTB00k already exists' }]);
    expect((await app.http.get(`/api/groups/${other.body.group.id}`).set(as(admin))).body.group.tag).toBe('OTHER');
    const badTag = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'no spaces!', name: 'x' });
    expect(badTag.status).toBe(400);
    const missing = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'GHOST', name: 'x', memberIds: [424242] });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', message: 'memberIds names 424242, which does not exist', details: { field: 'memberIds', missing: [424242] } });
    // Each missing one named once; the ones that exist are not.
    const several = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'GHOSTS', name: 'x', memberIds: [424243, admin.user.id, 424242, 424243] });
    expect(several.body.error).toMatchObject({ message: 'memberIds names 424243, 424242, which do not exist', details: { field: 'memberIds', missing: [424243, 424242] } });

    const filtered = await app.http.get('/api/groups?q=Debt').set(as(operator));
    expect(filtered.body.groups.map((g: { tag: string }) => g.tag)).toEqual(['DeBTB00k']);
    expect((await app.http.get('/api/groups?pageSize=1&page=2').set(as(admin))).body.pagination).toMatchObject({ page: 2, pageSize: 1 });
    expect((await app.http.get('/api/groups?pageSize=1000').set(as(admin))).status).toBe(400);

    const edited = await app.http.patch(`/api/groups/${id}`).set(as(admin)).send({ memberIds: [admin.user.id] });
    expect(edited.body.group.members.map((m: { id: number }) => m.id)).toEqual([admin.user.id]);
    expect((await app.http.patch(`/api/groups/${id}`).set(as(operator)).send({ name: 'mine now' })).status).toBe(403);
    expect((await app.http.delete(`/api/groups/${id}`).set(as(admin))).status).toBe(204);
  });

  it('shows a group with only the summary of its members and destinations, checks every reference, and keeps what a patch leaves out', async () => {
    const destination = (await app.http.post('/api/destinations').set(as(admin)).send({ name: 'group archive', protocol: 'sftp', host: 'h', username: 'u', secret: 'a secret', remotePath: '/in' })).body.destination;
    const created = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'SUMM', name: 'Summaries', memberIds: [operator.user.id], destinationIds: [destination.id] });
    const id = created.body.group.id;
    expect(created.body.group.members).toEqual([{ id: operator.user.id, email: operator.user.email }]);
    expect(created.body.group.destinations).toEqual([{ id: destination.id, name: 'group archive', protocol: 'sftp' }]);

    const patch = (body: object) => app.http.patch(`/api/groups/${id}`).set(as(admin)).send(body);
    for (const field of ['ruleId', 'nfoTemplateId', 'destinationIds', 'memberIds']) {
      const res = await patch({ [field]: field.endsWith('s') ? [424242] : 424242 });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'UNKNOWN_REFERENCE', details: { field, missing: [424242] } });
    }
    // Its own tag is not taken (a form sends every field); members and destinations left out are kept.
    const renamed = await patch({ tag: 'SUMM', name: 'Summaries renamed', volumeSizeMb: 50 });
    expect(renamed.status).toBe(200);
    expect(renamed.body.group).toMatchObject({ tag: 'SUMM', name: 'Summaries renamed', volumeSizeMb: 50, members: [{ id: operator.user.id }], destinations: [{ id: destination.id }] });
    expect((await patch({ destinationIds: [] })).body.group).toMatchObject({ name: 'Summaries renamed', members: [{ id: operator.user.id }], destinations: [] });
    expect((await patch({ destinationIds: [destination.id] })).body.group.destinations).toEqual([{ id: destination.id, name: 'group archive', protocol: 'sftp' }]);
    // A new tag no other group has is taken; the other groups are left as they were.
    const otherGroups = async () => (await app.http.get('/api/groups?pageSize=100').set(as(admin))).body.groups.filter((g: { id: number }) => g.id !== id);
    const others = await otherGroups();
    const retagged = await patch({ tag: 'SUMM2' });
    expect(retagged.status).toBe(200);
    expect(retagged.body.group.tag).toBe('SUMM2');
    expect(await otherGroups()).toEqual(others);
    // The list finds a group by its name as well as its tag.
    expect((await app.http.get('/api/groups?q=renamed').set(as(admin))).body.groups.map((g: { tag: string }) => g.tag)).toEqual(['SUMM2']);
    expect((await app.http.get('/api/groups?q=MM2').set(as(admin))).body.groups.map((g: { tag: string }) => g.tag)).toEqual(['SUMM2']);
    // Search text is taken as written: % and _ are not wildcards.
    for (const q of ['%25', '_', 'S_MM2']) expect((await app.http.get(`/api/groups?q=${q}`).set(as(admin))).body.groups).toEqual([]);

    expect((await app.http.delete(`/api/groups/${id}`).set(as(admin))).status).toBe(204);
    const gone = await app.http.get(`/api/groups/${id}`).set(as(admin));
    expect(gone.status).toBe(404);
    expect(gone.body.error.message).toBe(`Group ${id} not found`);
  });

  it("shows members' e-mails only to those who may read users, and the watched folder only to those who may change groups", async () => {
    const inbox = path.join(app.dataDir, 'private-inbox');
    const created = await app.http.post('/api/groups').set(as(admin)).send({ tag: 'PRIV', name: 'Private', memberIds: [admin.user.id], watchFolder: { path: inbox } });
    expect(created.status).toBe(201);
    const id = created.body.group.id;
    const adminEmail = created.body.group.members[0].email;
    expect(created.body.group).toMatchObject({ members: [{ id: admin.user.id, email: expect.any(String) }], watchFolder: { path: inbox } });

    const listed = (await app.http.get('/api/groups?q=PRIV').set(as(operator))).body.groups;
    const one = (await app.http.get(`/api/groups/${id}`).set(as(operator))).body.group;
    for (const group of [...listed, one]) {
      expect(group).toMatchObject({ tag: 'PRIV', name: 'Private', members: [{ id: admin.user.id }] });
      expect(group.members[0]).toEqual({ id: admin.user.id });
      expect(group).not.toHaveProperty('watchFolder');
    }
    expect(JSON.stringify([listed, one])).not.toContain(adminEmail);
    expect(JSON.stringify([listed, one])).not.toContain(inbox);
    expect((await app.http.get(`/api/groups/${id}`).set(as(admin))).body.group).toMatchObject({ members: [{ email: adminEmail }], watchFolder: { path: inbox } });
    expect((await app.http.delete(`/api/groups/${id}`).set(as(admin))).status).toBe(204);
  });
});

describe('rules', () => {
  it('imports a rules .nfo into the limits the packer enforces, once per section, year and scene', async () => {
    const res = await app.http.post('/api/rules/import').set(as(admin)).attach('file', RULES_NFO);
    expect(res.status).toBe(201);
    expect(res.body.missing).toEqual([]);
    expect(res.body.rule).toMatchObject({
      section: 'EBOOK',
      year: 2022,
      scene: 'English',
      limits: { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5, 10, 50, 100, 150, 200, 250], maxVolumes: 99, dirnameMaxLength: 243 },
    });
    expect(res.body.rule.body).toContain('┌─[ 1. PACKAGING ]');
    const again = await app.http.post('/api/rules/import').set(as(admin)).attach('file', RULES_NFO);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('RULE_EXISTS');
    expect(again.body.error.details.ruleId).toBe(res.body.rule.id);
    expect(again.body.error.details.fields.map((f: { field: string }) => f.field)).toEqual(['section', 'year', 'scene']);
    const otherScene = await app.http.post('/api/rules/import?scene=German&year=2023').set(as(admin)).attach('file', RULES_NFO);
    expect(otherScene.body.rule).toMatchObject({ scene: 'German', year: 2023 });

    const junk = await app.http.post('/api/rules/import').set(as(admin)).attach('file', Buffer.from('Greetings to all our friends!'), 'greets.nfo');
    expect(junk.status).toBe(422);
    expect(junk.body.error).toMatchObject({ code: 'RULES_UNREADABLE', message: 'No rule limit could be read from this text; is it a scene rules .nfo?' });
    // Saying what the text is does not make a text without limits a rule.
    const junkNamed = await app.http.post('/api/rules/import?section=EBOOK&year=2029').set(as(admin)).attach('file', Buffer.from('Greetings to all our friends!'), 'greets.nfo');
    expect(junkNamed.body.error).toMatchObject({ code: 'RULES_UNREADABLE', message: 'No rule limit could be read from this text; is it a scene rules .nfo?' });
    // Limits without a header: section and year must come with the request, and the scene defaults to English.
    const headless = Buffer.from('1) The NFO must not be wider than 76 characters.\n');
    const unplaced = await app.http.post('/api/rules/import?section=EBOOK').set(as(admin)).attach('file', headless, 'limits.nfo');
    expect(unplaced.status).toBe(422);
    expect(unplaced.body.error).toMatchObject({ code: 'RULES_UNREADABLE', message: 'The text does not say its section or year; give section and year in the query' });
    expect(unplaced.body.error.details).toEqual({ section: 'EBOOK' });
    const placed = await app.http.post('/api/rules/import?section=EBOOK&year=2029').set(as(admin)).attach('file', headless, 'limits.nfo');
    expect(placed.status).toBe(201);
    expect(placed.body.rule).toMatchObject({ section: 'EBOOK', year: 2029, scene: 'English', title: 'EBOOK rules 2029 (English)', limits: { nfoWidth: 76 } });
    const clash = await app.http.post('/api/rules/import?section=EBOOK&year=2029').set(as(admin)).attach('file', headless, 'limits.nfo');
    expect(clash.body.error.message).toBe(`Rule ${placed.body.rule.id} already covers EBOOK 2029 (English)`);
    expect((await app.http.post('/api/rules/import').set(as(admin)).send({ text: 'x' })).status).toBe(415);

    const listed = await app.http.get('/api/rules?section=ebook&year=2022').set(as(operator));
    expect(listed.body.rules.map((r: { scene: string }) => r.scene)).toEqual(['English']);
  });

  it('lists rules by section, newest year first, then scene; a section or a year narrows the list', async () => {
    const limits = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5], maxVolumes: 99, formats: ['epub'], dirnameMaxLength: 243 };
    for (const [section, year, scene] of [['EBOOK', 2060, 'B'], ['DOCS', 2060, 'A'], ['EBOOK', 2061, 'A'], ['EBOOK', 2060, 'A']] as const) {
      expect((await app.http.post('/api/rules').set(as(admin)).send({ section, year, scene, title: `${section} ${year} ${scene}`, body: 'rules', limits })).status).toBe(201);
    }
    const listed = async (query: string) => ((await app.http.get(`/api/rules?pageSize=100${query}`).set(as(operator))).body.rules as { section: string; year: number; scene: string }[])
      .filter((r) => r.year >= 2060)
      .map((r) => `${r.section} ${r.year} ${r.scene}`);
    expect(await listed('')).toEqual(['DOCS 2060 A', 'EBOOK 2061 A', 'EBOOK 2060 A', 'EBOOK 2060 B']);
    expect(await listed('&section=docs')).toEqual(['DOCS 2060 A']);
    expect(await listed('&year=2060')).toEqual(['DOCS 2060 A', 'EBOOK 2060 A', 'EBOOK 2060 B']);
    const missing = await app.http.get('/api/rules/424242').set(as(operator));
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatchObject({ code: 'NOT_FOUND', message: 'Rule 424242 not found' });
  });

  it('validates limits written by hand', async () => {
    const body = { section: 'EBOOK', year: 2024, scene: 'Custom', title: 'Custom', body: 'rules', limits: { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [], maxVolumes: 99, formats: ['epub', 'docx'], dirnameMaxLength: 243 } };
    const res = await app.http.post('/api/rules').set(as(admin)).send(body);
    expect(res.status).toBe(400);
    expect(res.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['limits.formats.1', 'limits.volumeSizesMb']);
  });

  it('edits the limits of a stored rule, refusing bad ones field by field and keeping the old limits then', async () => {
    const limits = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5, 10], maxVolumes: 99, formats: ['epub', 'pdf'], dirnameMaxLength: 243 };
    const created = await app.http.post('/api/rules').set(as(admin)).send({ section: 'EBOOK', year: 2025, scene: 'Edited', title: 'Edited', body: 'rules', limits });
    const id = created.body.rule.id;
    const bad = await app.http.patch(`/api/rules/${id}`).set(as(admin)).send({ limits: { ...limits, nfoWidth: 30, volumeSizesMb: [5, 'ten'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.fields.map((f: { field: string }) => f.field).sort()).toEqual(['limits.nfoWidth', 'limits.volumeSizesMb.1']);
    expect((await app.http.get(`/api/rules/${id}`).set(as(admin))).body.rule.limits).toEqual(limits);
    const edited = await app.http.patch(`/api/rules/${id}`).set(as(admin)).send({ title: 'Edited again', limits: { ...limits, nfoWidth: 76, volumeSizesMb: [50] } });
    expect(edited.status).toBe(200);
    expect((await app.http.get(`/api/rules/${id}`).set(as(admin))).body.rule).toMatchObject({ title: 'Edited again', limits: { ...limits, nfoWidth: 76, volumeSizesMb: [50] } });
  });
});

describe('NFO templates', () => {
  const GOOD = ['╔══════════════════╗', '║ {{group}} presents ║', '╚══════════════════╝', '{{title}}{% if subtitle %}: {{subtitle}}{% endif %}', 'Disks: {{disks}}', '{{description}}'].join('\n');

  it('saves a template that renders within 80 columns in CP437, and previews it with sample data', async () => {
    const created = await app.http.post('/api/templates').set(as(admin)).send({ name: 'boxed', body: GOOD });
    expect(created.status).toBe(201);
    const preview = await app.http.post(`/api/templates/${created.body.template.id}/preview`).set(as(operator)).send({});
    expect(preview.status).toBe(200);
    expect(preview.body.preview).toMatchObject({ data: 'sample', width: 80, problems: [] });
    expect(preview.body.preview.text).toContain('║ ESP presents ║\r\n╚══════════════════╝\r\nTales from Earthsea\r\nDisks: 1 x 5MB\r\n');
    for (const line of preview.body.preview.text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(80);

    const draft = await app.http.post('/api/templates/preview').set(as(operator)).send({ body: '[{{isbn}}]' });
    expect(draft.body.preview).toMatchObject({ text: '[9780547773742 / 0547773749]\r\n', lines: 1 });
  });

  it('keeps template names unique, lists and narrows them by name, and says which template is missing', async () => {
    const create = (name: string) => app.http.post('/api/templates').set(as(admin)).send({ name, body: '{{title}}' });
    const plain = await create('plain one');
    expect(plain.status).toBe(201);
    await create('other');
    const taken = await create('plain one');
    expect(taken.status).toBe(409);
    expect(taken.body.error).toMatchObject({ code: 'TEMPLATE_EXISTS', message: 'A template named plain one already exists' });
    const patch = (body: object) => app.http.patch(`/api/templates/${plain.body.template.id}`).set(as(admin)).send(body);
    expect((await patch({ name: 'other' })).body.error.code).toBe('TEMPLATE_EXISTS');
    // Its own name is not taken (a form sends every field).
    expect((await patch({ name: 'plain one', body: '{{title}} ({{year}})' })).body.template).toMatchObject({ name: 'plain one', body: '{{title}} ({{year}})' });
    const names = async (query: string) => (await app.http.get(`/api/templates${query}`).set(as(admin))).body.templates.map((t: { name: string }) => t.name);
    expect(await names('?q=plain')).toEqual(['plain one']);
    expect((await names('')).filter((n: string) => ['other', 'plain one'].includes(n))).toEqual(['other', 'plain one']);
    const missing = await app.http.get('/api/templates/424242').set(as(admin));
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('Template 424242 not found');
  });

  it('refuses to save templates with unknown fields, bad syntax, non-CP437 characters or over-wide lines', async () => {
    const cases: [string, RegExp][] = [
      ['{{titel}}', /unknown field \{\{titel\}\}/],
      ['{% if title %}unclosed', /is never closed/],
      ['Release ✓ {{name}}', /characters CP437 does not have: ✓/],
      ['═'.repeat(90), /line 1 is 90 columns wide \(at most 80\)/],
    ];
    for (const [body, message] of cases) {
      const res = await app.http.post('/api/templates').set(as(admin)).send({ name: `bad ${body.length}`, body });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('TEMPLATE_INVALID');
      expect(res.body.error.message).toMatch(/^The template cannot be used: /);
      expect(res.body.error.message).toMatch(message);
      // Each problem also on its own, for a form to list.
      expect(res.body.error.details.problems).toEqual([expect.stringMatching(message)]);
    }
    // Several problems are each named, in the order found.
    const twice = await app.http.post('/api/templates').set(as(admin)).send({ name: 'bad twice', body: `{{titel}}\n${'═'.repeat(90)}` });
    expect(twice.body.error.details.problems).toEqual([expect.stringMatching(/^line 1: unknown field \{\{titel\}\}/), 'line 2 is 90 columns wide (at most 80)']);
    expect(twice.body.error.message).toBe(`The template cannot be used: ${twice.body.error.details.problems.join('; ')}`);
    expect((await app.http.get('/api/templates?q=bad').set(as(admin))).body.templates).toEqual([]);
    expect((await app.http.get('/api/templates?q=%25').set(as(admin))).body.templates).toEqual([]);
    // A line narrow as written and too wide once a field is filled is saved: rendering wraps it.
    const wide = await app.http.post('/api/templates').set(as(admin)).send({ name: 'wraps', body: `${'═'.repeat(79)}{{title}}` });
    expect(wide.status).toBe(201);
    const preview = await app.http.post(`/api/templates/${wide.body.template.id}/preview`).set(as(admin)).send({});
    expect(preview.body.preview).toMatchObject({ problems: [], text: expect.stringContaining(`${'═'.repeat(79)}T\r\nales from Earthsea`) });
  });
});
