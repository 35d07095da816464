import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { makeRandomFile, MB } from './files';
import { mb, Report, seconds } from './report';
import { login, Stack, startStack } from './stack';

function curl(args: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sf', '-o', '/dev/null', ...args]);
    child.on('exit', (code) => (code === 0 ? resolve((performance.now() - started) / 1000) : reject(new Error(`curl exited ${code}`))));
  });
}

/** Resident memory of the API process now, in MB. */
function apiRssMb(stack: Stack): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${stack.apiPid}/status`, 'utf8'))?.[1]) / 1024;
}

/** One upload to the real API (multipart, hashed, stored) against curl into a plain file sink, same bytes. */
export async function benchUpload(report: Report, work: string, options: { bookMb: number; port: number }): Promise<void> {
  const book = makeRandomFile(work, options.bookMb * MB);
  try {
    const sinkFile = path.join(work, 'sink');
    const sink = http.createServer((req, res) => req.pipe(fs.createWriteStream(sinkFile)).on('finish', () => res.end('ok')));
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    const sinkSeconds = await curl(['-T', book, `http://127.0.0.1:${(sink.address() as { port: number }).port}/`]);
    await new Promise((r) => sink.close(r));
    fs.rmSync(sinkFile, { force: true });

    const stack = await startStack(options.port);
    try {
      const token = await login(stack);
      // Sampled while the upload runs: the process's own high-water mark would include start-up.
      const before = apiRssMb(stack);
      let rss = before;
      const sampler = setInterval(() => (rss = Math.max(rss, apiRssMb(stack))), 20);
      const ours = await curl(['-H', `Authorization: Bearer ${token}`, '-F', `file=@${book}`, `${stack.url}/api/uploads`]).finally(() => clearInterval(sampler));
      report.add({ goal: `upload ${options.bookMb} MB: at least as fast as a plain file sink`, peer: 'curl -> node file sink', peerFigure: seconds(sinkSeconds), ours: seconds(ours), pass: ours <= sinkSeconds });
      report.add({ goal: `upload ${options.bookMb} MB: API RSS < 150 MB while uploading`, peer: 'API RSS before', peerFigure: mb(before), ours: mb(rss), pass: rss < 150 });
    } finally {
      await stack.close();
    }
  } finally {
    fs.rmSync(book, { force: true });
  }
}
