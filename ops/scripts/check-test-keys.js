// Fails (exit 1) when keys of test runs ({esp-test-*}, {esp-bench*}) remain in the tests' Redis
// (TEST_REDIS_URL, default db 0): every test cleans up what it creates.
//   node check-test-keys.js --snapshot FILE   records the test prefixes present before a run
//   node check-test-keys.js --since FILE      fails only on prefixes that are not in FILE
// so keys of another run going on at the same time, or of an earlier interrupted one, are not
// blamed on this run.
const fs = require('node:fs');
const IORedis = require('ioredis');

const PATTERNS = ['{esp-test-*', '{esp-bench*'];
const [mode, file] = process.argv.slice(2);

async function testKeys() {
  const redis = new IORedis(process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379/0', { maxRetriesPerRequest: 1 });
  const keys = [];
  try {
    for (const pattern of PATTERNS) {
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        keys.push(...found);
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
  return keys;
}

const prefixOf = (key) => key.slice(0, key.indexOf('}') + 1);

(async () => {
  const keys = await testKeys();
  if (mode === '--snapshot') {
    fs.writeFileSync(file, JSON.stringify([...new Set(keys.map(prefixOf))]));
    return;
  }
  const before = new Set(mode === '--since' ? JSON.parse(fs.readFileSync(file, 'utf8')) : []);
  const left = keys.filter((key) => !before.has(prefixOf(key)));
  if (left.length > 0) {
    const prefixes = [...new Set(left.map(prefixOf))];
    console.error(`test: ${left.length} keys left in Redis under ${prefixes.length} test prefix(es), e.g. ${left.slice(0, 5).join(', ')}`);
    process.exit(1);
  }
  console.log('test: no test keys left in Redis');
})().catch((err) => {
  console.error(`test: cannot check Redis for leftover keys: ${err.message}`);
  process.exit(1);
});
