import type { Request, RequestHandler } from 'express';
import { REQUEST_CLASSES, RequestClass } from '../../lib/config';
import { TooManyRequestsError } from '../../lib/errors';
import type { ApiContext } from '../context';
import { bearerToken, rememberRevocationRead } from './authenticate';
import { sessionCookieToken } from './session-cookie';
import { RedisLimiterChain, retryAfterSeconds } from '../../lib/redis-limiter';

/** Uploads have their own budget; other requests count as reads (GET, HEAD, OPTIONS) or writes. */
function classOf(req: Request): RequestClass {
  if (req.method === 'POST' && req.path.replace(/\/$/, '') === '/uploads') return 'upload';
  return ['GET', 'HEAD', 'OPTIONS'].includes(req.method) ? 'read' : 'write';
}

/**
 * API rate limits, for mounting on /api: per IP for every request, and per user (the verified
 * token's subject) when a valid bearer token or session cookie comes along, each class with its own budget per
 * window (RATE_LIMIT_PER_USER, RATE_LIMIT_PER_IP). Counters live in Redis, shared by every API
 * process; the address is charged first, and a request it refuses costs the user's budget
 * nothing. Over budget: 429 RATE_LIMITED with Retry-After. Both budgets, and the bearer token's
 * revocation (which the authenticator then need not read again), are one Redis round trip.
 */
export function apiRateLimit({ config, redis, services }: ApiContext): RequestHandler {
  const { windowSeconds, perUser, perIp } = config.limits;
  const chains = Object.fromEntries(
    REQUEST_CLASSES.map((kind) => [
      kind,
      new RedisLimiterChain(config, redis, [
        { name: `api-ip-${kind}`, points: perIp[kind], durationSeconds: windowSeconds },
        { name: `api-user-${kind}`, points: perUser[kind], durationSeconds: windowSeconds },
      ]),
    ]),
  ) as Record<RequestClass, RedisLimiterChain>;

  return (req, _res, next) => {
    const kind = classOf(req);
    // The web app's session cookie is a login like a bearer token, and counts against the same user budget.
    const token = bearerToken(req) ?? sessionCookieToken(req);
    const claims = token ? services.auth.verifyAccessToken(token) : undefined;
    const revokedKeys = claims ? services.auth.denylist.keysOf(claims) : [];
    chains[kind].consume([req.ip ?? 'unknown', claims?.sub], revokedKeys).then(({ refused, exists }) => {
      if (claims && exists) rememberRevocationRead(req, claims.jti, exists.some(Boolean));
      if (!refused) return next();
      next(new TooManyRequestsError(`Too many ${kind} requests; slow down`, 'RATE_LIMITED', retryAfterSeconds(refused)));
    }, next);
  };
}
