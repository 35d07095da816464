import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { ApiClient } from '../api-client';
import { writePrivateJson } from '../config-store';
import { EXIT, Output, UsageError } from '../output';

type Row = Record<string, unknown> & { id: number };
const pick = (row: Row, keys: readonly string[]) => Object.fromEntries(keys.filter((k) => k in row).map((k) => [k, row[k]]));

const RULE_FIELDS = ['section', 'year', 'scene', 'title', 'body', 'limits'] as const;
const TEMPLATE_FIELDS = ['name', 'description', 'body'] as const;
// Never the secret: the API does not show it, and an export must be safe to share.
const DESTINATION_FIELDS = ['name', 'protocol', 'host', 'port', 'username', 'authType', 'remotePath', 'tlsVerify', 'hostFingerprint', 'enabled'] as const;
const GROUP_FIELDS = ['tag', 'name', 'volumeSizeMb', 'authorSeparator', 'tagCase', 'ebookTag', 'publisherFirst', 'approvalRequired', 'confidenceThreshold', 'retailProofRequired', 'watchFolder'] as const;

/** Groups refer to rules, templates and destinations by their natural keys, not by this instance's ids. */
const ruleKey = (r: Record<string, unknown>) => `${r.section}/${r.year}/${r.scene}/${r.title}`;

export interface SettingsFile {
  format: 'esp-settings';
  version: 1;
  rules: Record<string, unknown>[];
  templates: Record<string, unknown>[];
  destinations: Record<string, unknown>[];
  groups: (Record<string, unknown> & { rule: string | null; template: string | null; destinations: string[] })[];
}

export async function exportSettings(client: ApiClient, out: Output, file?: string): Promise<number> {
  const [rules, templates, destinations, groups] = await Promise.all(
    (['rules', 'templates', 'destinations', 'groups'] as const).map((key) => client.all<Row>(`/api/${key}`, key)),
  );
  const ruleById = new Map(rules.map((r) => [r.id, ruleKey(r)]));
  const templateById = new Map(templates.map((t) => [t.id, String(t.name)]));
  const settings: SettingsFile = {
    format: 'esp-settings',
    version: 1,
    rules: rules.map((r) => pick(r, RULE_FIELDS)),
    templates: templates.map((t) => pick(t, TEMPLATE_FIELDS)),
    destinations: destinations.map((d) => pick(d, DESTINATION_FIELDS)),
    groups: groups.map((g) => ({
      ...pick(g, GROUP_FIELDS),
      rule: ruleById.get(g.ruleId as number) ?? null,
      template: templateById.get(g.nfoTemplateId as number) ?? null,
      destinations: ((g.destinations as { name: string }[] | undefined) ?? []).map((d) => d.name),
    })),
  };
  if (file) writePrivateJson(file, settings);
  else if (!out.json) process.stdout.write(`${JSON.stringify(settings, null, 2)}\n`);
  if (file || out.json) out.result(file ? { file, counts: countsOf(settings) } : settings, () => `exported to ${file}: ${JSON.stringify(countsOf(settings))}`);
  return EXIT.done;
}

const countsOf = (s: SettingsFile) => ({ rules: s.rules.length, templates: s.templates.length, destinations: s.destinations.length, groups: s.groups.length });

/** Creates what is missing and updates what exists (by natural key), in dependency order. */
export async function importSettings(client: ApiClient, out: Output, file: string): Promise<number> {
  let settings: SettingsFile;
  try {
    settings = JSON.parse(fs.readFileSync(file, 'utf8')) as SettingsFile;
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  if (settings.format !== 'esp-settings' || settings.version !== 1) throw new UsageError(`${file} is not an esp settings export (format esp-settings, version 1)`);
  const done: { kind: string; key: string; action: 'created' | 'updated' }[] = [];
  const upsert = async (kind: string, key: string, existing: Row | undefined, body: Record<string, unknown>, create: () => Record<string, unknown> = () => body) => {
    const one = kind.slice(0, -1);
    const saved = existing
      ? (await client.json<Record<string, Row>>('PATCH', `/api/${kind}/${existing.id}`, body))[one]
      : (await client.json<Record<string, Row>>('POST', `/api/${kind}`, create()))[one];
    done.push({ kind, key, action: existing ? 'updated' : 'created' });
    out.event('imported', { kind, key, action: existing ? 'updated' : 'created', id: saved.id });
    return saved;
  };

  const rules = new Map((await client.all<Row>('/api/rules', 'rules')).map((r) => [ruleKey(r), r]));
  const ruleIds = new Map<string, number>();
  for (const rule of settings.rules) ruleIds.set(ruleKey(rule), (await upsert('rules', ruleKey(rule), rules.get(ruleKey(rule)), rule)).id);

  const templates = new Map((await client.all<Row>('/api/templates', 'templates')).map((t) => [String(t.name), t]));
  const templateIds = new Map<string, number>();
  for (const t of settings.templates) templateIds.set(String(t.name), (await upsert('templates', String(t.name), templates.get(String(t.name)), t)).id);

  const destinations = new Map((await client.all<Row>('/api/destinations', 'destinations')).map((d) => [String(d.name), d]));
  const destinationIds = new Map<string, number>();
  for (const d of settings.destinations) {
    const name = String(d.name);
    const existing = destinations.get(name);
    if (!existing) out.warn(`destination ${name} is created disabled with a placeholder secret: set its password or key, then enable it`);
    const saved = await upsert('destinations', name, existing, d, () => ({ ...d, enabled: false, secret: randomBytes(24).toString('hex') }));
    destinationIds.set(name, saved.id);
  }

  const me = (await client.get<{ user: { id: number } }>('/api/auth/me')).user;
  const groups = new Map((await client.all<Row>('/api/groups', 'groups')).map((g) => [String(g.tag), g]));
  for (const g of settings.groups) {
    const { rule, template, destinations: names, ...fields } = g;
    const body = {
      ...fields,
      ruleId: rule ? (ruleIds.get(rule) ?? null) : null,
      nfoTemplateId: template ? (templateIds.get(template) ?? null) : null,
      destinationIds: names.map((n) => destinationIds.get(n)).filter((id): id is number => id !== undefined),
    };
    // A new group gets the importing user as its member; an existing one keeps its members.
    await upsert('groups', String(g.tag), groups.get(String(g.tag)), body, () => ({ ...body, memberIds: [me.id] }));
  }
  out.result({ imported: done }, () => done.map((d) => `${d.action.padEnd(8)} ${d.kind.slice(0, -1)} ${d.key}`).join('\n') || 'nothing to import');
  return EXIT.done;
}
