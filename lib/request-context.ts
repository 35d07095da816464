import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request (or per-job) context, so log lines carry the id without passing it everywhere. */
export interface RequestContext {
  requestId?: string;
  jobId?: string;
  queue?: string;
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}
