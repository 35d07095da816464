import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import cookieParser from 'cookie-parser';
import express, { Request, Router } from 'express';
import type { ApiContext } from '../api/context';
import { createAuthenticator } from '../api/middleware/authenticate';
import { requirePermission } from '../api/middleware/authorize';
import { sameOriginForChanges } from '../api/middleware/same-origin';
import { Actor } from '../api/services/actor';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../lib/errors';
import { ALL_QUEUES } from '../lib/domain/queue-names';
import { dashboardData } from './dashboard-data';
import { dashboardPage, loginPage } from './views';

export const SESSION_COOKIE = 'esp_console';
const CONSOLE_TOKEN_TTL_SECONDS = 30 * 60;

/**
 * The operator console under /admin: a login page that sets an httpOnly, SameSite=Strict cookie
 * (Secure in production) holding a short-lived access token, checked by the same passport-jwt
 * strategy as the API; the dashboard; and Bull Board. It needs the queues:MOD permission (admins). State-changing requests must
 * come from this origin (Origin / Sec-Fetch-Site), which with SameSite=Strict stops CSRF, Bull
 * Board's own retry and clean calls included.
 */
export function consoleRoutes(context: ApiContext): Router {
  const { config, services, queue } = context;
  const router = Router();
  const authenticate = createAuthenticator(config, services.auth.denylist, [(req: Request) => req.cookies?.[SESSION_COOKIE] ?? null], { bearer: false });
  router.use(cookieParser());
  router.use(express.urlencoded({ extended: false, limit: '10kb' }));
  router.use(sameOriginForChanges);

  router.get('/login', (_req, res) => {
    res.type('html').send(loginPage());
  });
  router.post('/login', async (req, res) => {
    const email = String(req.body?.email ?? '');
    const password = String(req.body?.password ?? '');
    res.setHeader('Cache-Control', 'no-store');
    try {
      const { user, accessToken, ttlSeconds } = await services.auth.cookieLogin(email, password, req.ip ?? 'unknown', CONSOLE_TOKEN_TTL_SECONDS);
      if (!(await Actor.of(user)).can('queues', 'MOD')) {
        res.status(403).type('html').send(loginPage('The console is for admins only.'));
        return;
      }
      res.cookie(SESSION_COOKIE, accessToken, {
        httpOnly: true,
        sameSite: 'strict',
        secure: config.env === 'production',
        path: '/admin',
        maxAge: ttlSeconds * 1000,
      });
      res.redirect(303, '/admin');
    } catch (err) {
      if (err instanceof TooManyRequestsError) {
        res.setHeader('Retry-After', String(err.retryAfterSeconds));
        res.status(429).type('html').send(loginPage(`Too many failed logins. Try again in ${err.retryAfterSeconds} seconds.`));
        return;
      }
      if (!(err instanceof UnauthorizedError)) throw err;
      res.status(401).type('html').send(loginPage('Wrong email or password.'));
    }
  });
  router.post('/logout', async (req, res) => {
    // The cookie's token is revoked, not only forgotten: a copy of it stops working too.
    const token = req.cookies?.[SESSION_COOKIE];
    if (typeof token === 'string') await services.auth.revokeAccessToken(token);
    res.clearCookie(SESSION_COOKIE, { path: '/admin' });
    res.redirect(303, '/admin/login');
  });

  // Everything below needs an admin session; a browser without one is sent to the login page.
  router.use((req, res, next) => authenticate(req, res, (err?: unknown) => {
    if (err instanceof UnauthorizedError && req.method === 'GET' && req.accepts('html')) return res.redirect(303, '/admin/login');
    if (err) return next(err);
    requirePermission('queues', 'MOD')(req, res, (denied?: unknown) =>
      next(denied instanceof ForbiddenError ? new ForbiddenError('The console is for admins only (queues:MOD)') : denied),
    );
  }));

  router.get('/', async (req, res) => {
    res.type('html').send(dashboardPage(await dashboardData(config, queue, services.health, req.currentUser!.email)));
  });

  const board = new ExpressAdapter();
  board.setBasePath('/admin/queues');
  createBullBoard({ queues: ALL_QUEUES.map((name) => new BullMQAdapter(queue.queue(name))), serverAdapter: board });
  router.use('/queues', board.getRouter());
  return router;
}
