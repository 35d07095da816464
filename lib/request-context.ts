import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Per-request (or per-job) context, so log lines carry the ids without passing them everywhere.
 * A job's context names the job, its queue, the release it works for and the API request that
 * started the release (carried from job to job in the job data), so one release's story can be
 * read out of every process's logs.
 */
export interface RequestContext {
  requestId?: string;
  jobId?: string;
  queue?: string;
  releaseId?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
