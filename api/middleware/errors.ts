import { STATUS_CODES } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { isUniqueViolation } from '../../db/unique-violation';
import { AppError, ConflictError, MethodNotAllowedError, NotFoundError, TooManyRequestsError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  /** http-errors' mark of a message written for the client. */
  expose?: boolean;
}

/** Maps errors thrown by Express' own parsers to our typed errors. */
function fromParserError(err: BodyParserError): AppError | undefined {
  switch (err.type) {
    case 'entity.parse.failed':
      return new AppError(400, 'INVALID_JSON', 'The request body is not valid JSON');
    case 'entity.too.large':
      return new AppError(413, 'PAYLOAD_TOO_LARGE', `The request body is larger than the limit of ${err.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new AppError(415, 'UNSUPPORTED_MEDIA_TYPE', err.message);
    case 'request.aborted':
      return new AppError(400, 'REQUEST_ABORTED', 'The request was aborted by the client');
    default:
      return undefined;
  }
}

/**
 * A unique key the database refused: two requests raced past a service's check that a name is
 * free (its own 409 names the field; the loser of the race gets this one).
 */
function fromDatabaseError(err: Error): AppError | undefined {
  if (!isUniqueViolation(err)) return undefined;
  return new ConflictError('Another request has just created or renamed an item with the same name; reload and try again', 'ALREADY_EXISTS');
}

/**
 * An error by its shape, not `instanceof Error`: a native module's errors (better-sqlite3's
 * SqliteError) can come from another realm's Error, as under Jest, where a test file after the
 * first in a worker gets errors built by the first file's classes.
 */
function isErrorLike(err: unknown): err is Error {
  return typeof err === 'object' && err !== null && typeof (err as Error).message === 'string';
}

/** Any other library error with a client status (send's 416, the router's undecodable path, ...). */
function isClientStatus(status: number | undefined): status is number {
  return status !== undefined && status >= 400 && status < 500;
}

/** A status's own name as code and message (404: NOT_FOUND, "Not found"), nothing of the library's words. */
function statusCodeAndMessage(status: number): [string, string] {
  const name = STATUS_CODES[status] ?? 'Bad Request';
  return [name.toUpperCase().replace(/[^A-Z0-9]+/g, '_'), name[0] + name.slice(1).toLowerCase()];
}

export function notFound(req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError(`Route ${req.method} ${req.path}`));
}

export function methodNotAllowed(req: Request, _res: Response, next: NextFunction): void {
  next(new MethodNotAllowedError(req.method, req.baseUrl + req.path));
}

/** The one place errors become responses: { error: { code, message, details?, requestId } }. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const libraryError = isErrorLike(err) && !(err instanceof AppError) ? (err as BodyParserError) : undefined;
    let known = err instanceof AppError ? err : libraryError && (fromParserError(libraryError) ?? fromDatabaseError(libraryError));
    if (!known && libraryError && isClientStatus(libraryError.status)) {
      // Answered without naming the library; logged so that an unexpected refusal can be traced.
      known = new AppError(libraryError.status, ...statusCodeAndMessage(libraryError.status));
      const reason = libraryError.expose ? { reason: libraryError.message } : {};
      logger.warn('request refused by a library', { requestId: req.id, method: req.method, path: req.path, status: known.status, type: libraryError.type, ...reason });
    }
    const appError = known ?? new AppError(500, 'INTERNAL_ERROR', 'Internal server error');
    if (!known) logger.error('unhandled error', { requestId: req.id, error: libraryError?.stack ?? String(err) });
    else if (appError.status >= 500) logger.warn(appError.message, { requestId: req.id, code: appError.code });
    if (res.headersSent) {
      res.end();
      return;
    }
    if (appError instanceof TooManyRequestsError) res.setHeader('Retry-After', String(appError.retryAfterSeconds));
    res.status(appError.status).json({
      error: {
        code: appError.code,
        message: appError.message,
        ...(appError.details === undefined ? {} : { details: appError.details }),
        requestId: req.id,
      },
    });
  };
}
