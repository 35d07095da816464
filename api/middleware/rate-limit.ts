import type { Request, RequestHandler } from 'express';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import { REQUEST_CLASSES, RequestClass } from '../../lib/config';
import { TooManyRequestsError } from '../../lib/errors';
import type { ApiContext } from '../context';
import { bearerToken } from './authenticate';
import { isLimitReached, redisLimiter, retryAfterSeconds } from '../../lib/redis-limiter';

type Limiters = Record<RequestClass, RateLimiterRedis>;

/** Uploads have their own budget; other requests count as reads (GET, HEAD, OPTIONS) or writes. */
function classOf(req: Request): RequestClass {
  if (req.method === 'POST' && req.path.replace(/\/$/, '') === '/uploads') return 'upload';
  return ['GET', 'HEAD', 'OPTIONS'].includes(req.method) ? 'read' : 'write';
}

/**
 * API rate limits, for mounting on /api: per IP for every request, and per user (the verified
 * token's subject) when a valid bearer token comes along, each class with its own budget per
 * window (RATE_LIMIT_PER_USER, RATE_LIMIT_PER_IP). Counters live in Redis, shared by every API
 * process. Over budget: 429 RATE_LIMITED with Retry-After.
 */
export function apiRateLimit({ config, redis, services }: ApiContext): RequestHandler {
  const { windowSeconds, perUser, perIp } = config.limits;
  const limiters = (who: 'user' | 'ip', budgets: Record<RequestClass, number>): Limiters =>
    Object.fromEntries(
      REQUEST_CLASSES.map((kind) => [kind, redisLimiter(config, redis, { name: `api-${who}-${kind}`, points: budgets[kind], durationSeconds: windowSeconds })]),
    ) as Limiters;
  const byUser = limiters('user', perUser);
  const byIp = limiters('ip', perIp);

  return (req, _res, next) => {
    const kind = classOf(req);
    const bearer = bearerToken(req);
    const subject = bearer ? services.auth.verifyAccessToken(bearer)?.sub : undefined;
    byIp[kind]
      .consume(req.ip ?? 'unknown')
      .then(() => (subject ? byUser[kind].consume(subject) : undefined))
      .then(
        () => next(),
        (err: unknown) => {
          if (!isLimitReached(err)) return next(err);
          next(new TooManyRequestsError(`Too many ${kind} requests; slow down`, 'RATE_LIMITED', retryAfterSeconds(err)));
        },
      );
  };
}
