/**
 * What tests that go through the pipeline over HTTP share: calls as a user, uploads, waiting for a
 * release to settle, and the whole world (app, users, worker, recorded catalogues) at once.
 */
import { ALL_QUEUES, QueueName } from '../../lib/domain/queue-names';
import { WorkerPool } from '../../worker/worker-pool';
import { startReplayServer, ReplayServer } from './replay-server';
import { startTestApp, TestApp } from './test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './worker-process';

/** Whoever calls the API: a user's access token. */
export interface Caller {
  token: string;
}

export const as = (who: Caller) => ({ Authorization: `Bearer ${who.token}` });

const RELEASE_TIMEOUT_MS = 90_000;
/** States a release rests in until someone acts. */
const SETTLED = ['done', 'failed', 'cancelled', 'review'];

export async function uploadAs(app: TestApp, who: Caller, file: string) {
  return app.http.post('/api/uploads').set(as(who)).attach('file', file);
}

/** Uploads a file as `who` (stored or a duplicate, else it throws); the upload's id. */
export async function uploadedId(app: TestApp, who: Caller, file: string): Promise<string> {
  const res = await uploadAs(app, who, file);
  if (![200, 202].includes(res.status)) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.upload.id;
}

/**
 * Runs `during` with the upload queue paused, so every inspection (an upload's, a release flow's
 * first step) waits; the queue is resumed whatever happens.
 */
export async function withInspectionsPaused<T>(app: TestApp, during: () => Promise<T>): Promise<T> {
  const inspections = app.context.queue.queue(QueueName.Upload);
  await inspections.pause();
  try {
    return await during();
  } finally {
    await inspections.resume();
  }
}

/** Polls a release over HTTP until it reaches one of `states`; on a timeout, says where it stands. */
export async function settledRelease(app: TestApp, who: Caller, releaseId: string, states = SETTLED, timeoutMs = RELEASE_TIMEOUT_MS) {
  const current = async () => (await app.http.get(`/api/releases/${releaseId}`).set(as(who))).body.release;
  return waitFor(`release ${releaseId} to settle`, async () => {
    const release = await current();
    return states.includes(release?.state) ? release : undefined;
  }, timeoutMs, async () => {
    const { state, step, progress, error } = (await current()) ?? {};
    return { state, step, progress, error };
  });
}

/** Uploads a file, requests a release with these options, and waits until it settles. */
export async function releaseOf(app: TestApp, who: Caller, file: string, options: Record<string, unknown>) {
  const uploadId = await uploadedId(app, who, file);
  const requested = await app.http.post('/api/releases').set(as(who)).send({ uploadId, options });
  if (![200, 202].includes(requested.status)) throw new Error(`release request answered ${requested.status}: ${JSON.stringify(requested.body)}`);
  return settledRelease(app, who, requested.body.release.id);
}

/** A user created by the test app: the row and its access token. */
export type TestUser = Awaited<ReturnType<TestApp['createUser']>>;

/** A user to create before the worker starts: its role, and optionally its email and groups (see TestApp.createUser). */
export type UserSpec = [role: string, email?: string, groups?: string[]];

type Provider = Parameters<ReplayServer['baseUrl']>[0];
const BASE_URL_VARIABLES: Record<Provider, string> = {
  googlebooks: 'GOOGLE_BOOKS_BASE_URL',
  openlibrary: 'OPENLIBRARY_BASE_URL',
  omdb: 'OMDB_BASE_URL',
  tmdb: 'TMDB_BASE_URL',
  tvdb: 'TVDB_BASE_URL',
};

export interface PipelineWorldOptions<U extends string> {
  /** Catalogues that answer from recordings (a replay server); the others point at a closed port (test-env.ts). */
  replay?: Provider[];
  /** More environment for the app and the worker. */
  env?: NodeJS.ProcessEnv;
  users?: Record<U, UserSpec>;
  /** Setup the worker must find in place when it starts (destinations, settings). */
  prepare?: (world: Omit<PipelineWorld<U>, 'worker' | 'close'>) => Promise<void>;
  /**
   * Queues whose jobs run in this jest process, in a real WorkerPool, instead of the worker child:
   * mutation testing (Stryker's per-test coverage) sees only code that runs in the test's process.
   */
  inProcess?: QueueName[];
}

export interface PipelineWorld<U extends string> {
  app: TestApp;
  worker: ReturnType<typeof startWorker>;
  replay?: ReplayServer;
  users: Record<U, TestUser>;
  /** Uploads a file as `who` and waits until inspection has read it; the upload's id. */
  upload(who: Caller, file: string): Promise<string>;
  /** Polls a release until it reaches one of `states` (by default done, failed, cancelled or review). */
  waitForRelease(who: Caller, id: string, states?: string[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Creates a distribution destination on this host as `who` (an admin); its id. */
  createDestination(who: Caller, name: string, body: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

/**
 * The real pipeline for tests that go through it over HTTP: the app, its users, and a worker
 * process registered on every queue; with recorded catalogue answers when asked.
 */
export async function startPipelineWorld<U extends string = never>(options: PipelineWorldOptions<U> = {}): Promise<PipelineWorld<U>> {
  const replay = options.replay?.length ? await startReplayServer() : undefined;
  const catalogue = Object.fromEntries((options.replay ?? []).map((provider) => [BASE_URL_VARIABLES[provider], replay!.baseUrl(provider)]));
  const app = await startTestApp({ ...catalogue, ...options.env });
  const users = {} as Record<U, TestUser>;
  for (const [name, [role, email, groups]] of Object.entries(options.users ?? {}) as [U, UserSpec][]) {
    users[name] = await app.createUser(role, email, groups);
  }

  const world = {
    app,
    replay,
    users,
    async upload(who: Caller, file: string): Promise<string> {
      const id = await uploadedId(app, who, file);
      await waitFor('inspection', async () => (await app.http.get(`/api/uploads/${id}`).set(as(who))).body.upload.metadata);
      return id;
    },
    waitForRelease(who: Caller, id: string, states?: string[]) {
      return settledRelease(app, who, id, states);
    },
    async createDestination(who: Caller, name: string, body: Record<string, unknown>): Promise<number> {
      const res = await app.http.post('/api/destinations').set(as(who)).send({ name, host: '127.0.0.1', ...body });
      expect(res.status).toBe(201);
      return res.body.destination.id;
    },
  };
  await options.prepare?.(world);
  const inProcess = options.inProcess ?? [];
  let pool: WorkerPool | undefined;
  if (inProcess.length > 0) {
    pool = new WorkerPool(app.context.config, app.context.logger);
    pool.start(inProcess);
  }
  const childQueues = ALL_QUEUES.filter((queue) => !inProcess.includes(queue));
  const worker = await startReadyWorker({ ...app.env, WORKER_QUEUES: childQueues.join(',') }, app.context.queue);
  return {
    ...world,
    worker,
    async close() {
      await stopWorker(worker);
      await pool?.close();
      await app.close();
      await replay?.close();
    },
  };
}
