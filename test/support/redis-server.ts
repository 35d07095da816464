import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import { freePort, isListening } from './ports';
import { exited, waitFor } from './worker-process';

/** A private redis-server (AOF on, fsync always, as production runs it) a test may stop and start. */
export interface PrivateRedis {
  url: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  close(): Promise<void>;
}



export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = fs.mkdtempSync('/tmp/esp-redis-');
  let child: ChildProcess | undefined;
  const handle: PrivateRedis = {
    url: `redis://127.0.0.1:${port}/0`,
    async start() {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', '', '--maxmemory-policy', 'noeviction'];
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitFor('redis to listen', () => isListening(port), 10_000);
    },
    async stop() {
      if (!child) return;
      child.kill('SIGTERM');
      await exited(child);
      child = undefined;
    },
    async close() {
      await handle.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}
