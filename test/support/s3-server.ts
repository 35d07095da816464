import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { exited } from './worker-process';

/** s3rver's fixed development keys (it checks signatures made with them). */
export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface S3Server {
  endpoint: string;
  bucket: string;
  port: number;
  /** The environment that points a process of ours at this server (STORAGE=s3 ...). */
  env: NodeJS.ProcessEnv;
  /** Everything the server holds, as files on its disk (for a test to look behind the API). */
  directory: string;
  stop(): Promise<void>;
}

/**
 * A real S3-compatible server (s3rver) in its own process, with one bucket, listening on
 * `address` (loopback unless a test needs it reachable from a network namespace).
 */
export async function startS3Server(address = '127.0.0.1', bucket = 'esp-test'): Promise<S3Server> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'esp-s3-'));
  const script = `
    const S3rver = require('s3rver');
    new S3rver({ address: ${JSON.stringify(address)}, port: 0, silent: true, directory: ${JSON.stringify(directory)},
      configureBuckets: [{ name: ${JSON.stringify(bucket)} }] })
      .run().then((addr) => console.log('S3 LISTENING ' + addr.port), (err) => { console.error(err); process.exit(1); });
  `;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { cwd: path.resolve(__dirname, '../..'), stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      output.push(String(d));
      const match = /S3 LISTENING (\d+)/.exec(output.join(''));
      if (match) resolve(Number(match[1]));
    });
    child.stderr!.on('data', (d) => output.push(String(d)));
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${output.join('')}`)));
  });
  const endpoint = `http://${address}:${port}`;
  return {
    endpoint,
    bucket,
    port,
    directory,
    env: {
      STORAGE: 's3',
      S3_ENDPOINT: endpoint,
      S3_BUCKET: bucket,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: S3RVER_KEYS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3RVER_KEYS.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}
