import type { NextFunction, Request, RequestHandler, Response } from 'express';
import passport from 'passport';
import { ExtractJwt, JwtFromRequestFunction, Strategy as JwtStrategy } from 'passport-jwt';
import type { Config } from '../../lib/config';
import { jwtVerifyKey } from '../../lib/jwt-key';
import { UnauthorizedError } from '../../lib/errors';
import { User } from '../../db/models';
import { AccessTokenClaims, accessClaimsProblem, JWT_ALGORITHM, JWT_ISSUER } from '../../lib/access-token';
import type { TokenDenylist } from '../../lib/token-denylist';

const fromBearerHeader = ExtractJwt.fromAuthHeaderAsBearerToken();

declare module 'express-serve-static-core' {
  interface Request {
    currentUser?: User;
    /** The claims of the access token the request was authenticated with (set with currentUser). */
    accessClaims?: AccessTokenClaims;
    /** The denylist's answer for a token, read earlier in this request (by the rate limiter). */
    revocationRead?: { jti: string; revoked: boolean };
  }
}

/** Records that this request has read whether the token `jti` is revoked, so the authenticator does not read it again. */
export function rememberRevocationRead(req: Request, jti: string, revoked: boolean): void {
  req.revocationRead = { jti, revoked };
}

/**
 * Whether verified claims still grant access, now: the token is a complete access token, not
 * expired, not revoked (logout), and its user exists and is not disabled. The user, or why not.
 * The one place these are decided: the authenticator asks it for each request, an open event
 * stream again while it lasts. `revoked` is the denylist's answer when the caller has it already.
 */
export async function checkAccess(claims: AccessTokenClaims, denylist: TokenDenylist, revoked?: boolean): Promise<User | UnauthorizedError> {
  if (accessClaimsProblem(claims)) return new UnauthorizedError('Invalid access token', 'INVALID_TOKEN');
  if (Date.now() >= claims.exp * 1000) return new UnauthorizedError('Access token expired', 'TOKEN_EXPIRED');
  if (revoked ?? (await denylist.isRevoked(claims))) return new UnauthorizedError('Access token revoked (logged out, or the password was changed)', 'TOKEN_REVOKED');
  const user = await User.query().findById(Number(claims.sub));
  return user && !user.disabled ? user : new UnauthorizedError('Account disabled or deleted', 'ACCOUNT_DISABLED');
}

/**
 * passport-jwt strategy over the Authorization header (API clients) and, where given, extra
 * extractors (the console's session cookie). Disabled or deleted users are rejected even with a
 * valid token, and so are tokens without exp or jti, and revoked ones (logout): checkAccess. The
 * denylist is read unless the rate limiter has read it for this token already (rememberRevocationRead).
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
        const read = req.revocationRead;
        checkAccess(claims, denylist, read && read.jti === claims.jti ? read.revoked : undefined)
          .then((access) => (access instanceof UnauthorizedError ? done(null, false, access) : done(null, access, claims)))
          .catch(done);
      },
    ),
  );

  return (req: Request, res: Response, next: NextFunction) => {
    instance.authenticate('jwt', { session: false }, (err: unknown, user: User | false, info: unknown) => {
      if (err) return next(err);
      if (!user) return next(toUnauthorized(info));
      req.currentUser = user;
      req.accessClaims = info as AccessTokenClaims;
      next();
    })(req, res, next);
  };
}

function toUnauthorized(info: unknown): UnauthorizedError {
  if (info instanceof UnauthorizedError) return info;
  const name = info instanceof Error ? info.name : '';
  const message = info instanceof Error ? info.message : (info as { message?: string } | undefined)?.message ?? '';
  if (name === 'TokenExpiredError') return new UnauthorizedError('Access token expired', 'TOKEN_EXPIRED');
  if (message === 'No auth token') return new UnauthorizedError('Authentication required', 'UNAUTHORIZED');
  return new UnauthorizedError('Invalid access token', 'INVALID_TOKEN');
}

/** The authenticated user; routes behind the authenticator can rely on it. */
export function userOf(req: Request): User {
  if (!req.currentUser) throw new UnauthorizedError();
  return req.currentUser;
}

/** The claims of the caller's access token; routes behind the authenticator can rely on them. */
export function accessClaimsOf(req: Request): AccessTokenClaims {
  if (!req.accessClaims) throw new UnauthorizedError();
  return req.accessClaims;
}


/** The Authorization header's bearer token, not yet verified. */
export const bearerToken = (req: Request): string | undefined => fromBearerHeader(req) ?? undefined;
