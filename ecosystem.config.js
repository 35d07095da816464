/**
 * PM2 process layout: the API in cluster mode, and the workers as separate pools by kind of work,
 * so packing (disk-heavy) never starves inspection and enrichment, and slow FTP/SFTP transfers or
 * webhook retries hold back neither. Start with `pm2 start ecosystem.config.js` (or `npm start`,
 * which runs pm2-runtime in the foreground after migrating). On several hosts, run only the pools
 * a host is for: `pm2 start ecosystem.config.js --only esp-worker-pack`.
 *
 * Metrics: with METRICS_PORT_BASE set, every process serves /metrics on its own loopback port
 * (API instances from the base, each pool ten ports further; PM2 adds NODE_APP_INSTANCE).
 *
 * Logs: every process writes its own log to LOG_FILE (app-YYYY-MM-DD.log, rotated and pruned by the
 * scheduler), and its console carries the same lines. So PM2 keeps no copy of stdout (out_file is
 * /dev/null: a second, never rotated file of every line) and keeps stderr only, in <name>.err.log:
 * what a process says when it cannot start or dies before its logger runs.
 */
const shutdownMs = Number(process.env.WORKER_SHUTDOWN_TIMEOUT_MS || 30000);
const logDir = process.env.PM2_LOG_DIR || 'data/logs';
/** stdout duplicates LOG_FILE line for line: PM2 writes it nowhere (see Logs above). */
const NO_STDOUT_COPY = '/dev/null';
const metricsBase = Number(process.env.METRICS_PORT_BASE || 0);
const metricsPort = (offset) => (metricsBase ? { METRICS_PORT: String(metricsBase + offset) } : {});

const common = {
  cwd: __dirname,
  time: true,
  merge_logs: true,
  max_memory_restart: '1G',
  env: { NODE_ENV: process.env.NODE_ENV || 'development' },
};

/** A pool of worker processes for some queues; kill_timeout outlasts the worker's own shutdown. */
function workerPool(name, queues, instances, metricsOffset) {
  return {
    ...common,
    name,
    script: 'dist/worker/main.js',
    exec_mode: 'fork',
    instances: Number(instances || 1),
    kill_timeout: shutdownMs + 5000,
    env: { ...common.env, WORKER_QUEUES: queues, ...metricsPort(metricsOffset) },
    out_file: NO_STDOUT_COPY,
    error_file: `${logDir}/${name}.err.log`,
  };
}

module.exports = {
  apps: [
    {
      ...common,
      name: 'esp-api',
      script: 'dist/api/main.js',
      exec_mode: 'cluster',
      instances: Number(process.env.API_INSTANCES || 2),
      // A 4 MB young generation instead of V8's 16 MB: streaming a 1 GB upload then holds about
      // 145 MB instead of 163, at the same speed (docs/BENCHMARKS.md, run 8). The bench starts
      // its API with these arguments too, so keep docker-compose.prod.yml and the Dockerfile in step.
      node_args: ['--max-semi-space-size=4'],
      kill_timeout: 12000,
      env: { ...common.env, ...metricsPort(0) },
      out_file: NO_STDOUT_COPY,
      error_file: `${logDir}/api.err.log`,
    },
    workerPool('esp-worker-ingest', 'upload,enrich', process.env.INGEST_WORKERS, 10),
    workerPool('esp-worker-pack', 'pack', process.env.PACK_WORKERS, 20),
    workerPool('esp-worker-distribute', 'distribute', process.env.DISTRIBUTE_WORKERS, 30),
    workerPool('esp-worker-notify', 'notify', process.env.NOTIFY_WORKERS, 40),
    {
      ...common,
      // One instance only: its tasks also take Redis locks, so a second one would just skip.
      name: 'esp-scheduler',
      script: 'dist/scheduler/main.js',
      exec_mode: 'fork',
      instances: 1,
      kill_timeout: 10000,
      out_file: NO_STDOUT_COPY,
      error_file: `${logDir}/scheduler.err.log`,
    },
  ],
};
