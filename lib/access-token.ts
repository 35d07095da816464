import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';

export const JWT_ISSUER = 'ebook-scene-packer';
export const JWT_ALGORITHM = 'HS256';

export interface AccessTokenClaims {
  sub: string;
  role: string;
  typ: 'access';
  /** Unique per token: what a revocation names. */
  jti: string;
  exp: number;
  /** The login (refresh-token family) the token belongs to, when it came from one: a logout or a password reset ends all of its tokens. */
  sid?: string;
}

/** Why verified claims still do not make an access token: every one must expire and be revocable. */
export function accessClaimsProblem(claims: Partial<AccessTokenClaims>): string | undefined {
  if (claims.typ !== 'access') return 'not an access token';
  if (typeof claims.exp !== 'number') return 'token without expiry';
  if (typeof claims.jti !== 'string' || !claims.jti) return 'token without id';
  return undefined;
}

/**
 * An access token of a user, valid for ttlSeconds: the one place its claims, id, expiry and key are
 * chosen, so the API and the tasks that call it as a user (watch folders) sign alike.
 */
export function signAccessToken(user: { id: number | string; role: string }, secret: string, ttlSeconds: number, sid?: string): string {
  const claims = { sub: String(user.id), role: user.role, typ: 'access', ...(sid ? { sid } : {}) };
  return jwt.sign(claims, secret, { algorithm: JWT_ALGORITHM, expiresIn: ttlSeconds, issuer: JWT_ISSUER, jwtid: randomUUID() });
}
