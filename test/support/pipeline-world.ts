import { startReplayServer, ReplayServer } from './replay-server';
import { startTestApp, TestApp } from './test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './worker-process';

/** Whoever calls the API: a user's access token. */
export interface Caller {
  token: string;
}

export const as = (who: Caller) => ({ Authorization: `Bearer ${who.token}` });

/** A user to create before the worker starts: its role, and optionally its email and groups (see TestApp.createUser). */
export type UserSpec = [role: string, email?: string, groups?: string[]];

export interface PipelineWorldOptions<U extends string> {
  /**
   * Where the catalogue providers (Google Books, Open Library) answer: 'replay' from recorded
   * answers, 'closed' nowhere (a closed port, so no match), or the app's defaults when left out.
   */
  catalogue?: 'replay' | 'closed';
  /** More environment for the app and the worker. */
  env?: NodeJS.ProcessEnv;
  users?: Record<U, UserSpec>;
  /** Setup the worker must find in place when it starts (destinations, settings). */
  prepare?: (world: Omit<PipelineWorld<U>, 'worker' | 'close'>) => Promise<void>;
}

export interface PipelineWorld<U extends string> {
  app: TestApp;
  worker: ReturnType<typeof startWorker>;
  replay?: ReplayServer;
  users: Record<U, Caller>;
  /** Uploads a file as `who` and waits until inspection has read it; the upload's id. */
  upload(who: Caller, file: string): Promise<string>;
  /** Polls a release until it reaches one of `states` (by default done, failed or review). */
  waitForRelease(who: Caller, id: string, states?: string[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
  /** Creates a distribution destination on this host as `who` (an admin); its id. */
  createDestination(who: Caller, name: string, body: Record<string, unknown>): Promise<number>;
  close(): Promise<void>;
}

const RELEASE_TIMEOUT_MS = 90_000;
const CLOSED_PORT = 'http://127.0.0.1:9';

/**
 * The real pipeline for tests that go through it over HTTP: the app, its users, and a worker
 * process registered on every queue; with recorded catalogue answers when asked.
 */
export async function startPipelineWorld<U extends string = never>(options: PipelineWorldOptions<U> = {}): Promise<PipelineWorld<U>> {
  const replay = options.catalogue === 'replay' ? await startReplayServer() : undefined;
  const catalogue = replay
    ? { GOOGLE_BOOKS_BASE_URL: replay.baseUrl('googlebooks'), OPENLIBRARY_BASE_URL: replay.baseUrl('openlibrary') }
    : options.catalogue === 'closed'
      ? { GOOGLE_BOOKS_BASE_URL: CLOSED_PORT, OPENLIBRARY_BASE_URL: CLOSED_PORT }
      : {};
  const app = await startTestApp({ ...catalogue, ...options.env });
  const users = {} as Record<U, Caller>;
  for (const [name, [role, email, groups]] of Object.entries(options.users ?? {}) as [U, UserSpec][]) {
    users[name] = await app.createUser(role, email, groups);
  }

  const world = {
    app,
    replay,
    users,
    async upload(who: Caller, file: string): Promise<string> {
      const res = await app.http.post('/api/uploads').set(as(who)).attach('file', file);
      const id = res.body.upload.id;
      await waitFor('inspection', async () => (await app.http.get(`/api/uploads/${id}`).set(as(who))).body.upload.metadata);
      return id;
    },
    waitForRelease(who: Caller, id: string, states = ['done', 'failed', 'review']) {
      return waitFor(`release ${id} to settle`, async () => {
        const release = (await app.http.get(`/api/releases/${id}`).set(as(who))).body.release;
        return states.includes(release.state) ? release : undefined;
      }, RELEASE_TIMEOUT_MS);
    },
    async createDestination(who: Caller, name: string, body: Record<string, unknown>): Promise<number> {
      const res = await app.http.post('/api/destinations').set(as(who)).send({ name, host: '127.0.0.1', ...body });
      expect(res.status).toBe(201);
      return res.body.destination.id;
    },
  };
  await options.prepare?.(world);
  const worker = await startReadyWorker(app.env, app.context.queue);
  return {
    ...world,
    worker,
    async close() {
      await stopWorker(worker);
      await app.close();
      await replay?.close();
    },
  };
}
