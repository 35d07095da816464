import fs from 'node:fs';
import type { ApiClient } from '../api-client';
import { EXIT, formatBytes, Output, table, UsageError } from '../output';
import { UploadProgress } from '../progress';
import { Upload, uploadFile } from '../upload';

/** Uploads one file after another, each with its own bar; a refused file does not stop the rest. */
export async function uploadFiles(client: ApiClient, out: Output, files: string[]): Promise<{ uploads: (Upload & { file: string; duplicate: boolean })[]; exit: number }> {
  for (const file of files) if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new UsageError(`${file} is not a file`);
  const progress = new UploadProgress(out);
  const uploads: (Upload & { file: string; duplicate: boolean })[] = [];
  try {
    for (const file of files) {
      const { upload, duplicate } = await uploadFile(client, file, progress.track(file));
      out.event('uploaded', { file, upload, duplicate });
      uploads.push({ ...upload, file, duplicate });
    }
  } finally {
    progress.stop();
  }
  return { uploads, exit: EXIT.done };
}

export async function uploadCommand(client: ApiClient, out: Output, files: string[]): Promise<number> {
  const { uploads, exit } = await uploadFiles(client, out, files);
  out.result({ uploads }, () =>
    table(
      ['FILE', 'UPLOAD', 'SIZE', 'STATUS'],
      uploads.map((u) => [u.file, u.id, formatBytes(u.size), u.duplicate ? `${u.status} (already uploaded)` : u.status]),
    ),
  );
  return exit;
}

/** Waits until the worker has inspected an upload (previews need its metadata). */
export async function inspected(client: ApiClient, id: string, timeoutMs = 120_000): Promise<Upload & { error?: string | null }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { upload } = await client.get<{ upload: Upload & { error?: string | null } }>(`/api/uploads/${id}`);
    if (upload.status === 'inspected' || upload.status === 'rejected') return upload;
    if (Date.now() > deadline) throw new Error(`upload ${id} was not inspected within ${timeoutMs / 1000} s (is a worker running?)`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
