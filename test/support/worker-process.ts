import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import type { JobQueue } from '../../jobs/job-queue';

const ROOT = path.resolve(__dirname, '../..');

/**
 * Node arguments that run a TypeScript entry file from the sources (never a possibly stale dist/),
 * compiled on load by @swc-node/register with the project's tsconfig.json.
 */
export function fromSources(entry: string): string[] {
  return ['-r', '@swc-node/register', path.join(ROOT, entry)];
}

/**
 * The environment of a child process started by a test: the test's own, plus NODE_V8_COVERAGE
 * when the run collects coverage (CHILD_V8_COVERAGE names the folder; jest itself is not run
 * under NODE_V8_COVERAGE, its own coverage comes from its v8 provider), so the child's coverage
 * is merged into the report by test/coverage/merge-coverage.js.
 */
export function childEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const coverage = process.env.CHILD_V8_COVERAGE;
  // Under Stryker the active mutant is named in the environment; the child must run the same mutant.
  const mutant = process.env.__STRYKER_ACTIVE_MUTANT__;
  return {
    SWC_NODE_PROJECT: path.join(ROOT, 'tsconfig.json'),
    ...env,
    ...(coverage ? { NODE_V8_COVERAGE: coverage } : {}),
    ...(mutant ? { __STRYKER_ACTIVE_MUTANT__: mutant } : {}),
  };
}

/** A real worker process (worker/main.ts, from the sources) with the test's environment. */
export function startWorker(env: NodeJS.ProcessEnv): ChildProcess & { output: string[] } {
  const child = spawn(process.execPath, fromSources('worker/main.ts'), { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] }) as ChildProcess & {
    output: string[];
  };
  child.output = [];
  child.stdout!.on('data', (d) => child.output.push(String(d)));
  child.stderr!.on('data', (d) => child.output.push(String(d)));
  return child;
}

export function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 30_000, describe?: () => Promise<unknown>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${describe ? `: ${JSON.stringify(await describe())}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A worker process that has registered on every pipeline queue. */
export async function startReadyWorker(env: NodeJS.ProcessEnv, queue: JobQueue): Promise<ReturnType<typeof startWorker>> {
  const worker = startWorker(env);
  await waitFor('workers to register', async () => Object.values(await queue.workerCounts()).every((n) => n > 0));
  return worker;
}

/** SIGTERM, then waits for the process to exit. */
export async function stopWorker(worker: ChildProcess): Promise<void> {
  worker.kill('SIGTERM');
  await exited(worker);
}
