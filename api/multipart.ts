import busboy from 'busboy';
import type { Request } from 'express';
import type { Readable } from 'node:stream';
import { AppError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from '../lib/errors';
import type { FileSink } from '../lib/file-store';

/** Room for multipart boundaries and part headers on top of the file itself. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const MAX_FILE_NAME_LENGTH = 255;

export type MultipartFile<R> = R & { originalName: string };

const ignoreError = () => {};

/**
 * Streams the single file of a multipart/form-data request (field `file`) into `sink` (a partial
 * file on disk, or an object store's multipart upload), never holding it in memory. Oversize
 * requests are refused from Content-Length before reading, or as soon as the limit is crossed
 * while streaming.
 *
 * Every stream involved (request, parser, each part) has an error listener from the moment it
 * exists, so a truncated body or a vanished client can only end in a rejection. The promise
 * settles after the received file is written completely or removed: a failed request leaves no
 * partial file (or stored object) and no open descriptor behind.
 */
export function receiveMultipartFile<R extends object>(req: Request, sink: FileSink<R>, maxBytes: number): Promise<MultipartFile<R>> {
  if (!req.is('multipart/form-data')) {
    return Promise.reject(new UnsupportedMediaTypeError('Send the book as multipart/form-data with a field named "file"'));
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes + MULTIPART_OVERHEAD_BYTES) {
    return Promise.reject(new PayloadTooLargeError(maxBytes));
  }

  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 20, fieldSize: 4096 } });
    } catch {
      return reject(new ValidationError('Malformed multipart request'));
    }
    let receiving: Promise<MultipartFile<R>> | undefined;
    let failure: AppError | undefined;
    let received = false;

    const fail = (err: unknown) => {
      if (failure || received) return;
      failure = err instanceof AppError ? err : new ValidationError('Malformed multipart request');
      // Stop reading; the route answers with Connection: close so the rest is never consumed.
      req.unpipe(parser);
      // Destroys the part being read, which ends its write pipeline and removes what it wrote.
      parser.destroy();
      const rejectWithFailure = () => reject(failure);
      if (!receiving) return rejectWithFailure();
      receiving.then((file) => sink.discard(file), ignoreError).then(rejectWithFailure, rejectWithFailure);
    };

    req.on('error', fail);
    req.on('close', () => {
      if (!req.complete) fail(new AppError(400, 'REQUEST_ABORTED', 'The upload was aborted by the client'));
    });
    parser.on('error', fail);
    // busboy skips the parts past `files: 1`: a second book would be dropped without a word.
    parser.on('filesLimit', () => fail(new ValidationError('Send one file per upload: this request holds more than one')));
    parser.on('file', (field: string, stream: Readable, info: busboy.FileInfo) => {
      stream.on('error', ignoreError);
      if (field !== 'file' || receiving || failure) {
        stream.resume();
        return;
      }
      const originalName = (info.filename ?? 'upload').slice(0, MAX_FILE_NAME_LENGTH);
      receiving = sink.receive(stream, maxBytes).then((file) => ({ ...file, originalName }));
      receiving.catch(fail);
    });
    parser.on('close', () => {
      if (failure) return;
      if (!receiving) return fail(new ValidationError('No file in the request: send it in a field named "file"'));
      receiving.then((file) => {
        if (failure) return;
        received = true;
        resolve(file);
      }, fail);
    });
    req.pipe(parser);
  });
}
