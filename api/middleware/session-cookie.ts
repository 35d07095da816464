import type { CookieOptions, Request } from 'express';
import type { Config } from '../../lib/config';

/** The web app's session: an access token in an httpOnly, SameSite=Strict cookie sent to /api only. */
export const APP_SESSION_COOKIE = 'esp_session';
const COOKIE_PATH = '/api';

/** The session cookie's token, read from the Cookie header (no cookie parser is mounted on /api). */
export function sessionCookieToken(req: Request): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === APP_SESSION_COOKIE) {
      const value = part.slice(at + 1).trim();
      return value ? decodeURIComponent(value) : null;
    }
  }
  return null;
}

export const hasSessionCookie = (req: Request): boolean => sessionCookieToken(req) !== null;

export function sessionCookieOptions(config: Config, maxAgeSeconds?: number): CookieOptions {
  return {
    httpOnly: true,
    sameSite: 'strict',
    secure: config.env === 'production',
    path: COOKIE_PATH,
    ...(maxAgeSeconds ? { maxAge: maxAgeSeconds * 1000 } : {}),
  };
}
