#!/usr/bin/env bash
# Backup (deployment plan, rollback section): a mysqldump of the database and tarballs of the
# uploads and releases folders, into BACKUP_DIR (default ./backups), stamped with the time.
# Run with the service's environment (docs/DEPLOYMENT.md):
#   set -a; . ./.env.production; set +a; ops/scripts/backup.sh
set -euo pipefail
# The dump holds password and token hashes and sealed secrets: owner-only files and folder.
umask 077
source "$(dirname "$0")/mysql-credentials.sh"
data="${DATA_DIR:-data}"
uploads="${UPLOAD_FOLDER:-$data/uploads}"
releases="${RELEASES_FOLDER:-$data/releases}"
out="${BACKUP_DIR:-backups}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
chmod 700 "$out"

# Claim the stamp by creating the dump's name exclusively (noclobber): a second backup in the
# same second is refused instead of overwriting this one.
if ! (set -C; : > "$out/db-$stamp.sql.gz") 2>/dev/null; then
  echo "backup.sh: a backup stamped $stamp already exists in $out; try again in a second" >&2
  exit 1
fi
# From here on a failure removes this stamp's files (partial ones included), and the option file.
# shellcheck disable=SC2154 # rc is assigned inside the trap
trap 'rc=$?; rm -f "$cnf"; [ "$rc" = 0 ] || rm -f "$out"/*-"$stamp".*' EXIT

mysqldump --defaults-extra-file="$cnf" --single-transaction --routines --triggers "$db_name" | gzip > "$out/db-$stamp.sql.gz.tmp"
mv "$out/db-$stamp.sql.gz.tmp" "$out/db-$stamp.sql.gz"
written="$out/db-$stamp.sql.gz"

# Each folder's content (not the folder itself), so restore.sh can put it in a folder of any name.
# Work in progress (.partial uploads, .incoming releases) is left out.
archive() { # name folder
  if [ -d "$2" ]; then
    tar -C "$2" -czf "$out/$1-$stamp.tar.gz.tmp" --exclude=.partial --exclude=.incoming .
    mv "$out/$1-$stamp.tar.gz.tmp" "$out/$1-$stamp.tar.gz"
    written+=" $out/$1-$stamp.tar.gz"
  else
    echo "backup.sh: no $1 folder at $2, not archived" >&2
  fi
}
archive uploads "$uploads"
archive releases "$releases"
echo "backup written: $written"
