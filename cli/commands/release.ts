import fs from 'node:fs';
import type { ApiClient } from '../api-client';
import { EXIT, Output, UsageError } from '../output';
import { followRelease, reasonsOf, Release } from '../releases';
import { inspected, uploadFiles } from './upload';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface ReleaseFlags {
  group: string;
  source?: string;
  volumeSize?: string;
  template?: string;
  destination?: string[];
  proofUrl?: string;
  dryRun?: boolean;
}

interface Preview {
  name: string;
  checks: { check: string; passed: boolean; detail?: string }[];
  reviewReasons: { code: string; message: string; blocking: boolean }[];
  volumes?: { files: { zip: string }[] };
}

const positiveInt = (flag: string, text: string) => {
  if (!/^[1-9]\d{0,8}$/.test(text)) throw new UsageError(`${flag} must be a positive whole number, not ${text}`);
  return Number(text);
};

/** The release options of POST /api/releases from the command's flags. */
export function optionsOf(flags: ReleaseFlags): Record<string, unknown> {
  return {
    group: flags.group,
    ...(flags.source ? { source: flags.source } : {}),
    ...(flags.volumeSize ? { volumeSizeMb: positiveInt('--volume-size', flags.volumeSize) } : {}),
    ...(flags.template ? { templateId: positiveInt('--template', flags.template) } : {}),
    ...(flags.destination?.length ? { destinationIds: flags.destination.map((d) => positiveInt('--destination', d)) } : {}),
    ...(flags.proofUrl ? { proofUrl: flags.proofUrl } : {}),
  };
}

/** Prints each state change of a release and returns the exit code of where it settled. */
export async function followToEnd(client: ApiClient, out: Output, id: string): Promise<number> {
  const release = await followRelease(client, id, (r) => {
    out.event('state', { id: r.id, state: r.state, step: r.step, progress: r.progress });
    out.say(`  ${r.state.padEnd(10)} ${String(r.progress).padStart(3)}%${r.step ? `  (${r.step})` : ''}`);
  });
  return settledResult(out, release);
}

export function settledResult(out: Output, release: Release): number {
  const reasons = reasonsOf(release);
  out.result({ release }, () => {
    if (release.state === 'done') return [`done: ${release.name}`, ...(release.files ?? []).map((f) => `  ${f.fileName}  ${f.size} bytes`)].join('\n');
    if (release.state === 'review') return [`held for review: ${release.id}`, ...reasons.map((r) => `  - ${r}`)].join('\n');
    return `${release.state}: ${release.error ?? 'no reason given'}${release.step ? ` (step ${release.step})` : ''}`;
  });
  if (release.state === 'done') return EXIT.done;
  return release.state === 'review' ? EXIT.review : EXIT.failed;
}

function printPreview(out: Output, preview: Preview): void {
  out.event('preview', { preview });
  out.say(`name: ${preview.name}`);
  for (const c of preview.checks.filter((c) => !c.passed)) out.say(`  check failed: ${c.check}: ${c.detail ?? ''}`);
  for (const r of preview.reviewReasons) out.say(`  review: ${r.message}${r.blocking ? ' (must be edited)' : ''}`);
  for (const f of preview.volumes?.files ?? []) out.say(`  zip: ${f.zip}`);
}

/** esp release FILE|UPLOAD_ID: upload if needed, preview, then (unless --dry-run) request and follow to the end. */
export async function releaseCommand(client: ApiClient, out: Output, target: string, flags: ReleaseFlags): Promise<number> {
  const options = optionsOf(flags);
  let uploadId = target;
  if (!UUID.test(target)) {
    if (!fs.existsSync(target)) throw new UsageError(`${target} is neither an upload id nor a file`);
    uploadId = (await uploadFiles(client, out, [target])).uploads[0].id;
  }
  const upload = await inspected(client, uploadId);
  if (upload.status === 'rejected') {
    out.result({ upload }, () => `upload refused: ${upload.error ?? 'unreadable book'}`);
    return EXIT.failed;
  }
  const { preview } = await client.json<{ preview: Preview }>('POST', '/api/releases/preview', { uploadId, options });
  printPreview(out, preview);
  if (flags.dryRun) {
    out.result({ preview }, () => '(dry run: nothing requested)');
    return EXIT.done;
  }
  const { release, created } = await client.json<{ release: Release; created: boolean }>('POST', '/api/releases', { uploadId, options });
  out.event('requested', { id: release.id, created });
  out.say(`release ${release.id}${created ? '' : ' (requested before)'}`);
  return followToEnd(client, out, release.id);
}

export async function cancelCommand(client: ApiClient, out: Output, id: string): Promise<number> {
  const { release } = await client.json<{ release: Release }>('POST', `/api/releases/${encodeURIComponent(id)}/cancel`);
  out.result({ release }, () => `${release.id}: ${release.state}`);
  return EXIT.done;
}

/**
 * A failed (or cancelled) release again (POST /api/releases/:id/retry: the same upload and
 * options as a new release that replaces it; a refused retry keeps it), then followed to the end.
 */
export async function retryCommand(client: ApiClient, out: Output, id: string, follow: boolean): Promise<number> {
  const { release } = await client.json<{ release: Release }>('POST', `/api/releases/${encodeURIComponent(id)}/retry`);
  out.event('requested', { id: release.id, retryOf: id });
  out.say(`release ${release.id} (retry of ${id})`);
  if (follow) return followToEnd(client, out, release.id);
  out.result({ release }, () => `${release.id}: ${release.state}`);
  return EXIT.done;
}
