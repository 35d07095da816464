#!/usr/bin/env bash
# Restore a backup made by backup.sh, with the service's environment loaded:
#   ops/scripts/restore.sh backups/db-<stamp>.sql.gz [backups/uploads-<stamp>.tar.gz] [backups/releases-<stamp>.tar.gz]
# Stop the API and workers first (pm2 stop all / systemctl stop ebook-scene-packer), and run
# `node dist/db/cli.js migrate:latest` after it. The database is put back exactly as dumped: every
# table it has now is dropped first (a later migration's tables would otherwise stay and break the
# next migrate:latest). Each tarball goes into the folder its name says (UPLOAD_FOLDER, RELEASES_FOLDER).
set -euo pipefail
dump="${1:?give the db-<stamp>.sql.gz file, then any uploads-/releases-<stamp>.tar.gz files}"
shift
data="${DATA_DIR:-data}"
source "$(dirname "$0")/mysql-credentials.sh"

# Check every file before touching anything: a truncated dump would leave a half-restored database.
gzip -t "$dump" || { echo "restore.sh: $dump is not a whole gzip file; nothing restored" >&2; exit 1; }
if ! gunzip -c "$dump" | tail -n 1 | grep -q '^-- Dump completed'; then
  echo "restore.sh: $dump does not end with mysqldump's '-- Dump completed' line (cut short?); nothing restored" >&2
  exit 1
fi
targets=()
for tarball in "$@"; do
  case "$(basename "$tarball")" in
    uploads-*.tar.gz) targets+=("${UPLOAD_FOLDER:-$data/uploads}") ;;
    releases-*.tar.gz) targets+=("${RELEASES_FOLDER:-$data/releases}") ;;
    *) echo "restore.sh: $tarball is neither uploads-<stamp>.tar.gz nor releases-<stamp>.tar.gz; nothing restored" >&2; exit 1 ;;
  esac
  tar -tzf "$tarball" > /dev/null || { echo "restore.sh: $tarball is damaged; nothing restored" >&2; exit 1; }
done

# Drop every table and view, then load the dump, in one session with foreign key checks off.
drops="$(mysql --defaults-extra-file="$cnf" -N -B "$db_name" -e "
  SELECT CONCAT('DROP ', IF(table_type = 'VIEW', 'VIEW', 'TABLE'), ' \`', REPLACE(table_name, '\`', '\`\`'), '\`;')
  FROM information_schema.tables WHERE table_schema = DATABASE()")"
{ echo 'SET FOREIGN_KEY_CHECKS = 0;'; echo "$drops"; echo 'SET FOREIGN_KEY_CHECKS = 1;'; gunzip -c "$dump"; } |
  mysql --defaults-extra-file="$cnf" "$db_name"
echo "database restored from $dump"

# Backups hold each folder's content (older ones the folder itself): either way, dropping the
# first path component puts it into the target folder, whatever that folder is called.
tarballs=("$@")
for i in "${!targets[@]}"; do
  mkdir -p "${targets[$i]}"
  tar -C "${targets[$i]}" --strip-components=1 -xzf "${tarballs[$i]}"
  echo "restored ${targets[$i]} from ${tarballs[$i]}"
done
