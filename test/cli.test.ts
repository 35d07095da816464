import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Group, Release, Upload } from '../db/models';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { ApiProcess, startApiProcess } from './support/api-process';
import { startTestApp, TestApp, TEST_PASSWORD } from './support/test-app';
import { childEnv, fromSources, startReadyWorker, startWorker, stopWorker } from './support/worker-process';

/**
 * The esp CLI as a user runs it: a child process against the real API process and a real worker,
 * its config in a private XDG_CONFIG_HOME.
 */
const ROOT = path.resolve(__dirname, '..');
const PROOF = 'https://www.example.com/store/cli-book';

let app: TestApp;
let api: ApiProcess;
let worker: ReturnType<typeof startWorker>;
let email: string;
let configHome: string;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout as JSON lines (with --json). */
  events: { event: string; [key: string]: unknown }[];
}

function esp(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv; killWhen?: (stdout: string) => boolean } = {}): Promise<Run> {
  const child = spawn(process.execPath, [...fromSources('cli/main.ts'), ...args], {
    cwd: ROOT,
    env: childEnv({ PATH: process.env.PATH, HOME: app.dataDir, XDG_CONFIG_HOME: configHome, ...options.env }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
    if (options.killWhen?.(stdout)) child.kill('SIGKILL');
  });
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) =>
    child.on('close', (code) => {
      const lines = stdout.split('\n').filter(Boolean);
      // A killed run may end mid-line.
      const events = args.includes('--json') ? lines.filter((_line, i) => i < lines.length - 1 || stdout.endsWith('\n')).map((line) => JSON.parse(line)) : [];
      resolve({ code, stdout, stderr, events });
    }),
  );
}
const resultOf = (run: Run) => run.events.find((e) => e.event === 'result')?.data as Record<string, never>;

beforeAll(async () => {
  app = await startTestApp();
  email = (await app.createUser('admin')).user.email;
  configHome = path.join(app.dataDir, 'config home');
  api = await startApiProcess(app.env);
  worker = await startReadyWorker(app.env, app.context.queue);
}, 120_000);
afterAll(async () => {
  await stopWorker(worker);
  await api?.stop();
  await app.close();
});

const url = () => `http://127.0.0.1:${api.port}`;

async function book(name: string, title: string, extra: Parameters<typeof writeEpub>[1] = {}): Promise<string> {
  const file = path.join(app.dataDir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await writeEpub(file, { title, creators: [{ name: 'Ada Writer' }], publisher: 'Plain Press', date: '2021-03-04', ...extra });
  return file;
}

describe('esp CLI', () => {
  it('logs in (config 0600), and reports bad usage and API errors with their exit codes and request ids', async () => {
    const wrong = await esp(['login', '--url', url(), '--email', email, '--password-stdin'], { stdin: 'not the password\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/esp: .+ \(\w+, HTTP 401, request id [\w-]+\)/);

    const ok = await esp(['login', '--url', url(), '--email', email, '--password-stdin'], { stdin: `${TEST_PASSWORD}\n` });
    expect(ok).toMatchObject({ code: 0 });
    const file = path.join(configHome, 'esp', 'config.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toMatchObject({ url: url(), email, accessToken: expect.any(String), refreshToken: expect.any(String) });

    expect((await esp(['release', 'missing.epub'])).code).toBe(2); // no --group
    expect((await esp(['frobnicate'])).code).toBe(2);
    const missing = await esp(['--json', 'show', '00000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(missing.events).toEqual([expect.objectContaining({ event: 'error', status: 404, code: 'NOT_FOUND', requestId: expect.any(String) })]);
  });

  it('uploads with progress events, releases to done following each step, shows the NFO and downloads verified files', async () => {
    const file = await book('progress.epub', 'A Book With Progress', { paddingBytes: 3_000_000 });
    const size = fs.statSync(file).size;
    const upload = await esp(['--json', 'upload', file]);
    expect(upload.code).toBe(0);
    const progress = upload.events.filter((e) => e.event === 'progress').map((e) => e.bytes as number);
    expect(progress.length).toBeGreaterThan(5);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(progress[progress.length - 1]).toBe(size);
    const uploadId = (resultOf(upload).uploads as { id: string; size: number }[])[0].id;
    expect(await Upload.query().findById(uploadId)).toMatchObject({ size });

    const released = await esp(['--json', 'release', uploadId, '--group', 'ESP', '--proof-url', PROOF]);
    expect({ code: released.code, stderr: released.stderr }).toEqual({ code: 0, stderr: '' });
    const kinds = released.events.map((e) => e.event);
    expect(kinds.slice(0, 2)).toEqual(['preview', 'requested']);
    const states = released.events.filter((e) => e.event === 'state').map((e) => e.state);
    expect(states[states.length - 1]).toBe('done');
    expect(new Set(states).size).toBeGreaterThan(1);
    const release = resultOf(released).release as { id: string; name: string; state: string };
    const preview = released.events[0].preview as { name: string };
    expect(release).toMatchObject({ state: 'done', name: preview.name });

    const shown = await esp(['show', release.id]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`name:     ${release.name}`);
    expect(shown.stdout).toMatch(/A Book With Progress/i);

    const target = path.join(app.dataDir, 'downloads');
    const downloaded = await esp(['download', release.id, target]);
    expect(downloaded.code).toBe(0);
    const folder = path.join(target, release.name);
    const files = fs.readdirSync(folder).sort();
    // The release's files and its SFV (kept beside the folder on the server), which checks the copy.
    const sfv = `${release.name}.sfv`;
    expect(files).toEqual([...fs.readdirSync(path.join(app.config.storage.releasesDir, release.name)), sfv].sort());
    expect(fs.readFileSync(path.join(folder, sfv))).toEqual(fs.readFileSync(path.join(app.config.storage.releasesDir, '.checksums', sfv)));
    execFileSync('cksfv', ['-q', '-g', path.join(folder, sfv)]);
    const zips = files.filter((f) => f.endsWith('.zip'));
    expect(zips.length).toBeGreaterThan(0);
    for (const zip of zips) execFileSync('unzip', ['-tq', path.join(folder, zip)]);
    // An SFV that does not match the release's record is refused, and not left where cksfv would read it.
    const stored = path.join(app.config.storage.releasesDir, '.checksums', sfv);
    const genuine = fs.readFileSync(stored, 'latin1');
    fs.writeFileSync(stored, genuine.replace(/ [0-9A-F]{8}\r\n/, ' 00000000\r\n'), 'latin1');
    const damaged = await esp(['download', release.id, path.join(app.dataDir, 'damaged')]);
    fs.writeFileSync(stored, genuine, 'latin1');
    expect(damaged.code).toBe(1);
    expect(damaged.stderr).toContain(`${sfv} does not list the release's volumes with their recorded CRC-32s`);
    expect(fs.existsSync(path.join(app.dataDir, 'damaged', release.name, sfv))).toBe(false);

    const listed = await esp(['--json', 'list', '--state', 'done']);
    expect((resultOf(listed).releases as { id: string }[]).map((r) => r.id)).toContain(release.id);
    const human = await esp(['list']);
    expect(human.stdout).toContain(release.name);
  }, 180_000);

  it('draws a progress bar per file on a terminal (bytes, speed, ETA)', async () => {
    const files = [await book('pty-one.epub', 'Terminal Book One', { paddingBytes: 1_500_000 }), await book('pty-two.epub', 'Terminal Book Two')];
    const command = [process.execPath, ...fromSources('cli/main.ts'), 'upload', ...files].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
    // script(1) gives the CLI a pseudo-terminal, as a person at a shell has (80 columns wide).
    const run = spawn('script', ['-qec', `stty cols 80 rows 24; ${command}`, '/dev/null'], { cwd: ROOT, env: childEnv({ PATH: process.env.PATH, HOME: app.dataDir, XDG_CONFIG_HOME: configHome, TERM: 'xterm' }) });
    let screen = '';
    run.stdout.on('data', (d) => (screen += d));
    const code = await new Promise((resolve) => run.on('close', resolve));
    expect(code).toBe(0);
    for (const name of ['pty-one.epub', 'pty-two.epub']) {
      expect(screen).toMatch(new RegExp(`${name.replace('.', '\\.')}\\s+\\S{16} 100% [\\d.]+ [KM]?B/[\\d.]+ [KM]?B [\\d.]+ [KM]?B/s ETA 0s`));
    }
  }, 120_000);

  it('previews with --dry-run without requesting, exits 3 for a release held in review, cancels and retries it', async () => {
    await Group.query().insert({ tag: 'HOLD', name: 'Held', approvalRequired: true });
    const holdGroup = await Group.query().findOne({ tag: 'HOLD' });
    const admin = (await app.context.services.users.list({ page: 1, pageSize: 100 })).items.find((u) => u.email === email)!;
    await Group.relatedQuery('members').for(holdGroup!.id).relate(admin.id);
    const file = await book('held.epub', 'A Book On Hold');
    const before = await Release.query().resultSize();

    const dry = await esp(['release', file, '--group', 'HOLD', '--proof-url', PROOF, '--dry-run']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/name: Ada\.Writer\.A\.Book\.On\.Hold\.2021/);
    expect(dry.stdout).toContain('(dry run: nothing requested)');
    expect(await Release.query().resultSize()).toBe(before);

    const held = await esp(['--json', 'release', file, '--group', 'HOLD', '--proof-url', PROOF]);
    expect(held.code).toBe(3);
    const release = resultOf(held).release as { id: string; state: string };
    expect(release.state).toBe('review');

    const cancelled = await esp(['cancel', release.id]);
    expect(cancelled).toMatchObject({ code: 0, stdout: `${release.id}: cancelled\n` });
    const retried = await esp(['--json', 'retry', release.id]);
    expect(retried.code).toBe(3);
    const again = resultOf(retried).release as { id: string; state: string };
    expect(again.id).not.toBe(release.id);
    expect(await Release.query().findById(release.id)).toBeUndefined();
  }, 180_000);

  it('imports a folder (books by extension and magic bytes, nested), and a second run does nothing', async () => {
    const dir = path.join(app.dataDir, 'batch');
    await book('batch/one.epub', 'Batch Book One');
    await book('batch/nested/two.epub', 'Batch Book Two');
    await book('batch/nested/deeper/three.epub', 'Batch Book Three');
    fs.writeFileSync(path.join(dir, 'fake.epub'), 'just text, not a zip');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'notes');
    const uploads = await Upload.query().resultSize();
    const releases = await Release.query().resultSize();

    const first = await esp(['--json', 'import', dir, '--group', 'ESP', '--proof-url', PROOF, '--concurrency', '2']);
    expect({ code: first.code, stderr: first.stderr }).toEqual({ code: 0, stderr: '' });
    expect(resultOf(first).summary).toEqual({ requested: 3, skipped: 0, failed: 0, ignored: 2 });
    expect(await Upload.query().resultSize()).toBe(uploads + 3);
    expect(await Release.query().resultSize()).toBe(releases + 3);

    const second = await esp(['import', dir, '--group', 'ESP', '--proof-url', PROOF]);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('0 requested, 3 skipped, 0 failed, 2 not books');
    expect(second.stdout).toMatch(/nested\/deeper\/three\.epub\s+skipped/);
    expect(await Upload.query().resultSize()).toBe(uploads + 3);
    expect(await Release.query().resultSize()).toBe(releases + 3);

    // Without its state (another machine, say) the bytes are found by their SHA-256: nothing is sent again.
    fs.rmSync(path.join(configHome, 'esp', 'imports'), { recursive: true });
    const third = await esp(['--json', 'import', dir, '--group', 'ESP', '--proof-url', PROOF]);
    expect(third.events.filter((e) => e.event === 'progress')).toEqual([]);
    expect((resultOf(third).files as { upload: string }[]).map((f) => f.upload)).toEqual(['known', 'known', 'known']);
    expect(await Release.query().resultSize()).toBe(releases + 3);
  }, 180_000);

  it('picks up an import killed part-way without sending or requesting anything twice', async () => {
    const dir = path.join(app.dataDir, 'interrupted');
    for (const n of [1, 2, 3, 4]) await book(`interrupted/book-${n}.epub`, `Interrupted Book ${n}`);
    const uploads = await Upload.query().resultSize();
    const releases = await Release.query().resultSize();
    const args = ['--json', 'import', dir, '--group', 'ESP', '--proof-url', PROOF, '--concurrency', '1'];

    const killed = await esp(args, { killWhen: (out) => out.includes('"event":"file"') });
    expect(killed.code).toBeNull(); // killed, not finished
    const finished = killed.events.filter((e) => e.event === 'file').length;
    expect(finished).toBeGreaterThanOrEqual(1);
    expect(finished).toBeLessThan(4);

    const resumed = await esp(args);
    expect(resumed.code).toBe(0);
    const summary = resultOf(resumed).summary as { requested: number; skipped: number };
    expect(summary.skipped).toBeGreaterThanOrEqual(finished);
    expect(summary.requested + summary.skipped).toBe(4);
    expect(await Upload.query().resultSize()).toBe(uploads + 4);
    expect(await Release.query().resultSize()).toBe(releases + 4);
  }, 180_000);

  it('exports settings without secrets and imports them back (creating what is missing)', async () => {
    const created = await app.http
      .post('/api/destinations')
      .set('Authorization', `Bearer ${(await app.createUser('admin')).token}`)
      .send({ name: 'Archive', protocol: 'sftp', host: '127.0.0.1', username: 'esp', secret: 'top-secret-password', remotePath: '/in' });
    expect(created.status).toBe(201);
    const file = path.join(app.dataDir, 'settings.json');
    expect((await esp(['export-settings', file])).code).toBe(0);
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('top-secret-password');
    const exported = JSON.parse(text);
    expect(exported.destinations).toEqual([expect.objectContaining({ name: 'Archive', protocol: 'sftp' })]);
    expect(exported.groups.map((g: { tag: string }) => g.tag)).toEqual(expect.arrayContaining(['ESP', 'HOLD']));

    // The destination and a group gone: importing brings them back (the destination disabled, awaiting its secret).
    exported.groups.push({ ...exported.groups[0], tag: 'COPY', name: 'Copy', destinations: ['Archive'] });
    fs.writeFileSync(file, JSON.stringify(exported));
    await app.http.delete(`/api/destinations/${created.body.destination.id}`).set('Authorization', `Bearer ${(await app.createUser('admin')).token}`);
    const imported = await esp(['--json', 'import-settings', file]);
    expect(imported.code).toBe(0);
    const actions = (resultOf(imported).imported as { kind: string; key: string; action: string }[]).map((i) => `${i.action} ${i.kind} ${i.key}`);
    expect(actions).toEqual(expect.arrayContaining(['created destinations Archive', 'created groups COPY', 'updated groups ESP']));
    expect(imported.events.some((e) => e.event === 'warning')).toBe(true);
    const copy = await Group.query().findOne({ tag: 'COPY' }).withGraphFetched('[destinations, members]');
    expect(copy!.destinations!.map((d) => [d.name, d.enabled])).toEqual([['Archive', false]]);
    expect(copy!.members!.map((m) => m.email)).toEqual([email]);

    expect((await esp(['import-settings', path.join(app.dataDir, 'progress.epub')])).code).toBe(2);
  }, 120_000);
});
