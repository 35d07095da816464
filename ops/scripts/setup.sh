#!/usr/bin/env bash
# Brings a fresh machine (Debian, Node 20, root) to the point where the product runs and its tests
# pass: system tools, npm packages, a reachable Redis, a build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

need_apt=()
command -v redis-server >/dev/null || need_apt+=(redis-server)
command -v pdfinfo >/dev/null || need_apt+=(poppler-utils)
command -v 7z >/dev/null || need_apt+=(p7zip-full)
command -v cksfv >/dev/null || need_apt+=(cksfv)
command -v unzip >/dev/null || need_apt+=(unzip)
command -v zip >/dev/null || need_apt+=(zip)
[ -e /usr/bin/epubcheck ] || need_apt+=(epubcheck)
[ -x /usr/bin/time ] || need_apt+=(time)
# Headless browser for the console tests (driven by playwright-core; no browser download).
command -v chromium >/dev/null || need_apt+=(chromium)
# Distribution tests run real FTP/FTPS and SFTP servers.
[ -x /usr/sbin/pure-ftpd ] || need_apt+=(pure-ftpd)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)
command -v ssh-keygen >/dev/null || need_apt+=(openssh-client)
command -v openssl >/dev/null || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  if [ "$(id -u)" -ne 0 ]; then echo "setup: run as root (or install: ${need_apt[*]})" >&2; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# A Redis for the queues: use the one at REDIS_URL if it answers, else start a local one.
redis_url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
if ! redis-cli -u "$redis_url" ping >/dev/null 2>&1; then
  echo "setup: starting a local redis-server on 127.0.0.1:6379"
  mkdir -p data/redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$PWD/data/redis" \
    --appendonly yes --maxmemory-policy noeviction --logfile "$PWD/data/redis/redis.log"
  for _ in $(seq 1 50); do redis-cli -u "$redis_url" ping >/dev/null 2>&1 && break; sleep 0.1; done
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` rather than `npm ci`: npm 11 records no platform-specific optional packages
  # (swc, msgpackr) in this lock file, and `npm ci` refuses such a lock on every platform.
  npm install --no-audit --no-fund
fi
npm run --silent build
