import type { NextFunction, Request, Response } from 'express';
import { AppError } from '../../lib/errors';
import { hasSessionCookie } from './session-cookie';
import { bearerToken } from './authenticate';

const SAFE_METHODS = ['GET', 'HEAD', 'OPTIONS'];

/** Whether the request comes from a page of this origin (Origin, else Sec-Fetch-Site). */
function fromThisOrigin(req: Request): boolean {
  const origin = req.get('origin');
  // With Referrer-Policy: no-referrer browsers send "Origin: null" on form posts; Sec-Fetch-Site still tells.
  if (origin && origin !== 'null') return safeHost(origin) === req.get('host');
  return req.get('sec-fetch-site') === 'same-origin';
}

function safeHost(origin: string): string | undefined {
  try {
    return new URL(origin).host;
  } catch {
    return undefined;
  }
}

/** Refuses a state-changing request from another site: with SameSite=Strict cookies, that stops CSRF. */
export function sameOriginForChanges(req: Request, _res: Response, next: NextFunction): void {
  if (SAFE_METHODS.includes(req.method) || fromThisOrigin(req)) return next();
  next(new AppError(403, 'CSRF_REJECTED', 'Cross-site request refused'));
}

/**
 * The same guard for /api, applied only where the browser's session cookie would authenticate the
 * request: a client sending its own bearer token cannot be driven by another site.
 */
export function sameOriginForCookieChanges(req: Request, res: Response, next: NextFunction): void {
  if (!hasSessionCookie(req) || bearerToken(req)) return next();
  sameOriginForChanges(req, res, next);
}
