import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { createTestEnv, TestEnv } from './support/test-env';
import { freePort } from './support/ports';
import { childEnv, exited, fromSources } from './support/worker-process';

/**
 * The real API process (api/main.ts) on an address another program already holds: it must not
 * log its start-up line and live on serving nothing, but say the port is in use and exit non-zero,
 * so PM2 or systemd and the operator see the failure. Same for its metrics port.
 */
let testEnv: TestEnv;
const holders: net.Server[] = [];
const children: ChildProcess[] = [];

beforeAll(async () => {
  testEnv = await createTestEnv();
});

afterAll(async () => {
  // A process that never exited (the old code lived on serving nothing) is not left behind.
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await Promise.all(children.map(exited));
  await Promise.all(holders.map((h) => new Promise((resolve) => h.close(resolve))));
  await testEnv.cleanup();
});

async function holdPort(): Promise<number> {
  const port = await freePort();
  const holder = net.createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
  holders.push(holder);
  return port;
}

async function runApi(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  // Development mode: the log goes to the console too, where PM2 and the operator read it.
  const child = spawn(process.execPath, fromSources('api/main.ts'), {
    env: childEnv({ ...testEnv.env, NODE_ENV: 'development', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  // The old code never exited here: jest's timeout fails the test then.
  const code = await exited(child);
  return { code, output: output.replace(/\x1b\[[0-9;]*m/g, '') };
}

it('exits non-zero with a clear log line when its port is already in use, and never claims to serve', async () => {
  const port = await holdPort();
  const { code, output } = await runApi({ PORT: String(port), HOST: '127.0.0.1' });
  expect(code).not.toBe(0);
  expect(output).toContain(`API cannot listen: port ${port} on 127.0.0.1 is already in use`);
  expect(output).not.toContain(`API on http://127.0.0.1:${port}`);
}, 30_000);

it('exits non-zero naming the metrics server when the metrics port is in use', async () => {
  const metricsPort = await holdPort();
  const { code, output } = await runApi({ PORT: String(await freePort()), METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' });
  expect(code).not.toBe(0);
  expect(output).toContain(`metrics server cannot listen: port ${metricsPort} on 127.0.0.1 is already in use`);
}, 30_000);
