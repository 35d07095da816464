import fsp from 'node:fs/promises';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The Prometheus metrics of every process (API and workers), in one registry per process. Each
 * process serves its own on METRICS_PORT (lib/metrics-server.ts); Prometheus sums across them.
 * Families a process never touches still show with their HELP and TYPE lines.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'esp_' });

const SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

export const httpRequestDuration = new Histogram({
  name: 'esp_http_request_duration_seconds',
  help: 'API request duration by Express route pattern, method and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

export const jobDuration = new Histogram({
  name: 'esp_job_duration_seconds',
  help: 'Duration of each job attempt by queue, job name and outcome',
  labelNames: ['queue', 'name', 'outcome'] as const,
  buckets: SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

export const jobAttempts = new Counter({
  name: 'esp_job_attempts_total',
  help: 'Job attempts by queue, job name and outcome (a retried job counts each attempt)',
  labelNames: ['queue', 'name', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const packedBytes = new Counter({
  name: 'esp_packed_bytes_total',
  help: 'Bytes written into published releases (zips, NFO, DIZ)',
  registers: [metricsRegistry],
});

export const packThroughput = new Histogram({
  name: 'esp_pack_bytes_per_second',
  help: 'Packing speed of each packed release, in bytes per second',
  buckets: [1e5, 1e6, 5e6, 1e7, 2.5e7, 5e7, 1e8, 2.5e8, 5e8],
  registers: [metricsRegistry],
});

/** A published release: its bytes, and how fast they were packed. */
export function recordPacked(bytes: number, seconds: number): void {
  packedBytes.inc(bytes);
  if (seconds > 0) packThroughput.observe(bytes / seconds);
}

export const providerRequests = new Counter({
  name: 'esp_provider_requests_total',
  help: 'Catalogue provider HTTP calls by provider and outcome (ok, not_found, error)',
  labelNames: ['provider', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const providerErrors = new Counter({
  name: 'esp_provider_errors_total',
  help: 'Catalogue provider failures by provider and kind (timeout, network, http, malformed)',
  labelNames: ['provider', 'kind'] as const,
  registers: [metricsRegistry],
});

export const providerLatency = new Histogram({
  name: 'esp_provider_request_duration_seconds',
  help: 'Catalogue provider call duration (retries included)',
  labelNames: ['provider'] as const,
  buckets: SECONDS_BUCKETS,
  registers: [metricsRegistry],
});

export const providerCache = new Counter({
  name: 'esp_provider_cache_total',
  help: 'Provider response cache lookups by provider and result (hit, miss)',
  labelNames: ['provider', 'result'] as const,
  registers: [metricsRegistry],
});

export const loginFailures = new Counter({
  name: 'esp_login_failures_total',
  help: 'Failed logins (wrong email or password)',
  registers: [metricsRegistry],
});

export const loginLockouts = new Counter({
  name: 'esp_login_lockouts_total',
  help: 'Login lock-outs by kind (account: an account from one address; address: an address for all accounts)',
  labelNames: ['kind'] as const,
  registers: [metricsRegistry],
});

export const notificationsSent = new Counter({
  name: 'esp_notifications_total',
  help: 'Webhook deliveries by kind (discord, slack, generic) and outcome (sent, failed)',
  labelNames: ['kind', 'outcome'] as const,
  registers: [metricsRegistry],
});

export type QueueCounts = Record<string, Record<string, number>>;
export const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

let queueCountsSource: (() => Promise<QueueCounts>) | undefined;
let diskPaths: Record<string, string> = {};

/** Where the queue gauges read from at each scrape (the process's JobQueue). */
export function reportQueueCounts(source: () => Promise<QueueCounts>): void {
  queueCountsSource = source;
}

/** Folders whose filesystem fill is reported (uploads, releases). */
export function reportDisks(paths: Record<string, string>): void {
  diskPaths = paths;
}

new Gauge({
  name: 'esp_queue_jobs',
  help: 'Jobs per queue and state (waiting, active, delayed, failed, completed), read at scrape time',
  labelNames: ['queue', 'state'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    if (!queueCountsSource) return;
    const counts = await queueCountsSource().catch(() => undefined);
    for (const [queue, byState] of Object.entries(counts ?? {})) {
      for (const state of QUEUE_STATES) this.set({ queue, state }, byState[state] ?? 0);
    }
  },
});

new Gauge({
  name: 'esp_disk_used_ratio',
  help: 'Used fraction (0-1) of the filesystem holding each storage folder',
  labelNames: ['folder'] as const,
  registers: [metricsRegistry],
  async collect() {
    this.reset();
    for (const [folder, dir] of Object.entries(diskPaths)) {
      const stats = await fsp.statfs(dir).catch(() => undefined);
      if (stats && stats.blocks > 0) this.set({ folder }, 1 - stats.bavail / stats.blocks);
    }
  },
});
