#!/usr/bin/env bash
# Undo the latest database migration (the plan's `flask db downgrade -1`). Back up first.
set -euo pipefail
cd "$(dirname "$0")/../.."
node dist/db/cli.js migrate:status
node dist/db/cli.js migrate:down
node dist/db/cli.js migrate:status
