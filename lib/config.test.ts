import path from 'node:path';
import { loadConfig } from './config';
import { ConfigError } from './errors';

const strong = 'f3a9c1e07b5d4a2e9c8f6b1d0e7a3c5b9d2f4e6a8c0b1d3e';

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
    expect(config.worker.queues).toEqual(['upload', 'enrich', 'pack']);
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

  it('never echoes a secret value in its messages', () => {
    const secret = 'tooShortButSecret';
    const problems = problemsOf({ NODE_ENV: 'production', SECRET_KEY: secret, JWT_SECRET_KEY: secret });
    expect(problems.join('\n')).not.toContain(secret);
  });
});
