#!/usr/bin/env bash
# The start command (npm start): sets up what running needs, migrates, seeds what a fresh install
# lacks (first admin, default group), runs the API, the worker pools and the scheduler under PM2
# in the foreground, and prints where everything is once /health answers ok. Ctrl+C stops it all.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash ops/scripts/setup.sh
node dist/db/cli.js migrate:latest
node dist/db/cli.js seed

# The banner waits in the background for /health; PM2 takes this shell's place in the foreground,
# so Ctrl+C and TERM reach it directly and it stops every process cleanly.
node dist/db/cli.js banner &
exec node_modules/.bin/pm2-runtime start ecosystem.config.js
