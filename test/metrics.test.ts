import fs from 'node:fs';
import path from 'node:path';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { ReleaseFile } from '../db/models';
import { startApiProcess, ApiProcess } from './support/api-process';
import { startReplayServer, ReplayServer } from './support/replay-server';
import { freePort } from './support/ports';
import { startTestApp, TestApp } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Prometheus /metrics of the real API process and a real worker process, each on its own port
 * behind a bearer token, scraped after failed logins and one release packed through them: every
 * metric family the operators' dashboard and alerts read is there, with the counts that happened.
 */
const TOKEN = 'metrics-scrape-token-for-the-test';
let app: TestApp;
let api: ApiProcess;
let worker: ReturnType<typeof startWorker>;
let replay: ReplayServer;
let apiMetricsPort: number;
let workerMetricsPort: number;
let operator: { token: string };
let releaseId: string;
/** Both processes' scrapes after the release, for the monitoring files' check. */
let scraped = '';

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** The samples of one metric name in Prometheus text format. */
function samples(text: string, name: string): Sample[] {
  const found: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    found.push({ labels, value: Number(match[3]) });
  }
  return found;
}

const total = (text: string, name: string, labels: Record<string, string> = {}) =>
  samples(text, name)
    .filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);

const scrape = async (port: number, token: string | null = TOKEN) => fetch(`http://127.0.0.1:${port}/metrics`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
const scrapeText = async (port: number) => {
  const res = await scrape(port);
  expect(res.status).toBe(200);
  return res.text();
};

beforeAll(async () => {
  replay = await startReplayServer();
  app = await startTestApp({ GOOGLE_BOOKS_BASE_URL: replay.baseUrl('googlebooks'), LOGIN_LOCK_AFTER_FAILURES: '2', METRICS_TOKEN: TOKEN });
  operator = await app.createUser('operator', 'metrics-op@example.test');
  apiMetricsPort = await freePort();
  workerMetricsPort = await freePort();
  api = await startApiProcess({ ...app.env, METRICS_PORT: String(apiMetricsPort) });
  worker = await startReadyWorker({ ...app.env, METRICS_PORT: String(workerMetricsPort) }, app.context.queue);
}, 120_000);
afterAll(async () => {
  await stopWorker(worker);
  await api.stop();
  await app.close();
  await replay.close();
});

const apiUrl = (route: string) => `http://127.0.0.1:${api.port}${route}`;
const auth = () => ({ Authorization: `Bearer ${operator.token}` });

describe('/metrics', () => {
  it('is refused without the token and served with it, on loopback ports of their own', async () => {
    expect((await scrape(apiMetricsPort, null)).status).toBe(401);
    expect((await scrape(workerMetricsPort, 'wrong-token-of-the-same-length!!!!')).status).toBe(401);
    expect((await scrape(workerMetricsPort)).status).toBe(200);
    // Not on the API's public port.
    expect(await (await fetch(apiUrl('/metrics'))).text()).not.toContain('# TYPE esp_');
    // Bound to loopback (METRICS_HOST's default), and says so in its log.
    const logDir = path.join(app.dataDir, 'logs');
    const logged = fs.readdirSync(logDir).filter((f) => f.endsWith('.log')).map((f) => fs.readFileSync(path.join(logDir, f), 'utf8')).join('');
    expect(logged).toContain(`"url":"http://127.0.0.1:${apiMetricsPort}/metrics"`);
    expect(logged).toContain(`"url":"http://127.0.0.1:${workerMetricsPort}/metrics"`);
  });

  it('counts one release, its jobs, its bytes, its catalogue calls and failed logins', async () => {
    // Three wrong passwords from one address lock the account (LOGIN_LOCK_AFTER_FAILURES=2).
    for (let i = 0; i < 3; i++) {
      await fetch(apiUrl('/api/auth/login'), { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email: 'metrics-op@example.test', password: 'not the password' }) });
    }

    const book = path.join(app.dataDir, 'earthsea.epub');
    await writeEpub(book, { isbn: '9780547928227', date: '2012-09-18', publisher: 'Houghton Mifflin Harcourt', paddingBytes: 2_000_000 });
    const form = new FormData();
    form.append('file', new Blob([fs.readFileSync(book)]), 'earthsea.epub');
    const uploaded = (await (await fetch(apiUrl('/api/uploads'), { method: 'POST', headers: auth(), body: form })).json()) as { upload: { id: string } };
    // Inspected before the release is asked for, so the release's flow starts at enrich.
    await waitFor('the upload to be inspected', async () => {
      const { upload } = (await (await fetch(apiUrl(`/api/uploads/${uploaded.upload.id}`), { headers: auth() })).json()) as { upload: { status: string } };
      return upload.status === 'inspected';
    });
    const options = { group: 'ESP', source: 'RETAIL', proofUrl: 'https://books.example.test/earthsea' };
    const requested = await fetch(apiUrl('/api/releases'), { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ uploadId: uploaded.upload.id, options }) });
    expect(requested.status).toBe(202);
    releaseId = ((await requested.json()) as { release: { id: string } }).release.id;
    const release = await waitFor('the release to settle', async () => {
      const current = ((await (await fetch(apiUrl(`/api/releases/${releaseId}`), { headers: auth() })).json()) as { release: { state: string } }).release;
      return ['done', 'failed', 'review'].includes(current.state) ? current : undefined;
    }, 120_000);
    expect(release).toMatchObject({ state: 'done', error: null });
    // A dry run of the same request asks the catalogues again: the shared cache answers.
    const preview = await fetch(apiUrl('/api/releases/preview'), { method: 'POST', headers: { ...auth(), 'Content-Type': 'application/json' }, body: JSON.stringify({ uploadId: uploaded.upload.id, options }) });
    expect(preview.status).toBe(200);

    const apiText = await scrapeText(apiMetricsPort);
    const workerText = await scrapeText(workerMetricsPort);
    const both = `${apiText}\n${workerText}`;
    scraped = both;

    // HTTP: labelled by the route pattern and status, never by the raw URL.
    expect(total(apiText, 'esp_http_request_duration_seconds_count', { method: 'GET', route: '/api/releases/:id', status: '200' })).toBeGreaterThan(0);
    expect(total(apiText, 'esp_http_request_duration_seconds_count', { method: 'POST', route: '/api/releases', status: '202' })).toBe(1);
    expect(total(apiText, 'esp_http_request_duration_seconds_count', { method: 'POST', route: '/api/auth/login', status: '401' })).toBeGreaterThanOrEqual(2);
    expect(samples(apiText, 'esp_http_request_duration_seconds_count').some((s) => /[0-9a-f]{8}-[0-9a-f]{4}/.test(s.labels.route))).toBe(false);
    expect(total(apiText, 'esp_http_request_duration_seconds_bucket', { route: '/api/releases', le: '+Inf' })).toBeGreaterThan(0);

    // Logins.
    expect(total(apiText, 'esp_login_failures_total')).toBeGreaterThanOrEqual(2);
    expect(total(apiText, 'esp_login_lockouts_total', { kind: 'account' })).toBeGreaterThanOrEqual(1);

    // Queues, read from Redis at scrape time by either process.
    for (const text of [apiText, workerText]) {
      for (const queue of ['upload', 'enrich', 'pack', 'distribute', 'notify']) {
        for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) expect(samples(text, 'esp_queue_jobs').some((s) => s.labels.queue === queue && s.labels.state === state)).toBe(true);
      }
      expect(total(text, 'esp_queue_jobs', { queue: 'pack', state: 'completed' })).toBe(1);
      expect(total(text, 'esp_queue_jobs', { queue: 'enrich', state: 'completed' })).toBe(1);
    }

    // Jobs: one attempt each of inspect (the upload's; the release started at enrich), enrich and pack.
    expect(total(workerText, 'esp_job_attempts_total', { queue: 'pack', name: 'pack', outcome: 'completed' })).toBe(1);
    expect(total(workerText, 'esp_job_attempts_total', { queue: 'upload', name: 'inspect', outcome: 'completed' })).toBe(1);
    expect(total(workerText, 'esp_job_duration_seconds_count', { queue: 'enrich', name: 'enrich', outcome: 'completed' })).toBe(1);
    expect(total(workerText, 'esp_job_duration_seconds_sum', { queue: 'pack', name: 'pack' })).toBeGreaterThan(0);

    // Packed bytes: exactly the release's files.
    const files = await ReleaseFile.query().where({ releaseId });
    expect(total(workerText, 'esp_packed_bytes_total')).toBe(files.reduce((sum, f) => sum + Number(f.size), 0));
    expect(total(workerText, 'esp_pack_bytes_per_second_count')).toBe(1);
    expect(total(workerText, 'esp_pack_bytes_per_second_sum')).toBeGreaterThan(0);

    // Providers: Google Books answered (recordings), OpenLibrary was unreachable; the preview hit the cache.
    expect(total(workerText, 'esp_provider_requests_total', { provider: 'googlebooks', outcome: 'ok' })).toBeGreaterThan(0);
    expect(total(workerText, 'esp_provider_errors_total', { provider: 'openlibrary', kind: 'network' })).toBeGreaterThan(0);
    expect(total(workerText, 'esp_provider_request_duration_seconds_count', { provider: 'googlebooks' })).toBeGreaterThan(0);
    expect(total(workerText, 'esp_provider_cache_total', { provider: 'googlebooks', result: 'miss' })).toBeGreaterThan(0);
    expect(total(both, 'esp_provider_cache_total', { result: 'hit' })).toBeGreaterThan(0);

    // Disks and the process itself.
    for (const folder of ['uploads', 'releases']) {
      const [ratio] = samples(workerText, 'esp_disk_used_ratio').filter((s) => s.labels.folder === folder);
      expect(ratio.value).toBeGreaterThan(0);
      expect(ratio.value).toBeLessThan(1);
    }
    expect(total(workerText, 'esp_process_resident_memory_bytes')).toBeGreaterThan(0);
    for (const family of ['esp_http_request_duration_seconds', 'esp_job_duration_seconds', 'esp_job_attempts_total', 'esp_packed_bytes_total', 'esp_provider_requests_total', 'esp_login_lockouts_total', 'esp_notifications_total']) {
      expect(apiText).toContain(`# TYPE ${family} `);
      expect(workerText).toContain(`# TYPE ${family} `);
    }
  }, 240_000);

  it('serves every metric the Grafana dashboard and the alert rules read', () => {
    expect(scraped).not.toBe('');
    const families = new Set([...scraped.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]));
    for (const file of ['grafana-dashboard.json', 'alerts.yml']) {
      const text = fs.readFileSync(path.join(__dirname, '../ops/monitoring', file), 'utf8');
      const used = new Set([...text.matchAll(/\b(esp_[a-z_]+)/g)].map((m) => m[1].replace(/_(bucket|count|sum)$/, '')));
      expect(used.size).toBeGreaterThan(3);
      expect({ file, missing: [...used].filter((name) => !families.has(name)) }).toEqual({ file, missing: [] });
    }
  });
});
