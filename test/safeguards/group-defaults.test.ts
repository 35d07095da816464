import path from 'node:path';
import fs from 'node:fs';
import { writeEpub } from '../../jobs/inspect/fixtures/books';
import { decodeCp437 } from '../../jobs/pack/engine/cp437';
import { as, Caller, PipelineWorld, releaseOf, startPipelineWorld, TestUser } from '../support/pipeline-world';
import type { TestApp } from '../support/test-app';

/**
 * What a release request leaves out comes from its group (volume size, enabled destinations), then
 * from the configuration (`pack.defaultRuleId`, `pack.defaultTemplateId`): checked by what the
 * worker packs, not only by what the API echoes.
 */
let world: PipelineWorld<'admin' | 'operator'>;
let app: TestApp;
let admin: Caller;
let operator: TestUser;
let ruleId: number;
let templateId: number;
let enabledDestination: number;

const LIMITS = { nfoWidth: 80, dizWidth: 44, dizLines: 30, volumeSizesMb: [5, 10, 50], maxVolumes: 99, formats: ['epub', 'pdf'], dirnameMaxLength: 243 };

beforeAll(async () => {
  world = await startPipelineWorld({ users: { admin: ['admin', 'admin@example.test', []], operator: ['operator', 'op@example.test', []] } });
  ({ app, users: { admin, operator } } = world);
  const created = async (url: string, body: Record<string, unknown>) => {
    const res = await app.http.post(url).set(as(admin)).send(body);
    expect(res.status).toBe(201);
    return res.body;
  };
  ruleId = (await created('/api/rules', { section: 'EBOOK', year: 2031, scene: 'House', title: 'House rules', body: 'House rules.', limits: LIMITS })).rule.id;
  templateId = (await created('/api/templates', { name: 'house', body: ' HOUSE TEMPLATE FOR {{group}}\n {{title}}\n Disks: {{disks}}' })).template.id;
  const destination = (name: string, enabled: boolean) => world.createDestination(admin, name, { protocol: 'ftp', port: 9, username: 'u', secret: 'p', remotePath: '/r', enabled });
  enabledDestination = await destination('on', true);
  const disabledDestination = await destination('off', false);
  await created('/api/groups', { tag: 'DEF', name: 'Defaults', volumeSizeMb: 10, destinationIds: [enabledDestination, disabledDestination], memberIds: [operator.user.id] });
  for (const [key, value] of [['pack.defaultRuleId', ruleId], ['pack.defaultTemplateId', templateId]] as const) {
    const res = await app.http.put(`/api/configurations/${key}`).set(as(admin)).send({ value: String(value) });
    expect(res.status).toBe(200);
  }
}, 60_000);
afterAll(() => world.close());

it("packs with the group's volume size and enabled destinations, and the configured default rule and template", async () => {
  const book = path.join(app.dataDir, 'defaults.epub');
  await writeEpub(book, { title: 'Defaults Apply', date: '2021-06-01', paddingBytes: 7_000_000 });
  const release = await releaseOf(app, operator, book, { group: 'DEF', source: 'SCAN' });
  expect(release).toMatchObject({ state: 'done', ruleId, nfoTemplateId: templateId });
  expect(release.options.volumeSizeMb).toBe(10);

  // One 10 MB volume (the smallest allowed size, 5 MB, would have made two).
  const dir = path.join(app.config.storage.releasesDir, release.name);
  const onDisk = fs.readdirSync(dir);
  expect(onDisk.filter((f) => f.endsWith('.zip'))).toHaveLength(1);
  const nfo = decodeCp437(fs.readFileSync(path.join(dir, onDisk.find((f) => f.endsWith('.nfo'))!)));
  expect(nfo).toContain(' HOUSE TEMPLATE FOR DEF\r\n Defaults Apply\r\n Disks: 1 x 10MB');

  // Only the enabled destination of the group is delivered to.
  expect(release.distributions.map((d: { destinationId: number }) => d.destinationId)).toEqual([enabledDestination]);

  const validation = (await app.http.get(`/api/releases/${release.id}/validation`).set(as(operator))).body.validation;
  expect(validation.rule).toMatchObject({ id: ruleId, year: 2031 });
});
