import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { ExtractJwt, JwtFromRequestFunction, Strategy as JwtStrategy } from 'passport-jwt';
import type { Config } from '../../lib/config';
import { jwtVerifyKey } from '../../lib/jwt-key';
import { UnauthorizedError } from '../../lib/errors';
import { User } from '../../db/models';
import { AccessTokenClaims, accessClaimsProblem, JWT_ALGORITHM, JWT_ISSUER } from '../../lib/access-token';
import type { TokenDenylist } from '../services/token-denylist';

const fromBearerHeader = ExtractJwt.fromAuthHeaderAsBearerToken();

declare module 'express-serve-static-core' {
  interface Request {
    currentUser?: User;
    /** The denylist's answer for a token, read earlier in this request (by the rate limiter). */
    revocationRead?: { jti: string; revoked: boolean };
  }
}

/** Records that this request has read whether the token `jti` is revoked, so the authenticator does not read it again. */
export function rememberRevocationRead(req: Request, jti: string, revoked: boolean): void {
  req.revocationRead = { jti, revoked };
}

/**
 * passport-jwt strategy over the Authorization header (API clients) and, where given, extra
 * extractors (the console's session cookie). Disabled or deleted users are rejected even with a
 * valid token, and so are tokens without exp or jti, and revoked ones (logout): the denylist is
 * read here unless the rate limiter has read it for this token already (rememberRevocationRead).
 */
export function createAuthenticator(
  config: Config,
  denylist: TokenDenylist,
  extraExtractors: JwtFromRequestFunction[] = [],
  options: { bearer?: boolean } = {},
): RequestHandler {
  const instance = new passport.Passport();
  // passport-jwt hands the key to jsonwebtoken as is; its types only know strings and Buffers.
  const verifyKey = jwtVerifyKey(config.secrets.jwtSecret) as unknown as Buffer;
  instance.use(
    new JwtStrategy(
      {
        jwtFromRequest: ExtractJwt.fromExtractors([...(options.bearer === false ? [] : [fromBearerHeader]), ...extraExtractors]),
        secretOrKey: verifyKey,
        algorithms: [JWT_ALGORITHM],
        issuer: JWT_ISSUER,
        passReqToCallback: true,
      },
      (req: Request, claims: AccessTokenClaims, done: (err: unknown, user?: User | false, info?: unknown) => void) => {
        const problem = accessClaimsProblem(claims);
        if (problem) return done(null, false, { message: problem });
        const read = req.revocationRead;
        (read?.jti === claims.jti ? Promise.resolve(read.revoked) : denylist.isRevoked(claims.jti))
          .then(async (revoked) => {
            if (revoked) return done(null, false, { message: 'token revoked' });
            const user = await User.query().findById(Number(claims.sub));
            return user && !user.disabled ? done(null, user) : done(null, false, { message: 'account disabled or deleted' });
          })
          .catch(done);
      },
    ),
  );

  return (req: Request, res: Response, next: NextFunction) => {
    instance.authenticate('jwt', { session: false }, (err: unknown, user: User | false, info: unknown) => {
      if (err) return next(err);
      if (!user) return next(toUnauthorized(info));
      req.currentUser = user;
      next();
    })(req, res, next);
  };
}

function toUnauthorized(info: unknown): UnauthorizedError {
  const name = info instanceof Error ? info.name : '';
  const message = info instanceof Error ? info.message : (info as { message?: string } | undefined)?.message ?? '';
  if (name === 'TokenExpiredError') return new UnauthorizedError('Access token expired', 'TOKEN_EXPIRED');
  if (message === 'No auth token') return new UnauthorizedError('Authentication required', 'UNAUTHORIZED');
  if (message.startsWith('account')) return new UnauthorizedError('Account disabled or deleted', 'ACCOUNT_DISABLED');
  if (message === 'token revoked') return new UnauthorizedError('Access token revoked (logged out)', 'TOKEN_REVOKED');
  return new UnauthorizedError('Invalid access token', 'INVALID_TOKEN');
}

/** The authenticated user; routes behind the authenticator can rely on it. */
export function userOf(req: Request): User {
  if (!req.currentUser) throw new UnauthorizedError();
  return req.currentUser;
}


/** The Authorization header's bearer token, not yet verified. */
export const bearerToken = (req: Request): string | undefined => fromBearerHeader(req) ?? undefined;
