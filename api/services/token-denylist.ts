import type { Config } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import type { Redis } from '../../lib/redis';

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

  async isRevoked(jti: string): Promise<boolean> {
    try {
      return (await this.redis.exists(this.keyOf(jti))) === 1;
    } catch (err) {
      this.logger.warn('token revocation not checked: Redis unreachable', { error: String(err) });
      return false;
    }
  }

  /** The Redis key that exists while `jti` is revoked (also for a caller reading it in a round trip of its own). */
  keyOf(jti: string): string {
    return `${this.config.redis.prefix}:revoked-jti:${jti}`;
  }
}
