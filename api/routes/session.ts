import { Router } from 'express';
import { z } from 'zod';
import { methodNotAllowed } from '../middleware/errors';
import { sameOriginForChanges } from '../middleware/same-origin';
import { APP_SESSION_COOKIE, sessionCookieOptions, sessionCookieToken } from '../middleware/session-cookie';
import { Actor } from '../services/actor';
import { parseInput } from '../validate';
import type { ApiContext } from '../context';

export const sessionBody = z.object({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(1024) });

/**
 * The web app's cookie session: POST logs in (behind the same login guard as /api/auth/login) and
 * sets the httpOnly session cookie; DELETE revokes its token and clears it. Both must come from
 * this origin, so another site can neither log a browser in nor out.
 */
export function sessionRoutes({ config, services }: ApiContext): Router {
  const router = Router();
  router.use(sameOriginForChanges);
  router
    .route('/')
    .post(async (req, res) => {
      const { email, password } = parseInput(sessionBody, req.body);
      const { user, accessToken, ttlSeconds } = await services.auth.cookieLogin(email, password, req.ip ?? 'unknown', config.auth.accessTokenTtlSeconds);
      res.setHeader('Cache-Control', 'no-store');
      res.cookie(APP_SESSION_COOKIE, accessToken, sessionCookieOptions(config, ttlSeconds));
      const actor = await Actor.of(user);
      res.json({ user, permissions: [...actor.permissions].sort() });
    })
    .delete(async (req, res) => {
      const token = sessionCookieToken(req);
      if (token) await services.auth.revokeAccessToken(token);
      res.clearCookie(APP_SESSION_COOKIE, sessionCookieOptions(config));
      res.status(204).end();
    })
    .all(methodNotAllowed);
  return router;
}
