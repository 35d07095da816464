import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './support/ports';
import { createTestEnv, TestEnv } from './support/test-env';
import { waitFor } from './support/worker-process';

/** `pm2 start ecosystem.config.js` natively: every app comes up, /health passes, then all stop. */
const ROOT = path.resolve(__dirname, '..');
const run = promisify(execFile);
let testEnv: TestEnv;
let env: NodeJS.ProcessEnv;


const pm2 = (...args: string[]) => run(path.join(ROOT, 'node_modules/.bin/pm2'), args, { env, cwd: ROOT });

beforeAll(async () => {
  testEnv = await createTestEnv();
  const port = await freePort();
  env = {
    ...testEnv.env,
    PM2_HOME: path.join(testEnv.dataDir, 'pm2'),
    PM2_LOG_DIR: path.join(testEnv.dataDir, 'logs'),
    PORT: String(port),
    HOST: '127.0.0.1',
    API_INSTANCES: '2',
    HEALTH_URL: `http://127.0.0.1:${port}/health`,
  };
  await run(process.execPath, [path.join(ROOT, 'dist/db/cli.js'), 'migrate:latest'], { env });
});
afterAll(async () => {
  await pm2('kill').catch(() => undefined);
  await testEnv.cleanup();
});

it('starts the API cluster, both worker pools and the scheduler; health passes; stop ends them', async () => {
  await pm2('start', 'ecosystem.config.js');
  const { stdout } = await pm2('jlist');
  const apps = (JSON.parse(stdout) as { name: string; pm2_env: { status: string } }[]).map((a) => a.name).sort();
  expect(apps).toEqual(['esp-api', 'esp-api', 'esp-scheduler', 'esp-worker-distribute', 'esp-worker-ingest', 'esp-worker-notify', 'esp-worker-pack']);

  const health = await waitFor('health to pass with every worker pool', async () => {
    const res = await fetch(env.HEALTH_URL!).catch(() => undefined);
    const body = res?.ok ? ((await res.json()) as { status: string }) : undefined;
    return body?.status === 'ok' ? body : undefined;
  }, 45_000);
  expect(health).toMatchObject({ status: 'ok', workers: { upload: 1, enrich: 1, pack: 1, distribute: 1, notify: 1 } });

  await pm2('stop', 'all');
  const stopped = JSON.parse((await pm2('jlist')).stdout) as { pm2_env: { status: string } }[];
  expect(stopped.every((a) => a.pm2_env.status === 'stopped')).toBe(true);
  expect(await fetch(env.HEALTH_URL!).then(() => 'answered', () => 'refused')).toBe('refused');
  expect(fs.readdirSync(env.PM2_LOG_DIR!).some((f) => f.startsWith('esp-worker-pack'))).toBe(true);
});
