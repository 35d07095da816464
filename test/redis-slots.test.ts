import path from 'node:path';
import IORedis from 'ioredis';
import { writeEpub } from '../jobs/inspect/fixtures/books';
import { startPrivateRedis, PrivateRedis } from './support/redis-server';
import { startTestApp, TestApp, TEST_PASSWORD } from './support/test-app';
import { startReadyWorker, startWorker, stopWorker, waitFor } from './support/worker-process';

/**
 * Redis Cluster readiness, checked on a private Redis that sees only this product: every key it
 * creates during logins, a release (its flow across queues, the catalogue cache and rate limits)
 * and a webhook notification carries the production prefix `{esp}`, so each queue's keys, and the
 * queues of one flow, share one hash slot; and no command outside BullMQ's own Lua scripts (nor a
 * MULTI of ours) names keys of two slots. Slots are computed as Redis Cluster does (CRC16/XMODEM of
 * the hash tag, mod 16384), since CLUSTER KEYSLOT needs a server in cluster mode.
 */
const PREFIX = '{esp}';

/** CRC16-CCITT (XMODEM), the checksum Redis Cluster hashes keys with. */
function crc16(data: Buffer): number {
  let crc = 0;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The cluster slot of a key: only the part inside the first non-empty {...} counts, when there is one. */
function keySlot(key: string): number {
  const open = key.indexOf('{');
  const close = open >= 0 ? key.indexOf('}', open + 1) : -1;
  const hashed = open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
  return crc16(Buffer.from(hashed)) % 16384;
}

let redis: PrivateRedis;
let app: TestApp;
let worker: ReturnType<typeof startWorker>;
let monitorClient: IORedis;
let monitor: IORedis;
let inspector: IORedis;
/** Every command the product sent, with the client that sent it and whether a Lua script did. */
const commands: { args: string[]; source: string; lua: boolean }[] = [];

beforeAll(async () => {
  redis = await startPrivateRedis();
  // The monitor starts while no other client talks to this Redis: a command echoed in the same
  // read as MONITOR's OK reaches ioredis before it has entered monitoring ("Command queue state
  // error"). So the client it is duplicated from never connects, and the inspector comes after.
  monitorClient = new IORedis(redis.url, { lazyConnect: true });
  monitor = await monitorClient.monitor();
  monitor.on('monitor', (_time: string, args: string[], source: string) => commands.push({ args, source, lua: /lua/i.test(source) }));
  inspector = new IORedis(redis.url);
  app = await startTestApp({ REDIS_URL: redis.url, QUEUE_PREFIX: PREFIX, LOGIN_LOCK_AFTER_FAILURES: '2' });
  worker = await startReadyWorker(app.env, app.context.queue);
}, 90_000);
afterAll(async () => {
  await stopWorker(worker);
  await app.close();
  monitor.disconnect();
  monitorClient.disconnect();
  inspector.disconnect();
  await redis.close();
});

describe('Redis Cluster slots', () => {
  it('computes slots as Redis Cluster does', () => {
    // Values from the Redis Cluster specification and `CLUSTER KEYSLOT` on a cluster.
    expect(keySlot('foo')).toBe(12182);
    expect(keySlot('bar')).toBe(5061);
    expect(keySlot('somekey')).toBe(11058);
    expect(keySlot('{user1000}.following')).toBe(keySlot('user1000'));
    // An empty first tag means the whole key is hashed.
    expect(keySlot('foo{}{bar}')).toBe(crc16(Buffer.from('foo{}{bar}')) % 16384);
    expect(keySlot('foo{}{bar}')).not.toBe(keySlot('bar'));
  });

  it('puts every key of logins, a release, its catalogue lookups and a webhook in one slot, and sends no cross-slot command', async () => {
    const { user, token } = await app.createUser('admin', 'slots@example.test');
    const login = (password: string) => app.http.post('/api/auth/login').send({ email: user.email, password });
    // Failed logins (guard counters and lock), a good one (rate limits, refresh token), a logout (denylist).
    for (let i = 0; i < 3; i++) await login('not the password');
    expect((await login(TEST_PASSWORD)).status).toBe(429);
    expect((await app.http.post(`/api/users/${user.id}/unlock`).set('Authorization', `Bearer ${token}`)).status).toBe(200);
    const session = (await login(TEST_PASSWORD)).body;
    expect((await app.http.post('/api/auth/logout').set('Authorization', `Bearer ${session.accessToken}`).send({ refreshToken: session.refreshToken })).status).toBeLessThan(300);

    // A webhook (whose receiver is down) so the notify queue gets a job, and a release through the flow.
    const hook = await app.http.post('/api/notifications/webhooks').set('Authorization', `Bearer ${token}`).send({ name: 'down', kind: 'slack', url: 'http://127.0.0.1:9/hook' });
    expect(hook.status).toBe(201);
    const book = path.join(app.dataDir, 'slots.epub');
    await writeEpub(book, { title: 'Slots And Tags', isbn: '9780547928227', date: '2019-05-02', publisher: 'Tor Books' });
    const uploadId = (await app.http.post('/api/uploads').set('Authorization', `Bearer ${token}`).attach('file', book)).body.upload.id;
    const requested = await app.http
      .post('/api/releases')
      .set('Authorization', `Bearer ${token}`)
      .send({ uploadId, options: { group: 'ESP', proofUrl: 'https://books.example.test/slots' } });
    expect(requested.status).toBe(202);
    await waitFor('the release to be packed', async () => (await app.http.get(`/api/releases/${requested.body.release.id}`).set('Authorization', `Bearer ${token}`)).body.release.state === 'done', 90_000);
    await waitFor('the notification to be tried', async () => (await inspector.keys(`${PREFIX}:notify:*`)).length > 0, 30_000);

    // Every key the product created is under the hash-tagged prefix: one slot for all of them.
    const keys = await inspector.keys('*');
    expect(keys.filter((k) => !k.startsWith(`${PREFIX}:`))).toEqual([]);
    const queues = ['upload', 'enrich', 'pack', 'notify'];
    const slotsByQueue = Object.fromEntries(queues.map((q) => [q, new Set(keys.filter((k) => k.startsWith(`${PREFIX}:${q}:`)).map(keySlot))]));
    for (const queue of queues) expect({ queue, slots: slotsByQueue[queue].size }).toEqual({ queue, slots: 1 });
    // The flow links upload (inspect) and enrich: BullMQ moves between them in one script, so one slot.
    expect([...slotsByQueue.upload]).toEqual([...slotsByQueue.enrich]);
    // Our own keys: rate limits, login guard, token denylist, provider cache and rate limiter.
    const own = keys.filter((k) => !queues.some((q) => k.startsWith(`${PREFIX}:${q}:`)));
    expect(own.some((k) => k.includes(':rl:'))).toBe(true);
    expect(new Set(own.map(keySlot))).toEqual(new Set([keySlot(PREFIX)]));

    // Commands: each one outside a Lua script names keys of one slot, and so does each MULTI block.
    // (The monitor stops first: the GETKEYS questions below are commands too.)
    monitor.disconnect();
    const sent = commands.filter((c) => !c.lua);
    const keysOf = new Map<string, string[]>();
    const crossSlot: string[] = [];
    const transactions = new Map<string, Set<number>>();
    for (const { args, source } of sent) {
      const name = args[0].toLowerCase();
      if (name === 'multi') transactions.set(source, new Set());
      if (name === 'multi' || name === 'monitor') continue;
      if (name === 'exec' || name === 'discard') {
        const slots = transactions.get(source);
        if (slots && slots.size > 1) crossSlot.push(`MULTI block of ${source}`);
        transactions.delete(source);
        continue;
      }
      const signature = JSON.stringify(args);
      if (!keysOf.has(signature)) keysOf.set(signature, args.length > 1 ? ((await inspector.call('COMMAND', 'GETKEYS', ...args).catch(() => [])) as string[]) : []);
      const commandKeys = keysOf.get(signature)!;
      const slots = new Set(commandKeys.map(keySlot));
      if (slots.size > 1) crossSlot.push(args.slice(0, 4).join(' '));
      for (const slot of slots) transactions.get(source)?.add(slot);
    }
    expect(crossSlot).toEqual([]);
    expect(sent.length).toBeGreaterThan(100);
  }, 180_000);
});
