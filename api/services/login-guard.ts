import { createHash } from 'node:crypto';
import type { RateLimiterRedis } from 'rate-limiter-flexible';
import type { Config } from '../../lib/config';
import { ServiceUnavailableError, TooManyRequestsError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { loginFailures, loginLockouts } from '../../lib/metrics';
import type { Redis } from '../../lib/redis';
import { isLimitReached, redisLimiter, retryAfterSeconds } from '../../lib/redis-limiter';

const DAY_SECONDS = 86_400;

/** The account name as a short hash: no hint which accounts exist, and a password typed into the email field is never stored or logged. */
export const accountTag = (account: string): string => createHash('sha256').update(account.trim().toLowerCase()).digest('hex').slice(0, 16);

/**
 * Password-guessing protection for both login forms (API and console), in Redis.
 * - Lock-out per account AND IP: after `lockAfterFailures` consecutive failures for one account
 *   from one address, that pair is refused (429 ACCOUNT_LOCKED) for `lockSeconds`, doubling with
 *   each further lock within a day, up to `lockMaxSeconds`; a success clears it. Why this key:
 *   an account-only lock would let anyone lock the real admin out from anywhere, forever by
 *   repeating it; keyed with the IP it only stops the guesser's address, and bounded in time
 *   even a shared address is never locked for good. An admin lifts it at once (unlock).
 * - Per IP: `ipMaxFailures` failed logins (any accounts) within `ipWindowSeconds` block the
 *   address for that window (429 TOO_MANY_LOGIN_ATTEMPTS): one address cannot spray passwords
 *   across many accounts either.
 */
export class LoginGuard {
  private readonly accountFails: RateLimiterRedis;
  private readonly locks: RateLimiterRedis;
  private readonly ipFails: RateLimiterRedis;
  private readonly limits: Config['limits']['login'];

  constructor(
    private readonly config: Pick<Config, 'redis' | 'limits'>,
    private readonly redis: Redis,
    private readonly logger: Logger,
  ) {
    this.limits = config.limits.login;
    // Consecutive failures are forgotten after a quiet maximum lock time (or at the first success).
    this.accountFails = redisLimiter(config, redis, { name: 'login-fails', points: this.limits.lockAfterFailures, durationSeconds: this.limits.lockMaxSeconds });
    this.locks = redisLimiter(config, redis, { name: 'login-locks', points: Number.MAX_SAFE_INTEGER, durationSeconds: DAY_SECONDS });
    this.ipFails = redisLimiter(config, redis, { name: 'login-ip-fails', points: this.limits.ipMaxFailures, durationSeconds: this.limits.ipWindowSeconds });
  }

  /** Refuses a blocked address or a locked account/address pair; otherwise counts the attempt until it succeeds. */
  async admit(account: string, ip: string): Promise<void> {
    const fromIp = await this.ipFails.get(ip);
    if (fromIp && fromIp.consumedPoints > this.limits.ipMaxFailures) {
      throw new TooManyRequestsError('Too many failed logins from this address; try again later', 'TOO_MANY_LOGIN_ATTEMPTS', retryAfterSeconds(fromIp));
    }
    try {
      await this.accountFails.consume(pairKey(account, ip));
    } catch (err) {
      if (!isLimitReached(err)) throw err;
      throw new TooManyRequestsError('This account is locked for a while after repeated failed logins', 'ACCOUNT_LOCKED', retryAfterSeconds(err));
    }
  }

  async failed(account: string, ip: string): Promise<void> {
    const key = pairKey(account, ip);
    loginFailures.inc();
    const fromIp = await this.ipFails.penalty(ip);
    if (fromIp.consumedPoints >= this.limits.ipMaxFailures) await this.ipFails.block(ip, this.limits.ipWindowSeconds);
    if (fromIp.consumedPoints === this.limits.ipMaxFailures) loginLockouts.inc({ kind: 'address' });
    await this.rememberAddress(account, ip);
    const fails = await this.accountFails.get(key);
    if (!fails || fails.consumedPoints < this.limits.lockAfterFailures) return;
    const locksToday = (await this.locks.penalty(key)).consumedPoints;
    const seconds = Math.min(this.limits.lockSeconds * 2 ** (locksToday - 1), this.limits.lockMaxSeconds);
    await this.accountFails.block(key, seconds);
    loginLockouts.inc({ kind: 'account' });
    this.logger.warn('login locked after repeated failures', { account: accountTag(account), ip, seconds });
  }

  async succeeded(account: string, ip: string): Promise<void> {
    const key = pairKey(account, ip);
    await Promise.all([this.accountFails.delete(key), this.locks.delete(key)]);
  }

  /** Lifts every lock of the account, from every address; answers how many addresses it had failures from. */
  async unlock(account: string): Promise<number> {
    try {
      const addresses = await this.redis.smembers(this.addressesKey(account));
      for (const ip of addresses) await this.succeeded(account, ip);
      await this.redis.del(this.addressesKey(account));
      return addresses.length;
    } catch (err) {
      throw new ServiceUnavailableError(`Login locks cannot be lifted while Redis is unreachable: ${err instanceof Error ? err.message : err}`);
    }
  }

  /** The addresses an account failed from, so unlock finds every account/address pair without scanning Redis. */
  private async rememberAddress(account: string, ip: string): Promise<void> {
    const key = this.addressesKey(account);
    await this.redis
      .multi()
      .sadd(key, ip)
      .expire(key, DAY_SECONDS + this.limits.lockMaxSeconds)
      .exec()
      .catch((err: unknown) => this.logger.warn('login failure not recorded for unlock', { error: String(err) }));
  }

  private addressesKey(account: string): string {
    return `${this.config.redis.prefix}:rl:login-ips:${accountTag(account)}`;
  }
}

const pairKey = (account: string, ip: string) => `${accountTag(account)}:${ip}`;
