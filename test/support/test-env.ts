import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import IORedis from 'ioredis';
import knex from 'knex';
import { Config, loadConfig } from '../../lib/config';

/**
 * Each test file gets its own world: a temp data folder, its own Redis key prefix and its own
 * database (a SQLite file, or a fresh MariaDB schema), chosen by TEST_DB=sqlite|mysql.
 */
export const TEST_DB = process.env.TEST_DB === 'mysql' ? 'mysql' : 'sqlite';
export const MYSQL_ROOT_URL = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export interface TestEnv {
  env: NodeJS.ProcessEnv;
  config: Config;
  dataDir: string;
  cleanup(): Promise<void>;
}

export async function createTestEnv(overrides: NodeJS.ProcessEnv = {}, dialect = TEST_DB): Promise<TestEnv> {
  const id = randomBytes(4).toString('hex');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-test-'));
  let databaseUrl: string;
  let dropDatabase = async () => {};
  if (dialect === 'mysql') {
    const name = `esp_test_${id}`;
    const admin = knex({ client: 'mysql2', connection: MYSQL_ROOT_URL });
    await admin.raw(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`);
    await admin.destroy();
    const url = new URL(MYSQL_ROOT_URL);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const again = knex({ client: 'mysql2', connection: MYSQL_ROOT_URL });
      await again.raw(`DROP DATABASE IF EXISTS \`${name}\``);
      await again.destroy();
    };
  } else {
    databaseUrl = `sqlite://${path.join(dataDir, 'test.sqlite')}`;
  }
  const env: NodeJS.ProcessEnv = {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: `{esp-test-${id}}`,
    BCRYPT_LOG_ROUNDS: '4',
    LOG_LEVEL: 'debug',
    // No test reaches the real catalogues: by default they point at a closed local port.
    OPENLIBRARY_BASE_URL: 'http://127.0.0.1:9/openlibrary',
    GOOGLE_BOOKS_BASE_URL: 'http://127.0.0.1:9/googlebooks',
    PROVIDER_RETRIES: '0',
    PATH: process.env.PATH,
    ...overrides,
  };
  return {
    env,
    config: loadConfig(env),
    dataDir,
    async cleanup() {
      await dropDatabase();
      await deleteRedisKeys(env.QUEUE_PREFIX!);
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Every Redis key under the test's prefix (queues, caches, limiters): nothing is left in db 0. */
export async function deleteRedisKeys(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = new IORedis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 500);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
