import { createHash, randomBytes, randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AccessTokenClaims, accessClaimsProblem, JWT_ALGORITHM, JWT_ISSUER, signAccessToken } from '../../lib/access-token';
import type { Config } from '../../lib/config';
import { jwtVerifyKey } from '../../lib/jwt-key';
import { UnauthorizedError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import type { Redis } from '../../lib/redis';
import { endLoginsOf } from '../../db/logins';
import { RefreshToken, User } from '../../db/models';
import { hashPassword, verifyPassword } from '../../lib/password';
import { accountTag, LoginGuard } from './login-guard';
import { TokenDenylist } from '../../lib/token-denylist';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshExpiresIn: number;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Logins and token lifecycles. Access tokens are short JWTs; refresh tokens are opaque random
 * strings stored only as hashes, rotated on every use. Presenting a rotated token again means it
 * leaked, so its whole family (every token descended from that login) is revoked.
 */
export class AuthService {
  private dummyHash?: Promise<string>;
  readonly guard: LoginGuard;
  readonly denylist: TokenDenylist;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    redis: Redis,
  ) {
    this.guard = new LoginGuard(config, redis, logger);
    this.denylist = new TokenDenylist(config, redis, logger);
  }

  /** Checks a password behind the login guard (429 while locked); `ip` is the caller's address. */
  async login(email: string, password: string, ip: string): Promise<{ user: User; tokens: TokenPair }> {
    const user = await this.checkPassword(email, password, ip);
    return { user, tokens: await this.issueTokens(user, randomUUID()) };
  }

  /**
   * A login whose access token a browser keeps in a cookie (the web app's, the admin console's),
   * valid for `ttlSeconds` at most as long as any access token: no refresh token is handed out.
   * Its refresh-token row is stored revoked, so ending the user's logins finds this one too.
   */
  async cookieLogin(email: string, password: string, ip: string, ttlSeconds: number): Promise<{ user: User; accessToken: string; ttlSeconds: number }> {
    const user = await this.checkPassword(email, password, ip);
    const familyId = randomUUID();
    await this.storeRefreshToken(user, familyId, { revoked: true });
    const ttl = Math.min(ttlSeconds, this.config.auth.accessTokenTtlSeconds);
    return { user, accessToken: this.signAccessToken(user, ttl, familyId), ttlSeconds: ttl };
  }

  private async checkPassword(email: string, password: string, ip: string): Promise<User> {
    await this.guard.admit(email, ip);
    const user = await User.query().findOne({ email: email.toLowerCase() });
    // Compare against a dummy hash when the user is unknown, so timing does not reveal accounts.
    this.dummyHash ??= hashPassword(randomUUID(), this.config.auth.bcryptRounds);
    const ok = await verifyPassword(password, user?.passwordHash ?? (await this.dummyHash));
    if (!user || !ok || user.disabled) {
      await this.guard.failed(email, ip);
      // An unknown name may be a password typed into the wrong field: only its hash is logged.
      const who = user ? { userId: user.id } : { account: accountTag(email) };
      this.logger.warn('login failed', { ...who, ip, reason: !user ? 'unknown user' : !ok ? 'bad password' : 'disabled' });
      throw new UnauthorizedError('Invalid email or password', 'INVALID_CREDENTIALS');
    }
    await this.guard.succeeded(email, ip);
    this.logger.info('login', { userId: user.id });
    return user;
  }

  /** Verified access-token claims, or undefined for anything else (bad signature, expired, no exp or jti). */
  verifyAccessToken(token: string): AccessTokenClaims | undefined {
    try {
      const claims = jwt.verify(token, jwtVerifyKey(this.config.secrets.jwtSecret), { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER }) as AccessTokenClaims;
      return accessClaimsProblem(claims) ? undefined : claims;
    } catch {
      return undefined;
    }
  }

  /** Ends an access token before its expiry, and the login it belongs to (logout); tokens that do not verify are ignored. */
  async revokeAccessToken(token: string): Promise<void> {
    const claims = this.verifyAccessToken(token);
    if (!claims) return;
    await this.denylist.revoke(claims.jti, claims.exp);
    if (claims.sid) await this.revokeFamily(claims.sid);
  }

  async refresh(presented: string): Promise<TokenPair> {
    const token = await RefreshToken.query().findOne({ tokenHash: sha256(presented) });
    if (!token) throw new UnauthorizedError('Unknown refresh token', 'INVALID_REFRESH_TOKEN');
    if (token.revokedAt) throw new UnauthorizedError('Refresh token revoked', 'REFRESH_TOKEN_REVOKED');
    // Before the expiry check: a used token replayed after it expired still ends the login (it may be stolen).
    if (token.usedAt) throw await this.reuseDetected(token);
    if (token.expiresAt.getTime() <= Date.now()) throw new UnauthorizedError('Refresh token expired', 'REFRESH_TOKEN_EXPIRED');

    // Conditional update: of two concurrent refreshes with the same token only one wins.
    const claimed = await RefreshToken.query().patch({ usedAt: new Date() }).where({ id: token.id }).whereNull('usedAt');
    if (claimed === 0) throw await this.reuseDetected(token);
    const user = await User.query().findById(token.userId);
    if (!user || user.disabled) throw new UnauthorizedError('Account disabled', 'ACCOUNT_DISABLED');
    return this.issueTokens(user, token.familyId);
  }

  /** Revokes the login the refresh token belongs to. Unknown tokens are ignored (logout is idempotent). */
  async logout(presented: string): Promise<void> {
    const token = await RefreshToken.query().findOne({ tokenHash: sha256(presented) });
    if (token) await this.revokeFamily(token.familyId);
  }

  /** Ends every login of the user (password reset, disabled, another role): refresh tokens and the access tokens of those logins. */
  async revokeAllForUser(userId: number): Promise<void> {
    await endLoginsOf(userId, this.denylist, this.config.auth.accessTokenTtlSeconds);
  }

  signAccessToken(user: Pick<User, 'id' | 'role'>, ttlSeconds = this.config.auth.accessTokenTtlSeconds, sid?: string): string {
    return signAccessToken(user, this.config.secrets.jwtSecret, ttlSeconds, sid);
  }

  private async issueTokens(user: User, familyId: string): Promise<TokenPair> {
    return {
      accessToken: this.signAccessToken(user, this.config.auth.accessTokenTtlSeconds, familyId),
      refreshToken: await this.storeRefreshToken(user, familyId),
      tokenType: 'Bearer',
      expiresIn: this.config.auth.accessTokenTtlSeconds,
      refreshExpiresIn: this.config.auth.refreshTokenTtlSeconds,
    };
  }

  /** A new refresh token of the login `familyId`, stored as its hash (`revoked`: a row only, for a cookie login). */
  private async storeRefreshToken(user: User, familyId: string, { revoked = false } = {}): Promise<string> {
    const refreshToken = randomBytes(32).toString('base64url');
    const now = new Date();
    await RefreshToken.query().insert({
      id: randomUUID(),
      userId: user.id,
      familyId,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(now.getTime() + this.config.auth.refreshTokenTtlSeconds * 1000),
      createdAt: now,
      ...(revoked ? { revokedAt: now } : {}),
    });
    return refreshToken;
  }

  /** A used refresh token presented again: it may have been stolen, so every session of its login ends. */
  private async reuseDetected(token: RefreshToken): Promise<UnauthorizedError> {
    await this.revokeFamily(token.familyId);
    this.logger.warn('refresh token reuse detected; family revoked', { userId: token.userId, familyId: token.familyId });
    return new UnauthorizedError('Refresh token already used; all sessions of this login are revoked', 'REFRESH_TOKEN_REUSED');
  }

  /** Ends one login: its refresh tokens, and every access token issued for it (the ones before a refresh too). */
  private async revokeFamily(familyId: string): Promise<void> {
    await RefreshToken.query().patch({ revokedAt: new Date() }).where({ familyId }).whereNull('revokedAt');
    await this.denylist.revokeSession(familyId, this.config.auth.accessTokenTtlSeconds);
  }
}
