import type { AccessTokenClaims } from './access-token';
import type { Config } from './config';
import type { Logger } from './logger';
import type { Redis } from './redis';

/**
 * Access tokens revoked before their expiry (a console logout, an API logout with the bearer
 * token), by their jti, in Redis until the token would have expired anyway. Shared by every API
 * process. While Redis is unreachable revocation cannot be checked and tokens are accepted (the
 * rest of the API answers 503 for queue work then anyway; access tokens are short-lived): a
 * logged warning says so.
 */
export class TokenDenylist {
  constructor(
    private readonly config: Pick<Config, 'redis'>,
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {}

  /** Revokes the token until `exp` (seconds since the epoch); one already expired needs nothing. A Redis failure is logged, not thrown (logout goes on). */
  async revoke(jti: string, exp: number): Promise<void> {
    const ttl = Math.ceil(exp - Date.now() / 1000);
    if (ttl <= 0) return;
    try {
      await this.redis.set(this.keyOf(jti), '1', 'EX', ttl);
    } catch (err) {
      this.logger.error('access token not revoked: Redis unreachable', { error: String(err) });
    }
  }

  /**
   * Ends every access token of a login (`sid`, its refresh-token family) issued until now, for
   * `ttlSeconds` (the longest an access token lives): a logout, a password reset, a disabled account.
   * False when Redis could not store it (logged).
   */
  async revokeSession(sid: string, ttlSeconds: number): Promise<boolean> {
    try {
      await this.redis.set(this.sessionKeyOf(sid), '1', 'EX', ttlSeconds);
      return true;
    } catch (err) {
      this.logger.error('login not revoked: Redis unreachable', { error: String(err) });
      return false;
    }
  }

  /** Whether the token, or the login it belongs to, is revoked. */
  async isRevoked(claims: Pick<AccessTokenClaims, 'jti' | 'sid'>): Promise<boolean> {
    try {
      return (await this.redis.exists(...this.keysOf(claims))) > 0;
    } catch (err) {
      this.logger.warn('token revocation not checked: Redis unreachable', { error: String(err) });
      return false;
    }
  }

  /** The Redis keys of which one exists while the token is revoked (also for a caller reading them in a round trip of its own). */
  keysOf(claims: Pick<AccessTokenClaims, 'jti' | 'sid'>): string[] {
    return [this.keyOf(claims.jti), ...(claims.sid ? [this.sessionKeyOf(claims.sid)] : [])];
  }

  private keyOf(jti: string): string {
    return `${this.config.redis.prefix}:revoked-jti:${jti}`;
  }

  private sessionKeyOf(sid: string): string {
    return `${this.config.redis.prefix}:revoked-sid:${sid}`;
  }
}
