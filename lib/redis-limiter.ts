import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from './config';
import type { Redis } from './redis';

export interface LimiterSpec {
  /** Part of the Redis key: `<QUEUE_PREFIX>:rl:<name>:<key>`. */
  name: string;
  points: number;
  durationSeconds: number;
}

/**
 * A counter in Redis shared by every API process, under the app's key prefix (so each test file's
 * keys are its own). While Redis is unreachable an in-process counter with the same budget takes
 * over: limits keep holding per process instead of failing every request.
 */
export function redisLimiter(config: Pick<Config, 'redis'>, redis: Redis, spec: LimiterSpec): RateLimiterRedis {
  return new RateLimiterRedis({
    points: spec.points,
    duration: spec.durationSeconds,
    storeClient: redis,
    keyPrefix: keyPrefixOf(config, spec),
    rejectIfRedisNotReady: true,
    insuranceLimiter: insuranceOf(spec),
  });
}

/** Where a budget's counters live in Redis (RateLimiterRedis appends `:<key>`). */
const keyPrefixOf = (config: Pick<Config, 'redis'>, spec: LimiterSpec): string => `${config.redis.prefix}:rl:${spec.name}`;

/** The in-process counter with the budget's points and window that answers while Redis is unreachable. */
const insuranceOf = (spec: LimiterSpec): RateLimiterMemory => new RateLimiterMemory({ points: spec.points, duration: spec.durationSeconds, keyPrefix: spec.name });

/** A refusal by the limiter (as opposed to a Redis failure the insurance could not absorb). */
export const isLimitReached = (err: unknown): err is RateLimiterRes => err instanceof RateLimiterRes;

export const retryAfterSeconds = (res: Pick<RateLimiterRes, 'msBeforeNext'>): number => Math.max(1, Math.ceil(res.msBeforeNext / 1000));

/**
 * KEYS: the counters to charge, in order, then keys to look up. ARGV: how many counters, then each
 * one's points and window (seconds). Each counter is charged as RateLimiterRedis's script does it
 * (created at 0 with the window as its expiry, incremented, its expiry restored if it has none);
 * the first one past its points stops the chain. Answers {refused counter (1-based) or 0, its
 * milliseconds left, then 1 or 0 for each looked-up key}.
 */
const CHAIN_LUA = `
local counters = tonumber(ARGV[1])
local refused, wait = 0, 0
for i = 1, counters do
  local points, seconds = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('set', KEYS[i], 0, 'EX', seconds, 'NX')
  local consumed = redis.call('incrby', KEYS[i], 1)
  local ttl = redis.call('pttl', KEYS[i])
  if ttl == -1 then
    redis.call('expire', KEYS[i], seconds)
    ttl = 1000 * seconds
  end
  if consumed > points then
    refused, wait = i, ttl
    break
  end
end
local answer = {refused, wait}
for i = counters + 1, #KEYS do
  answer[#answer + 1] = redis.call('exists', KEYS[i])
end
return answer
`;

type ChainCommand = { espLimiterChain(numberOfKeys: number, ...args: (string | number)[]): Promise<number[]> };

export interface ChainAnswer {
  /** The budget (its index in the chain) that refused, and the milliseconds before its window ends. */
  refused?: { index: number; msBeforeNext: number };
  /** Whether each looked-up key exists; undefined when Redis could not answer (the insurance counted). */
  exists?: boolean[];
}

/**
 * Budgets one caller spends in order (an address, then a user), in one Redis round trip: one point
 * of each, as a RateLimiterRedis per budget would count it (the same keys and counting, shared by
 * every API process), stopping at the first budget spent, so a request refused by one budget costs
 * the later ones nothing. Keys the caller needs to read anyway can be looked up in the same trip.
 * While Redis is unreachable an in-process counter per budget takes over, as in redisLimiter.
 */
export class RedisLimiterChain {
  private readonly insurance: RateLimiterMemory[];

  constructor(
    private readonly config: Pick<Config, 'redis'>,
    private readonly redis: Redis,
    private readonly specs: LimiterSpec[],
  ) {
    this.insurance = specs.map(insuranceOf);
    // One definition per client, however many chains share it.
    if (!('espLimiterChain' in redis)) redis.defineCommand('espLimiterChain', { lua: CHAIN_LUA });
  }

  /** Charges `keys[i]` against budget i (an undefined key skips that budget); `lookUp`: keys whose existence to report. */
  async consume(keys: (string | undefined)[], lookUp: string[] = []): Promise<ChainAnswer> {
    const charged = this.specs.flatMap((_spec, i) => (keys[i] === undefined ? [] : [i]));
    if (this.redis.status === 'ready') {
      try {
        const counters = charged.map((i) => `${keyPrefixOf(this.config, this.specs[i])}:${keys[i]}`);
        const budgets = charged.flatMap((i) => [this.specs[i].points, this.specs[i].durationSeconds]);
        const [refused, ms, ...found] = await (this.redis as unknown as ChainCommand).espLimiterChain(counters.length + lookUp.length, ...counters, ...lookUp, charged.length, ...budgets);
        return { refused: refused ? { index: charged[refused - 1], msBeforeNext: ms } : undefined, exists: found.map((n) => n === 1) };
      } catch {
        // Redis failed the call: the in-process counters answer instead.
      }
    }
    for (const i of charged) {
      try {
        await this.insurance[i].consume(keys[i]!);
      } catch (err) {
        if (isLimitReached(err)) return { refused: { index: i, msBeforeNext: err.msBeforeNext } };
        throw err;
      }
    }
    return {};
  }
}
