import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { ApiClient, ApiError } from './api-client';

export interface Upload {
  id: string;
  originalName: string;
  size: number;
  sha256: string;
  status: string;
}

export interface UploadAnswer {
  upload: Upload;
  duplicate: boolean;
}

const CHUNK_BYTES = 256 * 1024;

/**
 * POST /api/uploads as multipart/form-data (field "file"), streamed from disk with a known length;
 * `onBytes` hears how many bytes of the file have been handed to the connection so far.
 */
export async function uploadFile(client: ApiClient, file: string, onBytes: (sent: number, total: number) => void): Promise<UploadAnswer> {
  const answer = await send(client, file, onBytes);
  if (answer.status === 401) {
    // Expired token: an authenticated GET renews it (ApiClient refreshes), then the upload is sent again.
    await client.get('/api/auth/me');
    return parse(await send(client, file, onBytes));
  }
  return parse(answer);
}

function parse({ status, body, requestId }: { status: number; body: string; requestId?: string }): UploadAnswer {
  let json: { error?: { code: string; message: string; requestId?: string; details?: unknown } } & Partial<UploadAnswer> = {};
  try {
    json = JSON.parse(body);
  } catch {
    // Not JSON: reported below with the status.
  }
  if (status >= 200 && status < 300 && json.upload) return json as UploadAnswer;
  throw new ApiError(status, json.error?.code ?? `HTTP_${status}`, json.error?.message ?? body.slice(0, 200), json.error?.requestId ?? requestId, json.error?.details);
}

function send(client: ApiClient, file: string, onBytes: (sent: number, total: number) => void): Promise<{ status: number; body: string; requestId?: string }> {
  const size = fs.statSync(file).size;
  const boundary = `esp-${randomBytes(12).toString('hex')}`;
  const name = path.basename(file).replace(/["\r\n\\]/g, '_');
  const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const url = new URL(`${client.baseUrl}/api/uploads`);
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(url, {
      method: 'POST',
      headers: { ...client.authHeader(), 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': head.length + size + tail.length },
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), requestId: res.headers['x-request-id'] as string | undefined }));
    });
    req.write(head);
    const stream = fs.createReadStream(file, { highWaterMark: CHUNK_BYTES });
    let sent = 0;
    onBytes(0, size);
    stream.on('error', (err) => req.destroy(err));
    stream.on('data', (chunk) => {
      sent += chunk.length;
      // Back-pressure: wait for the socket before reading on, so progress follows the network.
      if (!req.write(chunk)) {
        stream.pause();
        req.once('drain', () => stream.resume());
      }
      onBytes(sent, size);
    });
    stream.on('end', () => req.end(tail));
  });
}
