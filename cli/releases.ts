import type { ApiClient } from './api-client';

/** The fields of a release the CLI shows. */
export interface Release {
  id: string;
  uploadId: string;
  state: 'queued' | 'inspecting' | 'enriching' | 'review' | 'packing' | 'done' | 'failed' | 'cancelled';
  step: string | null;
  progress: number;
  error: string | null;
  name: string | null;
  options: Record<string, unknown>;
  reviewReasons: unknown[] | null;
  createdAt: string;
  files?: { fileName: string; kind: string; size: number; sha256: string; crc32: string }[];
}

export const SETTLED = new Set(['done', 'failed', 'cancelled', 'review']);

export const getRelease = async (client: ApiClient, id: string) => (await client.get<{ release: Release }>(`/api/releases/${encodeURIComponent(id)}`)).release;

/** Reasons a release waits in review, as text. */
export function reasonsOf(release: Pick<Release, 'reviewReasons'>): string[] {
  return (release.reviewReasons ?? []).map((r) => (typeof r === 'string' ? r : ((r as { message?: string }).message ?? JSON.stringify(r))));
}

/**
 * Follows a release until it settles, calling `onChange` at each new state, step or progress.
 * Polls GET /api/releases/:id: it works the same through any proxy, and a release of a few MB
 * settles in seconds.
 */
export async function followRelease(client: ApiClient, id: string, onChange: (release: Release) => void, intervalMs = 500): Promise<Release> {
  let last = '';
  for (;;) {
    const release = await getRelease(client, id);
    const seen = `${release.state}/${release.step}/${release.progress}`;
    if (seen !== last) onChange(release);
    last = seen;
    if (SETTLED.has(release.state)) return release;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
