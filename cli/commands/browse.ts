import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import type { ApiClient } from '../api-client';
import { EXIT, formatBytes, Output, table, UsageError } from '../output';
import { getRelease, reasonsOf, Release } from '../releases';

export interface ListFlags {
  state?: string;
  group?: string;
  q?: string;
  page?: string;
  pageSize?: string;
}

export async function listCommand(client: ApiClient, out: Output, flags: ListFlags): Promise<number> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(flags)) if (value !== undefined) query.set(key, String(value));
  const answer = await client.get<{ releases: Release[]; pagination: { page: number; pages: number; total: number } }>(`/api/releases?${query}`);
  out.result(answer, () => {
    const rows = answer.releases.map((r) => [r.id, r.state, r.name ?? '', r.createdAt.slice(0, 16).replace('T', ' ')]);
    const { page, pages, total } = answer.pagination;
    return `${table(['ID', 'STATE', 'NAME', 'CREATED'], rows)}\n(page ${page} of ${Math.max(pages, 1)}, ${total} releases)`;
  });
  return EXIT.done;
}

/** esp show ID: the release's facts and its NFO (the published one, else the preview's). */
export async function showCommand(client: ApiClient, out: Output, id: string): Promise<number> {
  const release = await getRelease(client, id);
  const nfoFile = release.files?.find((f) => f.fileName.toLowerCase().endsWith('.nfo'));
  let nfo: string | undefined;
  if (release.state === 'done' && nfoFile) {
    const res = await client.fetch(`/api/releases/${release.id}/files/${encodeURIComponent(nfoFile.fileName)}`);
    // NFOs are CP437 (block graphics); shown as Unicode.
    nfo = iconv.decode(Buffer.from(await res.arrayBuffer()), 'cp437');
  } else if (!['queued', 'inspecting', 'enriching'].includes(release.state)) {
    nfo = (await client.get<{ preview: { nfo?: { text: string } } }>(`/api/releases/${release.id}/preview`).catch(() => undefined))?.preview.nfo?.text;
  }
  out.result({ release, nfo }, () =>
    [
      `id:       ${release.id}`,
      `name:     ${release.name ?? '(not named yet)'}`,
      `state:    ${release.state}${release.step ? ` (${release.step})` : ''} ${release.progress}%`,
      ...(release.error ? [`error:    ${release.error}`] : []),
      ...reasonsOf(release).map((r) => `review:   ${r}`),
      ...(release.files ?? []).map((f) => `file:     ${f.fileName}  ${formatBytes(f.size)}`),
      '',
      nfo ?? '(no NFO yet)',
    ].join('\n'),
  );
  return EXIT.done;
}

/**
 * esp download ID [DIR]: every file of a done release into DIR/<name>/, each checked against its
 * SHA-256, and its SFV beside them (`cksfv -g DIR/<name>/<name>.sfv` checks the copy), which must
 * list the volumes with their recorded CRC-32s.
 */
export async function downloadCommand(client: ApiClient, out: Output, id: string, dir = '.'): Promise<number> {
  const release = await getRelease(client, id);
  if (release.state !== 'done' || !release.name) throw new UsageError(`release ${id} is ${release.state}; only a done release can be downloaded`);
  const target = path.resolve(dir, release.name);
  fs.mkdirSync(target, { recursive: true });
  const written: string[] = [];
  for (const file of release.files ?? []) {
    const res = await client.fetch(`/api/releases/${release.id}/files/${encodeURIComponent(file.fileName)}`);
    const final = path.join(target, path.basename(file.fileName));
    const temp = `${final}.part`;
    const hash = createHash('sha256');
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => hash.update(chunk));
    await pipeline(body, fs.createWriteStream(temp));
    if (hash.digest('hex') !== file.sha256) {
      fs.rmSync(temp, { force: true });
      throw new Error(`${file.fileName} arrived damaged (SHA-256 differs from the release's record)`);
    }
    fs.renameSync(temp, final);
    out.event('downloaded', { file: final, size: file.size });
    written.push(final);
  }
  const sfvName = `${release.name}.sfv`;
  const sfv = Buffer.from(await (await client.fetch(`/api/releases/${release.id}/files/${encodeURIComponent(sfvName)}`)).arrayBuffer());
  const listed = sfvCrcs(sfv.toString('latin1'));
  const volumes = (release.files ?? []).filter((f) => f.kind === 'zip');
  if (listed.size !== volumes.length || volumes.some((f) => listed.get(f.fileName) !== f.crc32.toUpperCase())) {
    throw new Error(`${sfvName} does not list the release's volumes with their recorded CRC-32s`);
  }
  const sfvPath = path.join(target, sfvName);
  fs.writeFileSync(`${sfvPath}.part`, sfv);
  fs.renameSync(`${sfvPath}.part`, sfvPath);
  out.event('downloaded', { file: sfvPath, size: sfv.length });
  written.push(sfvPath);
  out.result({ release: release.name, folder: target, files: written }, () => `${target}\n${written.map((f) => `  ${path.basename(f)}`).join('\n')}`);
  return EXIT.done;
}

/** An SFV's `file CRC32` lines by file name (`;` lines are comments). */
function sfvCrcs(text: string): Map<string, string> {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() && !line.startsWith(';'));
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1).toUpperCase()]));
}
