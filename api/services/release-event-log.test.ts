import { createRedis, Redis, whenReady } from '../../lib/redis';
import { createTestEnv, TestEnv } from '../../test/support/test-env';
import { compareStreamIds, isStreamId, ReleaseEvent, ReleaseEventLog } from './release-event-log';

/**
 * The release event log on real Redis (a stream under the test's own prefix): what a browser's
 * Last-Event-ID resumes from, how a trimmed-away id is told apart, and the cap that keeps the
 * stream small. The live stream over HTTP is test/webapp-api.test.ts.
 */
let env: TestEnv;
let redis: Redis;
let reader: Redis;
let log: ReleaseEventLog;

const deleted = (n: number): ReleaseEvent => ({ type: 'release-deleted', releaseId: `release-${n}`, userId: n });

beforeAll(async () => {
  env = await createTestEnv();
  [redis, reader] = [createRedis(env.config, 'producer'), createRedis(env.config, 'worker')];
  await Promise.all([whenReady(redis, 5000), whenReady(reader, 5000)]);
  log = new ReleaseEventLog(env.config, redis);
});
afterAll(async () => {
  redis.disconnect();
  reader.disconnect();
  await env.cleanup();
});
beforeEach(() => redis.del(log.key));

describe('stream ids', () => {
  it('orders ids by their time, then their sequence, as numbers (not text) and beyond 2^53', () => {
    const sorted = ['0-0', '0-1', '5-9', '5-10', '9-0', '10-0', '1700000000000-0', '18446744073709551614-0', '18446744073709551615-0', '18446744073709551615-18446744073709551615'];
    expect([...sorted].reverse().sort(compareStreamIds)).toEqual(sorted);
    for (const id of sorted) expect(compareStreamIds(id, id)).toBe(0);
    expect(compareStreamIds('5-10', '5-9')).toBe(1);
    expect(compareStreamIds('5-9', '5-10')).toBe(-1);
    expect(compareStreamIds('10-0', '9-99')).toBe(1);
  });

  it('accepts only "digits-digits" of at most 20 digits each as an id', () => {
    for (const id of ['0-0', '1700000000000-12', `${'9'.repeat(20)}-${'9'.repeat(20)}`]) expect(isStreamId(id)).toBe(true);
    for (const id of ['', '1', '1-', '-1', 'a-b', '1-2-3', ' 1-2', '1-2 ', `${'1'.repeat(21)}-0`, `0-${'1'.repeat(21)}`, '$', '>']) expect(isStreamId(id)).toBe(false);
  });
});

describe('the log', () => {
  it('starts at 0-0, appends events in order, and gives those after an id with no gap', async () => {
    expect(await log.lastId()).toBe('0-0');
    const ids = [await log.append(deleted(1)), await log.append(deleted(2)), await log.append(deleted(3))];
    expect(ids.every(isStreamId)).toBe(true);
    expect([...ids].sort(compareStreamIds)).toEqual(ids);
    expect(await log.lastId()).toBe(ids[2]);
    expect(await log.since(ids[0])).toEqual({ events: [{ id: ids[1], event: deleted(2) }, { id: ids[2], event: deleted(3) }], gap: false });
    expect(await log.since(ids[2])).toEqual({ events: [], gap: false });
  });

  it('says there is a gap when the id asked for was trimmed away, and still gives what is left after it', async () => {
    const ids = [];
    for (let n = 1; n <= 4; n++) ids.push(await log.append(deleted(n)));
    await redis.xtrim(log.key, 'MAXLEN', 2);
    expect(await log.since(ids[0])).toEqual({ events: [{ id: ids[2], event: deleted(3) }, { id: ids[3], event: deleted(4) }], gap: true });
    // The oldest entry left is no gap: nothing after it was lost.
    expect((await log.since(ids[2])).gap).toBe(false);
    // A client that saw the log empty ('0-0') has missed what was trimmed since.
    expect(await log.since('0-0')).toEqual({ events: [{ id: ids[2], event: deleted(3) }, { id: ids[3], event: deleted(4) }], gap: true });
  });

  it('gives a client that saw the log empty everything since, with no gap while nothing was trimmed', async () => {
    const ids = [await log.append(deleted(1)), await log.append(deleted(2))];
    expect(await log.since('0-0')).toEqual({ events: [{ id: ids[0], event: deleted(1) }, { id: ids[1], event: deleted(2) }], gap: false });
  });

  it('tells a gap to a client whose log is gone (Redis emptied), and none to one that saw it empty', async () => {
    const id = await log.append(deleted(1));
    await redis.del(log.key);
    expect(await log.since(id)).toEqual({ events: [], gap: true });
    expect(await log.since('0-0')).toEqual({ events: [], gap: false });
  });

  it('keeps each install to its own log: another prefix on the same Redis sees none of it', async () => {
    const other = new ReleaseEventLog({ ...env.config, redis: { ...env.config.redis, prefix: `${env.config.redis.prefix}-other` } }, redis);
    try {
      await log.append(deleted(1));
      expect(await other.lastId()).toBe('0-0');
      expect(await other.since('0-0')).toEqual({ events: [], gap: false });
    } finally {
      await redis.del(other.key);
    }
  });

  it('keeps about the last 2,000 events', async () => {
    for (let start = 0; start < 2500; start += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, i) => log.append(deleted(start + i))));
    }
    const length = await redis.xlen(log.key);
    // Trimmed in whole stream nodes (MAXLEN ~): at least the cap, less than a node more.
    expect(length).toBeGreaterThanOrEqual(2000);
    expect(length).toBeLessThan(2200);
  });

  it('blocks a reader until an event comes, or answers none when the wait is over', async () => {
    const from = await log.lastId();
    expect(await log.read(reader, from, 100)).toEqual([]);
    const waiting = log.read(reader, from, 5000);
    await new Promise((r) => setTimeout(r, 50));
    const id = await log.append(deleted(7));
    expect(await waiting).toEqual([{ id, event: deleted(7) }]);
  });
});
