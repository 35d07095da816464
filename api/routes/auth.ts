import { Router } from 'express';
import type { Response } from 'express';
import { z } from 'zod';
import { methodNotAllowed } from '../middleware/errors';
import { bearerToken, userOf } from '../middleware/authenticate';
import { parseInput } from '../validate';
import { Actor } from '../services/actor';
import type { ApiContext } from '../context';

// The email is only a lookup key here (the seeded admin may be admin@localhost).
export const loginBody = z.object({ email: z.string().trim().min(3).max(254), password: z.string().min(1).max(1024) });
export const refreshBody = z.object({ refreshToken: z.string().min(1).max(512) });

/** Answers carrying tokens must not be stored by browsers or proxies. */
function sendTokens(res: Response, body: object): void {
  res.setHeader('Cache-Control', 'no-store');
  res.json(body);
}

export function authRoutes({ services, authenticate }: ApiContext): Router {
  const router = Router();

  router
    .route('/login')
    .post(async (req, res) => {
      const { email, password } = parseInput(loginBody, req.body);
      const { user, tokens } = await services.auth.login(email, password, req.ip ?? 'unknown');
      sendTokens(res, { user, ...tokens });
    })
    .all(methodNotAllowed);

  router
    .route('/refresh')
    .post(async (req, res) => {
      const { refreshToken } = parseInput(refreshBody, req.body);
      sendTokens(res, await services.auth.refresh(refreshToken));
    })
    .all(methodNotAllowed);

  router
    .route('/logout')
    .post(async (req, res) => {
      const { refreshToken } = parseInput(refreshBody, req.body);
      await services.auth.logout(refreshToken);
      // The access token sent along (if any) stops working now too, not at its expiry.
      const bearer = bearerToken(req);
      if (bearer) await services.auth.revokeAccessToken(bearer);
      res.status(204).end();
    })
    .all(methodNotAllowed);

  router
    .route('/me')
    .get(authenticate, async (req, res) => {
      const user = userOf(req);
      res.json({ user, permissions: [...(await Actor.of(user)).permissions].sort() });
    })
    .all(methodNotAllowed);

  return router;
}
