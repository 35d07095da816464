import type { TestApp } from '../support/test-app';
import { waitFor } from '../support/worker-process';

/** Helpers the safeguard suites share: calls as a user, uploads, and waiting for a release to settle. */
export interface Caller {
  token: string;
}

export const as = (who: Caller) => ({ Authorization: `Bearer ${who.token}` });

export async function uploadAs(app: TestApp, who: Caller, file: string) {
  return app.http.post('/api/uploads').set(as(who)).attach('file', file);
}

export async function uploadedId(app: TestApp, who: Caller, file: string): Promise<string> {
  const res = await uploadAs(app, who, file);
  if (![200, 202].includes(res.status)) throw new Error(`upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body.upload.id;
}

/** Polls a release over HTTP until it is done, failed, cancelled or held for review. */
export async function settledRelease(app: TestApp, who: Caller, releaseId: string, timeoutMs = 50_000, states = ['done', 'failed', 'cancelled', 'review']) {
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
