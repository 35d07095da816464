#!/usr/bin/env bash
# Brings a fresh machine (Debian, Node 20, root for apt) to the point where the product runs:
# the system tools it uses at run time, a reachable Redis, the npm packages from the lock file,
# a build. Test-only tools are installed by test-setup.sh (npm test). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Does anything answer PING at REDIS_URL? (node, not redis-cli: the client may not be installed)
redis_answers() {
  node -e '
    const u = new URL(process.env.REDIS_URL || "redis://127.0.0.1:6379/0");
    const s = require("net").connect(Number(u.port || 6379), u.hostname);
    s.setTimeout(2000, () => process.exit(1));
    s.on("error", () => process.exit(1));
    s.on("connect", () => s.write("PING\r\n"));
    s.on("data", () => process.exit(0));'
}

need_apt=()
# pdfinfo/pdftotext read PDF metadata and text during inspection.
command -v pdfinfo >/dev/null || need_apt+=(poppler-utils)
have_redis=true
redis_answers || have_redis=false
if ! $have_redis && ! command -v redis-server >/dev/null; then need_apt+=(redis-server); fi
bash ops/scripts/apt-install.sh "needed to run" "${need_apt[@]}"

# A Redis for the queues: use the one at REDIS_URL if it answers, else start a local one.
if ! $have_redis; then
  echo "setup: no Redis answers at ${REDIS_URL:-redis://127.0.0.1:6379/0}; starting a local redis-server on 127.0.0.1:6379 (data in data/redis)"
  mkdir -p data/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$PWD/data/redis" \
    --appendonly yes --maxmemory-policy noeviction --logfile "$PWD/data/redis/redis.log"
  for _ in $(seq 1 50); do redis_answers && break; sleep 0.1; done
fi

# npm ci installs exactly the lock file and never rewrites it (a clean clone stays clean).
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm packages from package-lock.json (npm ci)"
  npm ci --no-audit --no-fund
fi
echo "setup: building (tsc)"
npm run --silent build
