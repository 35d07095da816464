import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { freePort } from './ports';
import { childEnv, exited, waitFor } from './worker-process';

const ROOT = path.resolve(__dirname, '../..');

export interface ApiProcess {
  child: ChildProcess;
  port: number;
  /** Everything the process wrote to stdout and stderr. */
  output: string[];
  /** What each open descriptor points at (a path, socket:[n], pipe:[n] ...). */
  fdTargets(): string[];
  stop(): Promise<void>;
}


/**
 * The real API process (api/main.ts, compiled on the fly by @swc-node/register so it always runs
 * the current sources) with the test's environment, ready once /health answers.
 */
export async function startApiProcess(env: NodeJS.ProcessEnv): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', '@swc-node/register', path.join(ROOT, 'api/main.ts')], {
    cwd: ROOT,
    // childEnv: the API process's coverage joins the report when the run collects it.
    env: childEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout.on('data', (d) => output.push(String(d)));
  child.stderr.on('data', (d) => output.push(String(d)));
  await waitFor(
    'the API process to answer /health',
    async () => {
      if (child.exitCode !== null) throw new Error(`API process exited: ${output.join('')}`);
      return fetch(`http://127.0.0.1:${port}/health`).then((r) => r.status < 500, () => false);
    },
    60_000,
  );
  return {
    child,
    port,
    output,
    fdTargets: () =>
      fs.readdirSync(`/proc/${child.pid}/fd`).flatMap((fd) => {
        try {
          return [fs.readlinkSync(`/proc/${child.pid}/fd/${fd}`)];
        } catch {
          return []; // closed while listing
        }
      }),
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
    },
  };
}
