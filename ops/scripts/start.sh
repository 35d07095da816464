#!/usr/bin/env bash
# The start command (npm start): sets up, migrates, seeds the first admin if there is none, then
# runs the API, the worker pools and the scheduler under PM2 in the foreground.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash ops/scripts/setup.sh
node dist/db/cli.js migrate:latest
node dist/db/cli.js seed:admin
exec npx pm2-runtime start ecosystem.config.js
