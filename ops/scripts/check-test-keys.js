// Fails (exit 1) when keys of test runs ({esp-test-*}, {esp-bench*}) remain in the tests' Redis
// (TEST_REDIS_URL, default db 0): every test cleans up what it creates.
const IORedis = require('ioredis');

const PATTERNS = ['{esp-test-*', '{esp-bench*'];

(async () => {
  const redis = new IORedis(process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/0', { maxRetriesPerRequest: 1 });
  const left = [];
  for (const pattern of PATTERNS) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      left.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  redis.disconnect();
  if (left.length > 0) {
    const prefixes = [...new Set(left.map((k) => k.slice(0, k.indexOf('}') + 1)))];
    console.error(`test: ${left.length} keys left in Redis under ${prefixes.length} test prefix(es), e.g. ${left.slice(0, 5).join(', ')}`);
    process.exit(1);
  }
  console.log('test: no test keys left in Redis');
})().catch((err) => {
  console.error(`test: cannot check Redis for leftover keys: ${err.message}`);
  process.exit(1);
});
