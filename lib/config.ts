import { isIP } from 'node:net';
import path from 'node:path';
import cron from 'node-cron';
import { z } from 'zod';
import { ConfigError } from './errors';
import { ALL_QUEUES, isQueueName, QueueName } from './domain/queue-names';
import { loadOrCreateSecrets } from './secrets-file';

/**
 * The whole runtime configuration, read and validated once per process from the environment.
 * Variable names follow the deployment plan (ops/ and docs/DEPLOYMENT.md).
 */

const PLACEHOLDER_SECRETS = new Set(['changeme', 'secret', '<generate_secure_key>']);
/** Words that only a template or a hand-typed value holds; `openssl rand -hex 32` never yields them. */
const PLACEHOLDER_WORDS = ['change', 'secret-key', 'secret_key', 'secretkey', 'example', 'placeholder', 'your-', 'your_', 'xxx'];
/** Fewer distinct characters than this is typed, not random (64 random hex characters hold 16). */
const MIN_SECRET_VARIETY = 10;
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

/** What Express' `trust proxy` accepts: an address, a CIDR range, or one of proxy-addr's named ranges. */
function isProxyAddress(part: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(part)) return true;
  const [address, bits, ...rest] = part.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
}

const rawSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  // Loopback unless HOST says otherwise: a first start is never open to the network by accident.
  HOST: z.string().trim().default('127.0.0.1'),
  PORT: intFrom('PORT', 0, 65535).default('5000'),
  // Whose X-Forwarded-For is believed (the client address behind a reverse proxy keys rate limits and lock-outs).
  TRUST_PROXY: z
    .string()
    .trim()
    .default('loopback')
    .transform((v) => v.split(',').map((part) => part.trim()).filter(Boolean))
    .refine((parts) => parts.length > 0 && parts.every(isProxyAddress), 'TRUST_PROXY must list addresses, CIDR ranges or loopback, linklocal, uniquelocal, separated by commas'),
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
  // Abuse limits (api/middleware/rate-limit.ts, api/services/login-guard.ts): budgets per window, per user and per IP.
  RATE_LIMIT_WINDOW_SECONDS: intFrom('RATE_LIMIT_WINDOW_SECONDS', 1, 86_400).default('60'),
  RATE_LIMIT_PER_USER: z.string().trim().default('read=3000,write=600,upload=120'),
  RATE_LIMIT_PER_IP: z.string().trim().default('read=6000,write=1200,upload=240'),
  LOGIN_LOCK_AFTER_FAILURES: intFrom('LOGIN_LOCK_AFTER_FAILURES', 1, 1000).default('5'),
  LOGIN_LOCK_SECONDS: intFrom('LOGIN_LOCK_SECONDS', 1, 86_400).default('60'),
  LOGIN_LOCK_MAX_SECONDS: intFrom('LOGIN_LOCK_MAX_SECONDS', 1, 86_400).default('3600'),
  LOGIN_IP_MAX_FAILURES: intFrom('LOGIN_IP_MAX_FAILURES', 1, 1_000_000).default('50'),
  LOGIN_IP_WINDOW_SECONDS: intFrom('LOGIN_IP_WINDOW_SECONDS', 1, 86_400).default('900'),
  MAX_UPLOAD_SIZE: intFrom('MAX_UPLOAD_SIZE', 1, 50 * 1024 ** 3).default('1073741824'),
  UPLOAD_FOLDER: optionalString,
  RELEASES_FOLDER: optionalString,
  // Object storage (lib/storage): local folders (the default) or an S3-compatible bucket; keys only from the environment.
  STORAGE: z.enum(['local', 's3']).default('local'),
  S3_ENDPOINT: optionalString.refine((v) => v === undefined || /^https?:\/\/[^\s]+$/.test(v), 'S3_ENDPOINT must be an http(s) URL'),
  S3_BUCKET: optionalString,
  S3_REGION: z.string().trim().default('us-east-1'),
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: z.enum(['true', 'false']).default('false'),
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
  PROVIDER_DAILY_QUOTAS: z.string().trim().default('omdb=1000'),
  LOG_LEVEL: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['error', 'warn', 'info', 'http', 'debug']))
    .default('info'),
  LOG_FILE: optionalString,
  WORKER_QUEUES: z.string().trim().default(ALL_QUEUES.join(',')),
  WORKER_CONCURRENCY: z.string().trim().default(''),
  WORKER_SHUTDOWN_TIMEOUT_MS: intFrom('WORKER_SHUTDOWN_TIMEOUT_MS', 1000, 3_600_000).default('30000'),
  WORKER_LOCK_DURATION_MS: intFrom('WORKER_LOCK_DURATION_MS', 1000, 600_000).default('30000'),
  WORKER_STALLED_INTERVAL_MS: intFrom('WORKER_STALLED_INTERVAL_MS', 500, 600_000).default('30000'),
  PACK_MAX_MB_PER_S: intFrom('PACK_MAX_MB_PER_S', 0, 100_000).default('0'),
  SCHEDULE_MAINTENANCE: z.string().trim().default('17 3 * * *'),
  SCHEDULE_LOG_ROTATION: z.string().trim().default('5 0 * * *'),
  SCHEDULE_HEALTH_WATCH: z.string().trim().default('*/30 * * * * *'),
  HEALTH_URL: optionalString,
  WATCH_SCAN_INTERVAL_MS: intFrom('WATCH_SCAN_INTERVAL_MS', 500, 3_600_000).default('15000'),
  WATCH_STABLE_MS: intFrom('WATCH_STABLE_MS', 100, 600_000).default('3000'),
  ALERT_WEBHOOK_URL: optionalString,
  ALERT_WEBHOOK_FORMAT: z.enum(['slack', 'discord', 'pagerduty']).default('slack'),
  PAGERDUTY_ROUTING_KEY: optionalString,
  UPLOAD_RETENTION_DAYS: intFrom('UPLOAD_RETENTION_DAYS', 1, 3650).default('14'),
  LOG_RETENTION_DAYS: intFrom('LOG_RETENTION_DAYS', 1, 3650).default('30'),
  JOB_RUN_RETENTION_DAYS: intFrom('JOB_RUN_RETENTION_DAYS', 1, 3650).default('90'),
  TEMP_RETENTION_HOURS: intFrom('TEMP_RETENTION_HOURS', 1, 720).default('24'),
  HEALTH_TIMEOUT_MS: intFrom('HEALTH_TIMEOUT_MS', 50, 30_000).default('1500'),
  HEALTH_SCHEMA_CHECK_SECONDS: intFrom('HEALTH_SCHEMA_CHECK_SECONDS', 0, 3600).default('30'),
  // Prometheus /metrics of this process on its own port (0 = off); PM2 instances add NODE_APP_INSTANCE.
  METRICS_PORT: intFrom('METRICS_PORT', 0, 65535).default('0'),
  METRICS_HOST: z.string().trim().default('127.0.0.1'),
  METRICS_TOKEN: optionalString,
  NODE_APP_INSTANCE: intFrom('NODE_APP_INSTANCE', 0, 1000).default('0'),
  // admin@localhost is valid here (zod's email() would refuse a domain without a dot).
  ADMIN_EMAIL: z.string().trim().toLowerCase().regex(/^[^\s@]+@[^\s@]+$/, 'ADMIN_EMAIL must be an email address').default('admin@localhost'),
  DEFAULT_GROUP: z.string().trim().regex(/^[A-Za-z0-9]{2,20}$/, 'DEFAULT_GROUP must be 2 to 20 letters or digits').default('ESP'),
});

export type DatabaseConfig =
  | { client: 'mysql2'; url: string }
  | { client: 'better-sqlite3'; filename: string };

export type { QueueName };

export interface Config {
  env: 'development' | 'production' | 'test';
  /** trustProxy: the proxies whose X-Forwarded-For names the client (Express' `trust proxy`). */
  http: { host: string; port: number; trustProxy: string[] };
  /**
   * credentialsKey encrypts stored credentials; without it a key is derived from secretKey.
   * origin says where the keys came from: 'environment', or the generated file's path.
   */
  secrets: { secretKey: string; jwtSecret: string; credentialsKey?: string; origin: string };
  database: DatabaseConfig;
  redis: { url: string; prefix: string };
  auth: { bcryptRounds: number; accessTokenTtlSeconds: number; refreshTokenTtlSeconds: number };
  limits: AbuseLimits;
  storage: { dataDir: string; uploadDir: string; releasesDir: string; maxUploadBytes: number };
  /** Where uploads and releases live when not in the local folders above (lib/storage). */
  objectStorage:
    | { kind: 'local' }
    | { kind: 's3'; endpoint?: string; bucket: string; region: string; accessKeyId?: string; secretAccessKey?: string; forcePathStyle: boolean };
  providers: {
    baseUrls: { openlibrary: string; googlebooks: string; omdb: string; tmdb: string; tvdb: string };
    timeoutMs: number;
    retries: number;
    cacheTtlSeconds: number;
    /** Requests per second per provider, shared by every worker process. */
    rateLimits: Record<string, number>;
    /** Requests a UTC day per provider; over it the provider is reported failed until midnight. */
    dailyQuotas: Record<string, number>;
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
    /** The most bytes a second one pack reads from the book (0: no cap), so packing leaves disk time to the API and database. */
    packMaxBytesPerSecond: number;
  };
  /** schemaCheckSeconds: how long a schema found up to date is believed before /health reads the migrations again. */
  health: { timeoutMs: number; schemaCheckSeconds: number };
  /** port 0: no metrics server; token: a bearer token /metrics then requires. */
  metrics: { host: string; port: number; token?: string };
  /** What the seed creates on a fresh install: the first admin and the group they pack for. */
  firstRun: { adminEmail: string; defaultGroup: string };
  scheduler: {
    schedules: { maintenance: string; logRotation: string; healthWatch: string };
    healthUrl: string;
    alert: { webhookUrl?: string; format: 'slack' | 'discord' | 'pagerduty'; pagerDutyRoutingKey?: string };
    retention: { uploadDays: number; logDays: number; jobRunDays: number; tempHours: number };
    /** Watch folders: how often every folder is listed, and how long a file must stay unchanged before ingest. */
    watch: { scanIntervalMs: number; stableMs: number };
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

  if (raw.NODE_ENV === 'production') {
    checkSecret('SECRET_KEY', raw.SECRET_KEY, problems);
    checkSecret('JWT_SECRET_KEY', raw.JWT_SECRET_KEY, problems);
    if (raw.SECRET_KEY && raw.SECRET_KEY === raw.JWT_SECRET_KEY) {
      problems.push('JWT_SECRET_KEY: must differ from SECRET_KEY (generate each with: openssl rand -hex 32)');
    }
    if (raw.CREDENTIALS_KEY && looksLikePlaceholder(raw.CREDENTIALS_KEY)) {
      problems.push('CREDENTIALS_KEY: looks like a placeholder, generate a random value (openssl rand -hex 32)');
    }
    if (raw.METRICS_PORT !== 0 && !isLoopbackHost(raw.METRICS_HOST) && !raw.METRICS_TOKEN) {
      problems.push(`METRICS_TOKEN: required in production when METRICS_HOST (${raw.METRICS_HOST}) is not loopback, or /metrics is open to anyone who reaches it`);
    }
  }
  const database = parseDatabaseUrl(raw, problems);
  const worker = parseWorker(raw, problems);
  const rateLimits = parsePerProvider('PROVIDER_RATE_LIMITS', raw.PROVIDER_RATE_LIMITS, 1000, 'requests per second', problems);
  const dailyQuotas = parsePerProvider('PROVIDER_DAILY_QUOTAS', raw.PROVIDER_DAILY_QUOTAS, 10_000_000, 'requests per day', problems);
  const limits = parseAbuseLimits(raw, problems);
  for (const [name, expression] of [
    ['SCHEDULE_MAINTENANCE', raw.SCHEDULE_MAINTENANCE],
    ['SCHEDULE_LOG_ROTATION', raw.SCHEDULE_LOG_ROTATION],
    ['SCHEDULE_HEALTH_WATCH', raw.SCHEDULE_HEALTH_WATCH],
  ]) {
    if (!cron.validate(expression)) problems.push(`${name}: "${expression}" is not a cron expression`);
  }

  if (raw.STORAGE === 's3' && !raw.S3_BUCKET) problems.push('S3_BUCKET: required when STORAGE=s3');
  if (raw.STORAGE === 's3' && !raw.S3_ACCESS_KEY_ID !== !raw.S3_SECRET_ACCESS_KEY) problems.push('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: give both or neither');
  if (problems.length > 0) throw new ConfigError(problems);

  const dataDir = path.resolve(raw.DATA_DIR);
  const secrets = resolveSecrets(raw, dataDir);
  return {
    env: raw.NODE_ENV,
    http: { host: raw.HOST, port: raw.PORT, trustProxy: raw.TRUST_PROXY },
    secrets,
    database: database!,
    redis: { url: raw.REDIS_URL, prefix: raw.QUEUE_PREFIX },
    auth: {
      bcryptRounds: raw.BCRYPT_LOG_ROUNDS,
      accessTokenTtlSeconds: raw.JWT_ACCESS_TOKEN_EXPIRES,
      refreshTokenTtlSeconds: raw.JWT_REFRESH_TOKEN_EXPIRES,
    },
    limits,
    storage: {
      dataDir,
      uploadDir: path.resolve(raw.UPLOAD_FOLDER ?? path.join(dataDir, 'uploads')),
      releasesDir: path.resolve(raw.RELEASES_FOLDER ?? path.join(dataDir, 'releases')),
      maxUploadBytes: raw.MAX_UPLOAD_SIZE,
    },
    objectStorage:
      raw.STORAGE === 's3'
        ? {
            kind: 's3',
            endpoint: raw.S3_ENDPOINT,
            bucket: raw.S3_BUCKET!,
            region: raw.S3_REGION,
            accessKeyId: raw.S3_ACCESS_KEY_ID,
            secretAccessKey: raw.S3_SECRET_ACCESS_KEY,
            forcePathStyle: raw.S3_FORCE_PATH_STYLE === 'true',
          }
        : { kind: 'local' },
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
      dailyQuotas,
      openLibraryKey: raw.OPENLIBRARY_API_KEY,
      googleBooksKey: raw.GOOGLE_BOOKS_API_KEY,
      omdbKey: raw.OMDB_API_KEY,
      tvdbKey: raw.TVDB_API_KEY,
      tvdbPin: raw.TVDB_PIN,
      tmdbKey: raw.TMDB_API_KEY,
    },
    log: { level: raw.LOG_LEVEL, file: path.resolve(raw.LOG_FILE ?? path.join(dataDir, 'logs', 'app.log')) },
    worker,
    health: { timeoutMs: raw.HEALTH_TIMEOUT_MS, schemaCheckSeconds: raw.HEALTH_SCHEMA_CHECK_SECONDS },
    metrics: { host: raw.METRICS_HOST, port: raw.METRICS_PORT === 0 ? 0 : raw.METRICS_PORT + raw.NODE_APP_INSTANCE, token: raw.METRICS_TOKEN },
    firstRun: { adminEmail: raw.ADMIN_EMAIL, defaultGroup: raw.DEFAULT_GROUP },
    scheduler: {
      schedules: { maintenance: raw.SCHEDULE_MAINTENANCE, logRotation: raw.SCHEDULE_LOG_ROTATION, healthWatch: raw.SCHEDULE_HEALTH_WATCH },
      healthUrl: raw.HEALTH_URL ?? `http://127.0.0.1:${raw.PORT}/health`,
      alert: { webhookUrl: raw.ALERT_WEBHOOK_URL, format: raw.ALERT_WEBHOOK_FORMAT, pagerDutyRoutingKey: raw.PAGERDUTY_ROUTING_KEY },
      retention: { uploadDays: raw.UPLOAD_RETENTION_DAYS, logDays: raw.LOG_RETENTION_DAYS, jobRunDays: raw.JOB_RUN_RETENTION_DAYS, tempHours: raw.TEMP_RETENTION_HOURS },
      watch: { scanIntervalMs: raw.WATCH_SCAN_INTERVAL_MS, stableMs: raw.WATCH_STABLE_MS },
    },
  };
}

/**
 * Production takes its keys from the environment only (checked above). Elsewhere, keys the
 * environment does not give come from DATA_DIR/secrets.json, generated on the first start.
 */
function resolveSecrets(raw: Raw, dataDir: string): Config['secrets'] {
  const fromEnv = { secretKey: raw.SECRET_KEY, jwtSecret: raw.JWT_SECRET_KEY, credentialsKey: raw.CREDENTIALS_KEY };
  if (raw.NODE_ENV === 'production' || (fromEnv.secretKey && fromEnv.jwtSecret)) {
    return { secretKey: fromEnv.secretKey ?? '', jwtSecret: fromEnv.jwtSecret ?? '', credentialsKey: fromEnv.credentialsKey, origin: 'environment' };
  }
  const { secrets, file } = loadOrCreateSecrets(dataDir);
  return {
    secretKey: fromEnv.secretKey ?? secrets.secretKey,
    jwtSecret: fromEnv.jwtSecret ?? secrets.jwtSecret,
    credentialsKey: fromEnv.credentialsKey ?? secrets.credentialsKey,
    origin: file,
  };
}

function checkSecret(name: string, value: string | undefined, problems: string[]): void {
  if (!value) {
    problems.push(`${name}: required in production (generate one with: openssl rand -hex 32)`);
  } else if (value.length < MIN_PRODUCTION_SECRET_LENGTH) {
    problems.push(`${name}: too weak, use at least ${MIN_PRODUCTION_SECRET_LENGTH} characters`);
  } else if (looksLikePlaceholder(value)) {
    problems.push(`${name}: looks like a placeholder, generate a random value`);
  }
}

/** A template's value ("your-secret-key-here", "change-me-…") or one with too little variety ("aaaa…", "12341234…"). */
function looksLikePlaceholder(value: string): boolean {
  const lower = value.toLowerCase();
  return PLACEHOLDER_SECRETS.has(lower) || PLACEHOLDER_WORDS.some((word) => lower.includes(word)) || new Set(value).size < MIN_SECRET_VARIETY;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
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

/** `provider=N,...` with N a whole number from 1 to `max`. */
function parsePerProvider(variable: string, text: string, max: number, unit: string, problems: string[]): Record<string, number> {
  const limits: Record<string, number> = {};
  for (const pair of text.split(',').filter((p) => p.trim())) {
    const [name, value] = pair.split('=').map((s) => s.trim());
    const n = Number(value);
    if (!/^[a-z]+$/.test(name ?? '') || !Number.isInteger(n) || n < 1 || n > max) problems.push(`${variable}: "${pair}" must look like provider=N (${unit}, 1 to ${max})`);
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
    [QueueName.Distribute]: 2,
    [QueueName.Notify]: 4,
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
    packMaxBytesPerSecond: raw.PACK_MAX_MB_PER_S * 1024 * 1024,
  };
}

export const REQUEST_CLASSES = ['read', 'write', 'upload'] as const;
export type RequestClass = (typeof REQUEST_CLASSES)[number];

/** Requests per window for each class, per user and per IP; login lock-out and per-IP login failures. */
export interface AbuseLimits {
  windowSeconds: number;
  perUser: Record<RequestClass, number>;
  perIp: Record<RequestClass, number>;
  login: { lockAfterFailures: number; lockSeconds: number; lockMaxSeconds: number; ipMaxFailures: number; ipWindowSeconds: number };
}

function parseAbuseLimits(raw: Raw, problems: string[]): AbuseLimits {
  const budgets = (name: string, text: string): Record<RequestClass, number> => {
    const defaults = rawSchema.shape[name as 'RATE_LIMIT_PER_USER'].parse(undefined);
    const budget = {} as Record<RequestClass, number>;
    for (const pair of `${defaults},${text}`.split(',').filter((p) => p.trim())) {
      const [kind, value] = pair.split('=').map((s) => s.trim());
      if (!(REQUEST_CLASSES as readonly string[]).includes(kind ?? '') || !/^\d+$/.test(value ?? '') || Number(value) < 1) {
        problems.push(`${name}: "${pair}" must look like ${REQUEST_CLASSES.join('|')}=N (requests per window, N >= 1)`);
      } else budget[kind as RequestClass] = Number(value);
    }
    return budget;
  };
  return {
    windowSeconds: raw.RATE_LIMIT_WINDOW_SECONDS,
    perUser: budgets('RATE_LIMIT_PER_USER', raw.RATE_LIMIT_PER_USER),
    perIp: budgets('RATE_LIMIT_PER_IP', raw.RATE_LIMIT_PER_IP),
    login: {
      lockAfterFailures: raw.LOGIN_LOCK_AFTER_FAILURES,
      lockSeconds: raw.LOGIN_LOCK_SECONDS,
      lockMaxSeconds: Math.max(raw.LOGIN_LOCK_MAX_SECONDS, raw.LOGIN_LOCK_SECONDS),
      ipMaxFailures: raw.LOGIN_IP_MAX_FAILURES,
      ipWindowSeconds: raw.LOGIN_IP_WINDOW_SECONDS,
    },
  };
}
