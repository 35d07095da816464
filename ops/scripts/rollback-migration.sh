#!/usr/bin/env bash
# Undo the latest database migration (the plan's `flask db downgrade -1`). Back up first, and run it
# with the service's environment loaded: set -a; . ./.env.production; set +a
set -euo pipefail
cd "$(dirname "$0")/../.."
# Without DATABASE_URL the CLI would open (and create) a SQLite file under DATA_DIR, find nothing to
# undo and succeed, while production's database is untouched: refuse unless that file already exists.
sqlite="${DATA_DIR:-data}/ebook-scene-packer.sqlite"
case "${DATABASE_URL:-}" in
  '') [ -f "$sqlite" ] || { echo "rollback-migration.sh: DATABASE_URL is not set and there is no SQLite database at $sqlite; load the service's environment first: set -a; . ./.env.production; set +a" >&2; exit 1; } ;;
  sqlite:*) sqlite="${DATABASE_URL#sqlite:}"; sqlite="${sqlite#//}"
    [ -f "$sqlite" ] || { echo "rollback-migration.sh: DATABASE_URL names the SQLite database $sqlite, which does not exist; nothing undone" >&2; exit 1; } ;;
esac
node dist/db/cli.js migrate:status
node dist/db/cli.js migrate:down
node dist/db/cli.js migrate:status
