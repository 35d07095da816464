#!/usr/bin/env bash
# The test command (npm test): sets up (runtime, then test-only tools), type-checks, then runs
# every suite on SQLite and again on MySQL/MariaDB (TEST_MYSQL_URL, default root@127.0.0.1:3306/test)
# with merged coverage checked per folder, runs the mutation smoke and the bench smoke, and fails if
# the tests left keys in Redis.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash ops/scripts/setup.sh
bash ops/scripts/test-setup.sh
npm run --silent typecheck

mysql_url="${TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/test}"
if ! node -e "require('mysql2/promise').createConnection('$mysql_url').then(c => c.end(), () => process.exit(1))"; then
  echo "test: no MySQL/MariaDB at $mysql_url; start one (start-stop-daemon --start --background --exec /usr/sbin/mariadbd) or set TEST_MYSQL_URL" >&2
  exit 1
fi

if docker compose version >/dev/null 2>&1; then
  echo "== docker compose config =="
  MYSQL_PASSWORD=check MYSQL_ROOT_PASSWORD=check docker compose -f docker-compose.prod.yml --env-file .env.example config -q
else
  echo "== docker compose config: skipped, no compose client on this machine (the file is parsed as YAML by the tests) =="
fi

keys_before="$(mktemp)"
trap 'rm -f "$keys_before"' EXIT
node ops/scripts/check-test-keys.js --snapshot "$keys_before"

# Coverage on both databases: jest's own (v8 provider) per run, plus the worker/scheduler child
# processes' (CHILD_V8_COVERAGE), merged and checked per folder by test/coverage/merge-coverage.js.
rm -rf coverage && mkdir -p coverage/children-raw
export CHILD_V8_COVERAGE="$PWD/coverage/children-raw"
echo "== jest on SQLite (with coverage) =="
TEST_DB=sqlite npx jest --coverage --coverageDirectory coverage/sqlite "$@"
echo "== jest on MySQL/MariaDB (with coverage) =="
TEST_DB=mysql TEST_MYSQL_URL="$mysql_url" npx jest --coverage --coverageDirectory coverage/mysql "$@"
echo "== coverage: merged, thresholds per folder =="
npx c8 report >/dev/null && node test/coverage/merge-coverage.js
echo "== mutation smoke: one safeguard module under Stryker (npm run mutate runs them all) =="
npm run --silent mutate:smoke
echo "== bench smoke: every bench section at small sizes (figures are judged by npm run bench, not here) =="
node dist/bench/run.js --smoke
echo "== Redis left clean by the tests =="
node ops/scripts/check-test-keys.js --since "$keys_before"
