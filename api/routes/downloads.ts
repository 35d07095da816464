import { Request, Response, Router } from 'express';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { AppError } from '../../lib/errors';
import type { ByteRange } from '../../lib/storage';
import { methodNotAllowed } from '../middleware/errors';
import { actorOf, requirePermission } from '../middleware/authorize';
import { parseInput } from '../validate';
import { ReleaseDownloadService } from '../services/release-download-service';
import type { ApiContext } from '../context';

const releaseParams = z.object({ id: z.string().uuid() });
export const releaseFileParams = z.object({
  id: z.string().uuid(),
  // A file name the release lists: no folders, no dot-files.
  name: z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/, 'a file name of the release'),
});

/**
 * A done release's bytes, wherever releases are kept (local folder or object store), streamed:
 * GET /:id/files/:name one file (a listed file or the SFV; one byte range honoured), GET
 * /:id/archive the whole release as one zip. releases:READ, own releases unless MOD.
 */
export function downloadRoutes({ config, services, authenticate }: ApiContext): Router {
  const downloads = new ReleaseDownloadService(config, services.releases);
  const router = Router();

  router
    .route('/:id/files/:name')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const { id, name } = parseInput(releaseFileParams, req.params, 'release file');
      const file = await downloads.file(actorOf(req), id, name);
      const range = requestedRange(req, res, file.size);
      // Opened before the first header: a file gone meanwhile is still a JSON 404.
      const body = await file.read(range);
      res.attachment(name);
      // Every file is a download, whatever its extension would suggest to a browser.
      res.type('application/octet-stream');
      res.setHeader('Accept-Ranges', 'bytes');
      res.setHeader('Cache-Control', 'private, no-store');
      if (range) {
        res.status(206).setHeader('Content-Range', `bytes ${range.start}-${range.end}/${file.size}`);
      }
      res.setHeader('Content-Length', String(range ? range.end - range.start + 1 : file.size));
      await send(req, res, body);
    })
    .all(authenticate, methodNotAllowed);

  router
    .route('/:id/archive')
    .get(authenticate, requirePermission('releases', 'READ'), async (req, res) => {
      const { id } = parseInput(releaseParams, req.params, 'release id');
      const release = await downloads.release(actorOf(req), id);
      res.attachment(`${release.name}.zip`);
      res.setHeader('Cache-Control', 'private, no-store');
      // Once streaming has begun a failure can only cut the answer short (the zip is then invalid).
      await downloads.writeArchive(release, res, (bytes) => res.setHeader('Content-Length', String(bytes))).catch((err: Error) => res.destroy(err));
    })
    .all(authenticate, methodNotAllowed);

  return router;
}

/**
 * The one byte range asked for (`Range: bytes=...`), within the file; undefined for the whole
 * file (no Range header, or several ranges, which a server may answer with the whole file).
 * A range that starts past the end, or ends before it starts (RFC 9110 says such a range SHOULD
 * be refused), is a 416 with the file's size.
 */
function requestedRange(req: Request, res: Response, size: number): Required<ByteRange> | undefined {
  // A suffix longer than the file is the whole file (RFC 9110 14.1.3); range-parser refuses it.
  const suffix = /^bytes=\s*-(\d+)\s*$/i.exec(req.get('range') ?? '');
  if (suffix && size > 0 && Number(suffix[1]) >= size) return { start: 0, end: size - 1 };
  const ranges = req.range(size, { combine: true });
  if (ranges === -1) {
    res.setHeader('Content-Range', `bytes */${size}`);
    throw new AppError(416, 'RANGE_NOT_SATISFIABLE', `The range asked for is not within the file (${size} bytes), or ends before it starts`, { size });
  }
  if (ranges === undefined || ranges === -2 || ranges.type !== 'bytes' || ranges.length !== 1) return undefined;
  return { start: ranges[0].start, end: ranges[0].end };
}

/** Streams the body; a HEAD request gets the headers only. A client that hangs up ends the read. */
async function send(req: Request, res: Response, body: Readable): Promise<void> {
  if (req.method === 'HEAD') {
    body.destroy();
    res.end();
    return;
  }
  await pipeline(body, res).catch((err: Error) => res.destroy(err));
}
