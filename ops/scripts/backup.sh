#!/usr/bin/env bash
# Backup (deployment plan, rollback section): a mysqldump of the database and a tarball of the
# releases folder, into BACKUP_DIR (default ./backups), stamped with the time.
#   DATABASE_URL=mysql://user:pass@host:3306/db RELEASES_FOLDER=/var/www/releases ops/scripts/backup.sh
set -euo pipefail
releases="${RELEASES_FOLDER:-data/releases}"
out="${BACKUP_DIR:-backups}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"

source "$(dirname "$0")/mysql-credentials.sh"

mysqldump --defaults-extra-file="$cnf" --single-transaction --routines --triggers "$db_name" | gzip > "$out/db-$stamp.sql.gz.tmp"
mv "$out/db-$stamp.sql.gz.tmp" "$out/db-$stamp.sql.gz"
if [ -d "$releases" ]; then
  tar -C "$(dirname "$releases")" -czf "$out/releases-$stamp.tar.gz.tmp" --exclude='.incoming' "$(basename "$releases")"
  mv "$out/releases-$stamp.tar.gz.tmp" "$out/releases-$stamp.tar.gz"
fi
echo "backup written: $out/db-$stamp.sql.gz${releases:+ and $out/releases-$stamp.tar.gz}"
