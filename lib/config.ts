import path from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { ConfigError } from './errors';
import { ALL_QUEUES, isQueueName, PIPELINE_QUEUES, QueueName } from './domain/queue-names';

/**
 * The whole runtime configuration, read and validated once per process from the environment.
 * Variable names follow the deployment plan (ops/ and docs/DEPLOYMENT.md).
 */

const DEV_SECRET = 'development-only-insecure-secret-do-not-use-in-production';
const PLACEHOLDER_SECRETS = new Set(['changeme', 'secret', '<generate_secure_key>', DEV_SECRET]);
const MIN_PRODUCTION_SECRET_LENGTH = 32;

const intFrom = (name: string, min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `${name} must be between ${min} and ${max}`);

const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const urlString = (name: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        new URL(v);
        return true;
      } catch {
        return false;
      }
    }, `${name} must be a URL`);

const rawSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().trim().default('0.0.0.0'),
  PORT: intFrom('PORT', 0, 65535).default('5000'),
  SECRET_KEY: optionalString,
  JWT_SECRET_KEY: optionalString,
  CREDENTIALS_KEY: optionalString.refine((v) => v === undefined || /^[0-9a-fA-F]{64}$/.test(v), 'CREDENTIALS_KEY must be 64 hex characters (32 bytes)'),
  DATABASE_URL: optionalString,
  DATA_DIR: z.string().trim().default('data'),
  REDIS_URL: urlString('REDIS_URL').default('redis://127.0.0.1:6379/0'),
  QUEUE_PREFIX: z.string().trim().min(1).default('{esp}'),
  BCRYPT_LOG_ROUNDS: intFrom('BCRYPT_LOG_ROUNDS', 4, 15).default('12'),
  JWT_ACCESS_TOKEN_EXPIRES: intFrom('JWT_ACCESS_TOKEN_EXPIRES', 1, 86_400 * 7).default('3600'),
  JWT_REFRESH_TOKEN_EXPIRES: intFrom('JWT_REFRESH_TOKEN_EXPIRES', 60, 86_400 * 365).default('86400'),
  MAX_UPLOAD_SIZE: intFrom('MAX_UPLOAD_SIZE', 1, 50 * 1024 ** 3).default('1073741824'),
  UPLOAD_FOLDER: optionalString,
  RELEASES_FOLDER: optionalString,
  OPENLIBRARY_API_KEY: optionalString,
  GOOGLE_BOOKS_API_KEY: optionalString,
  OMDB_API_KEY: optionalString,
  TVDB_API_KEY: optionalString,
  TVDB_PIN: optionalString,
  TMDB_API_KEY: optionalString,
  OPENLIBRARY_BASE_URL: urlString('OPENLIBRARY_BASE_URL').default('https://openlibrary.org'),
  GOOGLE_BOOKS_BASE_URL: urlString('GOOGLE_BOOKS_BASE_URL').default('https://www.googleapis.com/books/v1'),
  OMDB_BASE_URL: urlString('OMDB_BASE_URL').default('https://www.omdbapi.com'),
  TMDB_BASE_URL: urlString('TMDB_BASE_URL').default('https://api.themoviedb.org/3'),
  TVDB_BASE_URL: urlString('TVDB_BASE_URL').default('https://api4.thetvdb.com/v4'),
  PROVIDER_TIMEOUT_MS: intFrom('PROVIDER_TIMEOUT_MS', 100, 120_000).default('8000'),
  PROVIDER_RETRIES: intFrom('PROVIDER_RETRIES', 0, 10).default('2'),
  PROVIDER_CACHE_TTL_SECONDS: intFrom('PROVIDER_CACHE_TTL_SECONDS', 0, 90 * 86_400).default('604800'),
  PROVIDER_RATE_LIMITS: z.string().trim().default('openlibrary=3,googlebooks=5,omdb=2,tmdb=20,tvdb=5'),
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['error', 'warn', 'info', 'http', 'debug']))
    .default('info'),
  LOG_FILE: optionalString,
  WORKER_QUEUES: z.string().trim().default(PIPELINE_QUEUES.join(',')),
  WORKER_CONCURRENCY: z.string().trim().default(''),
  WORKER_SHUTDOWN_TIMEOUT_MS: intFrom('WORKER_SHUTDOWN_TIMEOUT_MS', 1000, 3_600_000).default('30000'),
  WORKER_LOCK_DURATION_MS: intFrom('WORKER_LOCK_DURATION_MS', 1000, 600_000).default('30000'),
  WORKER_STALLED_INTERVAL_MS: intFrom('WORKER_STALLED_INTERVAL_MS', 500, 600_000).default('30000'),
  SCHEDULE_MAINTENANCE: z.string().trim().default('17 3 * * *'),
  SCHEDULE_LOG_ROTATION: z.string().trim().default('5 0 * * *'),
  SCHEDULE_HEALTH_WATCH: z.string().trim().default('*/30 * * * * *'),
  HEALTH_URL: optionalString,
  ALERT_WEBHOOK_URL: optionalString,
  ALERT_WEBHOOK_FORMAT: z.enum(['slack', 'discord', 'pagerduty']).default('slack'),
  PAGERDUTY_ROUTING_KEY: optionalString,
  UPLOAD_RETENTION_DAYS: intFrom('UPLOAD_RETENTION_DAYS', 1, 3650).default('14'),
  LOG_RETENTION_DAYS: intFrom('LOG_RETENTION_DAYS', 1, 3650).default('30'),
  JOB_RUN_RETENTION_DAYS: intFrom('JOB_RUN_RETENTION_DAYS', 1, 3650).default('90'),
  TEMP_RETENTION_HOURS: intFrom('TEMP_RETENTION_HOURS', 1, 720).default('24'),
  HEALTH_TIMEOUT_MS: intFrom('HEALTH_TIMEOUT_MS', 50, 30_000).default('1500'),
});

export type DatabaseConfig =
  | { client: 'mysql2'; url: string }
  | { client: 'better-sqlite3'; filename: string };

export type { QueueName };

export interface Config {
  env: 'development' | 'production' | 'test';
  http: { host: string; port: number };
  /** credentialsKey encrypts stored credentials; without it a key is derived from secretKey. */
  secrets: { secretKey: string; jwtSecret: string; credentialsKey?: string };
  database: DatabaseConfig;
  redis: { url: string; prefix: string };
  auth: { bcryptRounds: number; accessTokenTtlSeconds: number; refreshTokenTtlSeconds: number };
  storage: { dataDir: string; uploadDir: string; releasesDir: string; maxUploadBytes: number };
  providers: {
    baseUrls: { openlibrary: string; googlebooks: string; omdb: string; tmdb: string; tvdb: string };
    timeoutMs: number;
    retries: number;
    cacheTtlSeconds: number;
    /** Requests per second per provider, shared by every worker process. */
    rateLimits: Record<string, number>;
    openLibraryKey?: string;
    googleBooksKey?: string;
    omdbKey?: string;
    tvdbKey?: string;
    tvdbPin?: string;
    tmdbKey?: string;
  };
  log: { level: 'error' | 'warn' | 'info' | 'http' | 'debug'; file: string };
  worker: {
    queues: QueueName[];
    concurrency: Record<QueueName, number>;
    shutdownTimeoutMs: number;
    lockDurationMs: number;
    stalledIntervalMs: number;
  };
  health: { timeoutMs: number };
  scheduler: {
    schedules: { maintenance: string; logRotation: string; healthWatch: string };
    healthUrl: string;
    alert: { webhookUrl?: string; format: 'slack' | 'discord' | 'pagerduty'; pagerDutyRoutingKey?: string };
    retention: { uploadDays: number; logDays: number; jobRunDays: number; tempHours: number };
  };
}

type Raw = z.infer<typeof rawSchema>;

/** Reads the environment into a validated Config; throws ConfigError listing every bad value. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = rawSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const raw = parsed.data;
  const problems: string[] = [];

  const secretKey = checkSecret('SECRET_KEY', raw.SECRET_KEY, raw.NODE_ENV, problems);
  const jwtSecret = checkSecret('JWT_SECRET_KEY', raw.JWT_SECRET_KEY, raw.NODE_ENV, problems);
  const database = parseDatabaseUrl(raw, problems);
  const worker = parseWorker(raw, problems);
  const rateLimits = parseRateLimits(raw.PROVIDER_RATE_LIMITS, problems);
  for (const [name, expression] of [
    ['SCHEDULE_MAINTENANCE', raw.SCHEDULE_MAINTENANCE],
    ['SCHEDULE_LOG_ROTATION', raw.SCHEDULE_LOG_ROTATION],
    ['SCHEDULE_HEALTH_WATCH', raw.SCHEDULE_HEALTH_WATCH],
  ]) {
    if (!cron.validate(expression)) problems.push(`${name}: "${expression}" is not a cron expression`);
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(raw.DATA_DIR);
  return {
    env: raw.NODE_ENV,
    http: { host: raw.HOST, port: raw.PORT },
    secrets: { secretKey, jwtSecret, credentialsKey: raw.CREDENTIALS_KEY },
    database: database!,
    redis: { url: raw.REDIS_URL, prefix: raw.QUEUE_PREFIX },
    auth: {
      bcryptRounds: raw.BCRYPT_LOG_ROUNDS,
      accessTokenTtlSeconds: raw.JWT_ACCESS_TOKEN_EXPIRES,
      refreshTokenTtlSeconds: raw.JWT_REFRESH_TOKEN_EXPIRES,
    },
    storage: {
      dataDir,
      uploadDir: path.resolve(raw.UPLOAD_FOLDER ?? path.join(dataDir, 'uploads')),
      releasesDir: path.resolve(raw.RELEASES_FOLDER ?? path.join(dataDir, 'releases')),
      maxUploadBytes: raw.MAX_UPLOAD_SIZE,
    },
    providers: {
      baseUrls: {
        openlibrary: raw.OPENLIBRARY_BASE_URL.replace(/\/$/, ''),
        googlebooks: raw.GOOGLE_BOOKS_BASE_URL.replace(/\/$/, ''),
        omdb: raw.OMDB_BASE_URL.replace(/\/$/, ''),
        tmdb: raw.TMDB_BASE_URL.replace(/\/$/, ''),
        tvdb: raw.TVDB_BASE_URL.replace(/\/$/, ''),
      },
      timeoutMs: raw.PROVIDER_TIMEOUT_MS,
      retries: raw.PROVIDER_RETRIES,
      cacheTtlSeconds: raw.PROVIDER_CACHE_TTL_SECONDS,
      rateLimits,
      openLibraryKey: raw.OPENLIBRARY_API_KEY,
      googleBooksKey: raw.GOOGLE_BOOKS_API_KEY,
      omdbKey: raw.OMDB_API_KEY,
      tvdbKey: raw.TVDB_API_KEY,
      tvdbPin: raw.TVDB_PIN,
      tmdbKey: raw.TMDB_API_KEY,
    },
    log: { level: raw.LOG_LEVEL, file: path.resolve(raw.LOG_FILE ?? path.join(dataDir, 'logs', 'app.log')) },
    worker,
    health: { timeoutMs: raw.HEALTH_TIMEOUT_MS },
    scheduler: {
      schedules: { maintenance: raw.SCHEDULE_MAINTENANCE, logRotation: raw.SCHEDULE_LOG_ROTATION, healthWatch: raw.SCHEDULE_HEALTH_WATCH },
      healthUrl: raw.HEALTH_URL ?? `http://127.0.0.1:${raw.PORT}/health`,
      alert: { webhookUrl: raw.ALERT_WEBHOOK_URL, format: raw.ALERT_WEBHOOK_FORMAT, pagerDutyRoutingKey: raw.PAGERDUTY_ROUTING_KEY },
      retention: { uploadDays: raw.UPLOAD_RETENTION_DAYS, logDays: raw.LOG_RETENTION_DAYS, jobRunDays: raw.JOB_RUN_RETENTION_DAYS, tempHours: raw.TEMP_RETENTION_HOURS },
    },
  };
}

function checkSecret(name: string, value: string | undefined, env: Raw['NODE_ENV'], problems: string[]): string {
  if (env !== 'production') return value ?? DEV_SECRET;
  if (!value) {
    problems.push(`${name}: required in production (generate one with: openssl rand -hex 32)`);
  } else if (value.length < MIN_PRODUCTION_SECRET_LENGTH) {
    problems.push(`${name}: too weak, use at least ${MIN_PRODUCTION_SECRET_LENGTH} characters`);
  } else if (PLACEHOLDER_SECRETS.has(value.toLowerCase()) || new Set(value).size < 8) {
    problems.push(`${name}: looks like a placeholder, generate a random value`);
  }
  return value ?? '';
}

function parseDatabaseUrl(raw: Raw, problems: string[]): DatabaseConfig | undefined {
  if (!raw.DATABASE_URL) {
    return { client: 'better-sqlite3', filename: path.resolve(raw.DATA_DIR, 'ebook-scene-packer.sqlite') };
  }
  const url = raw.DATABASE_URL;
  if (url.startsWith('sqlite:')) {
    const filename = url.replace(/^sqlite:(\/\/)?/, '');
    if (!filename) problems.push('DATABASE_URL: sqlite: needs a file path, e.g. sqlite://data/app.sqlite');
    return { client: 'better-sqlite3', filename: filename === ':memory:' ? filename : path.resolve(filename) };
  }
  const match = /^(mysql|mysql2|mariadb)(\+\w+)?:\/\//.exec(url);
  if (!match) {
    problems.push('DATABASE_URL: must start with mysql:// (or sqlite:// for a local file)');
    return undefined;
  }
  // The plan's SQLAlchemy form (mysql+pymysql://) is accepted and normalised for mysql2.
  return { client: 'mysql2', url: url.replace(/^(mysql|mysql2|mariadb)(\+\w+)?:\/\//, 'mysql://') };
}

function parseRateLimits(text: string, problems: string[]): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const pair of text.split(',').filter((p) => p.trim())) {
    const [name, value] = pair.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!/^[a-z]+$/.test(name ?? '') || !(n > 0 && n <= 1000)) problems.push(`PROVIDER_RATE_LIMITS: "${pair}" must look like provider=N (requests per second)`);
    else limits[name] = n;
  }
  return limits;
}

function parseWorker(raw: Raw, problems: string[]): Config['worker'] {
  const queues = raw.WORKER_QUEUES.split(',')
    .map((q) => q.trim())
    .filter(Boolean);
  const unknown = queues.filter((q) => !isQueueName(q));
  if (unknown.length > 0) problems.push(`WORKER_QUEUES: unknown queue(s) ${unknown.join(', ')}; known: ${ALL_QUEUES.join(', ')}`);
  if (queues.length === 0) problems.push('WORKER_QUEUES: name at least one queue');

  const concurrency: Record<QueueName, number> = {
    [QueueName.Upload]: 2,
    [QueueName.Enrich]: 4,
    [QueueName.Pack]: 1,
    [QueueName.Maintenance]: 1,
  };
  for (const pair of raw.WORKER_CONCURRENCY.split(',').filter((p) => p.trim())) {
    const [name, value] = pair.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!isQueueName(name) || !Number.isInteger(n) || n < 1 || n > 64) {
      problems.push(`WORKER_CONCURRENCY: "${pair}" must look like queue=N with N from 1 to 64`);
      continue;
    }
    concurrency[name] = n;
  }
  return {
    queues: queues.filter(isQueueName),
    concurrency,
    shutdownTimeoutMs: raw.WORKER_SHUTDOWN_TIMEOUT_MS,
    lockDurationMs: raw.WORKER_LOCK_DURATION_MS,
    stalledIntervalMs: raw.WORKER_STALLED_INTERVAL_MS,
  };
}
