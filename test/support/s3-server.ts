import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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

export interface RecordingProxy {
  endpoint: string;
  /** `METHOD /path?query` of every request that passed, in order. */
  requests: string[];
  /** Bytes of the answers' bodies passed back so far. */
  answeredBytes(): number;
  /** Multipart uploads created (POST ?uploads) and neither completed (POST ?uploadId) nor aborted (DELETE ?uploadId), by key path. */
  unfinishedUploads(): string[];
  close(): Promise<void>;
}

/**
 * An HTTP forwarder in front of the S3 server that notes each request line, so a test can see
 * what a client asked of the server (s3rver answers AbortMultipartUpload with 405 and keeps the
 * parts, so the request itself is what a test of our side can check). `fault` makes the store fail
 * midway: a request it answers 'refuse' for gets a 503 without reaching the server (the client
 * retries, then gives up); one it answers 'hang' for is read and never answered (a store that
 * stopped responding); one it answers a number for has its answer cut after that many bytes.
 */
export type S3Fault = (method: string, url: URL) => 'refuse' | 'hang' | number | undefined;

export async function recordS3Requests(server: S3Server, fault: S3Fault = () => undefined): Promise<RecordingProxy> {
  const requests: string[] = [];
  let answered = 0;
  const proxy = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const failure = fault(req.method ?? '', new URL(req.url ?? '/', 'http://s3'));
    if (failure === 'hang') return void req.resume();
    if (failure === 'refuse') {
      req.resume();
      res.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>ServiceUnavailable</Code><Message>refused by the test</Message></Error>');
      return;
    }
    const upstream = http.request({ host: new URL(server.endpoint).hostname, port: server.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => void (answered += chunk.length));
      if (failure === undefined) return void answer.pipe(res);
      let left = failure;
      answer.on('data', (chunk: Buffer) => {
        if (left > 0) res.write(chunk.subarray(0, left));
        left -= chunk.length;
        if (left <= 0) {
          answer.destroy();
          res.destroy();
        }
      });
    });
    upstream.on('error', () => res.destroy());
    req.on('error', () => upstream.destroy());
    req.pipe(upstream);
  });
  proxy.listen(0, '127.0.0.1');
  await new Promise((resolve) => proxy.once('listening', resolve));
  return {
    endpoint: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    requests,
    answeredBytes: () => answered,
    unfinishedUploads: () => {
      const open = new Map<string, number>();
      for (const request of requests) {
        const [method, url] = request.split(' ');
        const { pathname, searchParams } = new URL(url, 'http://s3');
        const delta = method === 'POST' && searchParams.has('uploads') ? 1 : searchParams.has('uploadId') && (method === 'POST' || method === 'DELETE') ? -1 : 0;
        open.set(pathname, (open.get(pathname) ?? 0) + delta);
      }
      return [...open].filter(([, n]) => n > 0).map(([key]) => key);
    },
    close: () =>
      new Promise((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  };
}
