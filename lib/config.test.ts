import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from './config';
import { ConfigError } from './errors';
import { writePrivateFile } from './private-file';
import { apiExposure, redisExposure, startupLine } from './startup-line';

const strong = 'f3a9c1e07b5d4a2e9c8f6b1d0e7a3c5b9d2f4e6a8c0b1d3e';

// Configurations without DATA_DIR use ./data and generate their keys there: run them from a scratch
// folder, never the work tree (a developer's real data/ lives there).
const workTree = process.cwd();
let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-config-cwd-'));
  process.chdir(scratch);
});
afterAll(() => {
  process.chdir(workTree);
  fs.rmSync(scratch, { recursive: true, force: true });
});

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected loadConfig to fail');
}

describe('loadConfig', () => {
  it('runs in development with no environment at all, on a local SQLite file', () => {
    const config = loadConfig({});
    expect(config.env).toBe('development');
    expect(config.http.port).toBe(5000);
    expect(config.database).toEqual({ client: 'better-sqlite3', filename: path.resolve('data/ebook-scene-packer.sqlite') });
    expect(config.storage.maxUploadBytes).toBe(1073741824);
    expect(config.auth).toEqual({ bcryptRounds: 12, accessTokenTtlSeconds: 3600, refreshTokenTtlSeconds: 86400 });
    expect(config.worker.queues).toEqual(['upload', 'enrich', 'pack', 'distribute', 'notify']);
    expect(config.log.level).toBe('info');
  });

  it('reads the deployment plan variables, including its mysql+pymysql URL and upper-case log level', () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      SECRET_KEY: strong,
      JWT_SECRET_KEY: strong.split('').reverse().join(''),
      DATABASE_URL: 'mysql+pymysql://user:pw@localhost/dbname',
      REDIS_URL: 'redis://localhost:6379/0',
      BCRYPT_LOG_ROUNDS: '12',
      JWT_ACCESS_TOKEN_EXPIRES: '3600',
      JWT_REFRESH_TOKEN_EXPIRES: '86400',
      MAX_UPLOAD_SIZE: '1073741824',
      UPLOAD_FOLDER: '/var/www/uploads',
      RELEASES_FOLDER: '/var/www/releases',
      OMDB_API_KEY: 'k1',
      LOG_LEVEL: 'INFO',
      LOG_FILE: '/var/log/app/app.log',
      WORKER_QUEUES: 'upload,enrich',
      WORKER_CONCURRENCY: 'upload=3, enrich=8',
    });
    expect(config.database).toEqual({ client: 'mysql2', url: 'mysql://user:pw@localhost/dbname' });
    expect(config.storage.uploadDir).toBe('/var/www/uploads');
    expect(config.log).toEqual({ level: 'info', file: '/var/log/app/app.log' });
    expect(config.providers.omdbKey).toBe('k1');
    expect(config.worker.queues).toEqual(['upload', 'enrich']);
    expect(config.worker.concurrency.upload).toBe(3);
    expect(config.worker.concurrency.enrich).toBe(8);
  });

  it('refuses to start in production without secrets, with one message per variable', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems).toEqual([expect.stringMatching(/^SECRET_KEY: required/), expect.stringMatching(/^JWT_SECRET_KEY: required/)]);
  });

  it('refuses weak or placeholder secrets in production', () => {
    const problems = problemsOf({ NODE_ENV: 'production', SECRET_KEY: 'short', JWT_SECRET_KEY: 'a'.repeat(40) });
    expect(problems).toEqual([expect.stringMatching(/^SECRET_KEY: too weak/), expect.stringMatching(/^JWT_SECRET_KEY: looks like a placeholder/)]);
  });

  it('refuses template-looking and low-variety secrets in production, without echoing them', () => {
    const jwt = strong.split('').reverse().join('');
    for (const placeholder of [
      'your-secret-key-here-please-change-it-now-1234',
      'a-long-example-value-for-the-secret-of-this-app',
      'PLACEHOLDER_PLACEHOLDER_PLACEHOLDER_123456789',
      'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx1234567',
      '1234567812345678123456781234567812345678',
    ]) {
      const problems = problemsOf({ NODE_ENV: 'production', SECRET_KEY: placeholder, JWT_SECRET_KEY: jwt });
      expect(problems).toEqual([expect.stringMatching(/^SECRET_KEY: looks like a placeholder/)]);
      expect(problems.join('\n')).not.toContain(placeholder);
    }
    const problems = problemsOf({ NODE_ENV: 'production', SECRET_KEY: strong, JWT_SECRET_KEY: jwt, CREDENTIALS_KEY: '0123abcd'.repeat(8) });
    expect(problems).toEqual([expect.stringMatching(/^CREDENTIALS_KEY: looks like a placeholder/)]);
  });

  it('refuses the same value for SECRET_KEY and JWT_SECRET_KEY in production, naming the variable but not the value', () => {
    const problems = problemsOf({ NODE_ENV: 'production', SECRET_KEY: strong, JWT_SECRET_KEY: strong });
    expect(problems).toEqual([expect.stringMatching(/^JWT_SECRET_KEY: must differ from SECRET_KEY/)]);
    expect(problems.join('\n')).not.toContain(strong);
  });

  it('takes CREDENTIALS_KEY as optional in production: without it stored credentials are sealed with a key derived from SECRET_KEY', () => {
    const config = loadConfig({ NODE_ENV: 'production', SECRET_KEY: strong, JWT_SECRET_KEY: strong.split('').reverse().join('') });
    expect(config.secrets.credentialsKey).toBeUndefined();
  });

  it('refuses in production a /metrics server on a non-loopback address without METRICS_TOKEN', () => {
    const keys = { NODE_ENV: 'production', SECRET_KEY: strong, JWT_SECRET_KEY: strong.split('').reverse().join('') };
    expect(problemsOf({ ...keys, METRICS_PORT: '9400', METRICS_HOST: '0.0.0.0' })).toEqual([expect.stringMatching(/^METRICS_TOKEN: required in production when METRICS_HOST \(0\.0\.0\.0\) is not loopback/)]);
    expect(loadConfig({ ...keys, METRICS_PORT: '9400', METRICS_HOST: '0.0.0.0', METRICS_TOKEN: strong }).metrics).toMatchObject({ host: '0.0.0.0', token: strong });
    expect(loadConfig({ ...keys, METRICS_PORT: '9400', METRICS_HOST: '127.0.0.1' }).metrics.host).toBe('127.0.0.1');
    // The compose file sets METRICS_HOST=0.0.0.0 with metrics off by default: nothing is served, nothing to refuse.
    expect(loadConfig({ ...keys, METRICS_PORT: '0', METRICS_HOST: '0.0.0.0' }).metrics.port).toBe(0);
    // Outside production it stays allowed (a developer's own machine).
    expect(loadConfig({ SECRET_KEY: strong, JWT_SECRET_KEY: strong.split('').reverse().join(''), METRICS_PORT: '9400', METRICS_HOST: '0.0.0.0' }).metrics.token).toBeUndefined();
  });

  it('names every bad value', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      BCRYPT_LOG_ROUNDS: '40',
      MAX_UPLOAD_SIZE: '-1',
      LOG_LEVEL: 'verbose',
      REDIS_URL: 'not a url',
    });
    expect(problems.join('\n')).toMatch(/PORT: PORT must be a whole number/);
    expect(problems.join('\n')).toMatch(/BCRYPT_LOG_ROUNDS: BCRYPT_LOG_ROUNDS must be between 4 and 15/);
    expect(problems.join('\n')).toMatch(/MAX_UPLOAD_SIZE/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL/);
    expect(problems.join('\n')).toMatch(/REDIS_URL: REDIS_URL must be a URL/);
  });

  it('rejects unknown database schemes, queues and concurrency pairs', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://x/y', WORKER_QUEUES: 'upload,video', WORKER_CONCURRENCY: 'pack=0' });
    expect(problems).toEqual([
      expect.stringMatching(/^DATABASE_URL: must start with mysql:\/\//),
      expect.stringMatching(/^WORKER_QUEUES: unknown queue\(s\) video/),
      expect.stringMatching(/^WORKER_CONCURRENCY: "pack=0"/),
    ]);
  });

  it('takes per-provider limits as whole numbers: requests a second and a day', () => {
    expect(loadConfig({ PROVIDER_RATE_LIMITS: 'omdb=1', PROVIDER_DAILY_QUOTAS: 'omdb=500,tmdb=9000' }).providers).toMatchObject({ rateLimits: { omdb: 1 }, dailyQuotas: { omdb: 500, tmdb: 9000 } });
    expect(problemsOf({ PROVIDER_RATE_LIMITS: 'omdb=0.5', PROVIDER_DAILY_QUOTAS: 'omdb' })).toEqual([
      'PROVIDER_RATE_LIMITS: "omdb=0.5" must look like provider=N (requests per second, 1 to 1000)',
      'PROVIDER_DAILY_QUOTAS: "omdb" must look like provider=N (requests per day, 1 to 10000000)',
    ]);
  });

  it('never echoes a secret value in its messages', () => {
    const secret = 'tooShortButSecret';
    const problems = problemsOf({ NODE_ENV: 'production', SECRET_KEY: secret, JWT_SECRET_KEY: secret });
    expect(problems.join('\n')).not.toContain(secret);
  });

  it('listens on loopback unless HOST says otherwise', () => {
    expect(loadConfig({}).http.host).toBe('127.0.0.1');
    expect(loadConfig({ HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0');
  });

  it('believes X-Forwarded-For from loopback unless TRUST_PROXY names the proxies, and refuses what is not an address or range', () => {
    expect(loadConfig({}).http.trustProxy).toEqual(['loopback']);
    expect(loadConfig({ TRUST_PROXY: ' uniquelocal, 10.0.0.5 ,fd00::/8' }).http.trustProxy).toEqual(['uniquelocal', '10.0.0.5', 'fd00::/8']);
    for (const wrong of ['nginx', '10.0.0.0/33', '10.0.0.300', ',', '', '::1/129', '10.0.0.0/8/1']) {
      expect({ wrong, problems: problemsOf({ TRUST_PROXY: wrong }) }).toEqual({ wrong, problems: [expect.stringContaining('TRUST_PROXY must list addresses')] });
    }
  });

  it('names the first admin and the default group of a fresh install', () => {
    expect(loadConfig({}).firstRun).toEqual({ adminEmail: 'admin@localhost', defaultGroup: 'ESP' });
    expect(loadConfig({ ADMIN_EMAIL: ' Boss@Example.org ', DEFAULT_GROUP: 'XYZ' }).firstRun).toEqual({ adminEmail: 'boss@example.org', defaultGroup: 'XYZ' });
    expect(problemsOf({ DEFAULT_GROUP: 'no spaces please' })).toEqual([expect.stringMatching(/^DEFAULT_GROUP: DEFAULT_GROUP must be 2 to 20 letters or digits/)]);
  });
});

describe('generated secrets', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-secrets-'));
  });
  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  const secretsFile = () => path.join(dataDir, 'secrets.json');

  it('generates random keys into DATA_DIR/secrets.json (0600) on the first start and reuses them on the next', () => {
    const first = loadConfig({ DATA_DIR: dataDir });
    expect(fs.statSync(secretsFile()).mode & 0o777).toBe(0o600);
    expect(first.secrets.origin).toBe(secretsFile());
    expect(first.secrets.jwtSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.secrets.credentialsKey).toMatch(/^[0-9a-f]{64}$/);
    expect(new Set([first.secrets.secretKey, first.secrets.jwtSecret, first.secrets.credentialsKey]).size).toBe(3);
    // No temporary file is left beside it.
    expect(fs.readdirSync(dataDir)).toEqual(['secrets.json']);

    const second = loadConfig({ DATA_DIR: dataDir });
    expect(second.secrets).toEqual(first.secrets);
  });

  it('gives every install its own keys', () => {
    const other = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-secrets-'));
    try {
      expect(loadConfig({ DATA_DIR: other }).secrets.jwtSecret).not.toBe(loadConfig({ DATA_DIR: dataDir }).secrets.jwtSecret);
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('takes keys from the environment when given, and then writes no file', () => {
    const config = loadConfig({ DATA_DIR: dataDir, SECRET_KEY: strong, JWT_SECRET_KEY: `${strong}x` });
    expect(config.secrets).toEqual({ secretKey: strong, jwtSecret: `${strong}x`, credentialsKey: undefined, origin: 'environment' });
    expect(fs.existsSync(secretsFile())).toBe(false);
  });

  it('lets the environment override one key and takes the others from the file', () => {
    const generated = loadConfig({ DATA_DIR: dataDir }).secrets;
    const config = loadConfig({ DATA_DIR: dataDir, JWT_SECRET_KEY: strong });
    expect(config.secrets).toEqual({ ...generated, jwtSecret: strong });
  });

  it('never generates keys in production', () => {
    problemsOf({ NODE_ENV: 'production', DATA_DIR: dataDir });
    const config = loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, SECRET_KEY: strong, JWT_SECRET_KEY: strong.split('').reverse().join('') });
    expect(config.secrets.origin).toBe('environment');
    expect(fs.existsSync(secretsFile())).toBe(false);
  });

  it('refuses a damaged secrets file by name, without echoing what it holds', () => {
    fs.writeFileSync(secretsFile(), JSON.stringify({ secretKey: 'leaked-value', jwtSecret: 'a'.repeat(64) }), { mode: 0o600 });
    const problems = problemsOf({ DATA_DIR: dataDir });
    expect(problems).toEqual([expect.stringContaining(`${secretsFile()}: secretKey, credentialsKey missing or not 64 hex characters`)]);
    expect(problems.join('\n')).not.toContain('leaked-value');
  });

  it('writes private files whole: create never replaces what another process wrote first, replace does', () => {
    const file = path.join(dataDir, 'once.txt');
    expect(writePrivateFile(file, 'first', 'create')).toBe(true);
    expect(writePrivateFile(file, 'second', 'create')).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('first');
    expect(writePrivateFile(file, 'third', 'replace')).toBe(true);
    expect(fs.readFileSync(file, 'utf8')).toBe('third');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(dataDir)).toEqual(['once.txt']);
  });
});

describe('startupLine', () => {
  const withKeys = (env: NodeJS.ProcessEnv) => loadConfig({ SECRET_KEY: strong, JWT_SECRET_KEY: strong, ...env });

  it('says the mode, the address with its reach, and where the keys come from', () => {
    const config = withKeys({ PORT: '5123' });
    expect(startupLine(config, apiExposure(config))).toBe('development mode, API on http://127.0.0.1:5123 (loopback only), secrets from the environment');
  });

  it('warns when the API listens on every interface', () => {
    const config = withKeys({ HOST: '0.0.0.0', NODE_ENV: 'production', SECRET_KEY: strong, JWT_SECRET_KEY: strong.split('').reverse().join('') });
    expect(apiExposure(config)).toBe('API on http://0.0.0.0:5000 (open to every network interface: put it behind a firewall or a proxy)');
  });

  it('names the secrets file relative to the working folder', () => {
    const config = loadConfig({});
    expect(startupLine(config, 'x')).toBe(`development mode, x, secrets from ${path.join('data', 'secrets.json')}`);
  });

  it('shows Redis without its password', () => {
    const config = withKeys({ REDIS_URL: 'redis://:hunter2hunter2@redis.internal:6380/0' });
    expect(redisExposure(config, 'worker for pack')).toBe('worker for pack, no listening port, Redis at redis.internal:6380');
  });
});

/** STORAGE and S3_*: local by default; S3 needs a bucket, keys come in pairs, and no key ever shows in an error. */
const storageBase = { SECRET_KEY: 'k'.repeat(40), JWT_SECRET_KEY: 'j'.repeat(40), DATA_DIR: '/nonexistent-data-dir' };
const s3 = { ...storageBase, STORAGE: 's3', S3_BUCKET: 'esp', S3_ENDPOINT: 'http://minio:9000', S3_FORCE_PATH_STYLE: 'true' };

describe('object storage settings', () => {
  it('keeps the local folders unless STORAGE=s3', () => {
    expect(loadConfig(storageBase).objectStorage).toEqual({ kind: 'local' });
  });

  it('reads an S3 store with its keys from the environment', () => {
    expect(loadConfig({ ...s3, S3_ACCESS_KEY_ID: 'AKIA-test', S3_SECRET_ACCESS_KEY: 'very-secret-value' }).objectStorage).toEqual({
      kind: 's3',
      endpoint: 'http://minio:9000',
      bucket: 'esp',
      region: 'us-east-1',
      accessKeyId: 'AKIA-test',
      secretAccessKey: 'very-secret-value',
      forcePathStyle: true,
    });
    // Without keys the SDK's own chain (instance role, shared files) applies.
    expect(loadConfig({ ...s3, S3_ENDPOINT: '', S3_FORCE_PATH_STYLE: 'false' }).objectStorage).toMatchObject({ endpoint: undefined, forcePathStyle: false, accessKeyId: undefined });
  });

  it('refuses an S3 store without a bucket, half a key pair, a bad endpoint or an unknown kind, naming the variable but never the secret', () => {
    expect(problemsOf({ ...s3, S3_BUCKET: '' })).toEqual(['S3_BUCKET: required when STORAGE=s3']);
    const half = problemsOf({ ...s3, S3_SECRET_ACCESS_KEY: 'very-secret-value' });
    expect(half).toEqual(['S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: give both or neither']);
    expect(half.join(' ')).not.toContain('very-secret-value');
    expect(problemsOf({ ...s3, S3_ENDPOINT: 'minio:9000' })).toEqual(['S3_ENDPOINT: S3_ENDPOINT must be an http(s) URL']);
    expect(problemsOf({ ...storageBase, STORAGE: 'ftp' })[0]).toMatch(/^STORAGE: /);
    expect(problemsOf({ ...s3, S3_FORCE_PATH_STYLE: 'yes' })[0]).toMatch(/^S3_FORCE_PATH_STYLE: /);
  });
});
