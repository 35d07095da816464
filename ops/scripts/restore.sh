#!/usr/bin/env bash
# Restore a backup made by backup.sh: ops/scripts/restore.sh backups/db-<stamp>.sql.gz [backups/releases-<stamp>.tar.gz]
# Stop the API and workers first (pm2 stop all / systemctl stop ebook-scene-packer).
set -euo pipefail
dump="${1:?give the db-<stamp>.sql.gz file}"
tarball="${2:-}"
releases="${RELEASES_FOLDER:-data/releases}"

source "$(dirname "$0")/mysql-credentials.sh"

gunzip -c "$dump" | mysql --defaults-extra-file="$cnf" "$db_name"
echo "database restored from $dump"
if [ -n "$tarball" ]; then
  mkdir -p "$(dirname "$releases")"
  tar -C "$(dirname "$releases")" -xzf "$tarball"
  echo "releases restored from $tarball"
fi
