#!/usr/bin/env bash
# The start command (npm start): sets up what running needs, migrates, seeds what a fresh install
# lacks (first admin, default group), runs the API, the worker pools and the scheduler under PM2
# in the foreground, and prints where everything is once /health answers ok. Ctrl+C stops it all.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash ops/scripts/setup.sh
node dist/db/cli.js migrate:latest
node dist/db/cli.js seed

npx --no-install pm2-runtime start ecosystem.config.js &
pm2=$!
node dist/db/cli.js banner &
banner=$!
# Ctrl+C reaches pm2-runtime directly (same process group); TERM from elsewhere is passed on.
trap 'kill -TERM "$pm2" 2>/dev/null || true' TERM
trap 'kill "$banner" 2>/dev/null || true' EXIT
status=0
wait "$pm2" || status=$?
# A TERM trapped while waiting interrupts `wait`; wait again for PM2's own clean stop.
if kill -0 "$pm2" 2>/dev/null; then wait "$pm2" || status=$?; fi
exit "$status"
