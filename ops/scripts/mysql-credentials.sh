# Sourced by backup.sh and restore.sh: turns DATABASE_URL into a private MySQL option file ($cnf,
# removed on exit) and the database name ($db_name), so no password appears on a command line.
# Refuses without a MySQL DATABASE_URL: run with the service's environment loaded
# (set -a; . ./.env.production; set +a), or these scripts would reach no database or the wrong one.
if [ -z "${DATABASE_URL:-}" ]; then
  echo "$(basename "$0"): DATABASE_URL is not set; load the service's environment first: set -a; . ./.env.production; set +a" >&2
  exit 1
fi
cnf="$(mktemp)"
trap 'rm -f "$cnf"' EXIT
# Option-file values in double quotes, with \ and " escaped: unquoted, a '#' starts a comment.
# shellcheck disable=SC2016,SC2034 # node's own template strings; db_name is for the sourcing script
db_name="$(node -e '
  const fs = require("node:fs");
  const url = process.env.DATABASE_URL;
  if (!/^(mysql|mysql2|mariadb)(\+\w+)?:\/\//.test(url)) {
    console.error(`${process.argv[2]}: DATABASE_URL is not a mysql:// URL; this script backs up and restores MySQL/MariaDB only (for SQLite, stop the services and copy the database file)`);
    process.exit(1);
  }
  const u = new URL(url.replace(/^\w+(\+\w+)?:/, "mysql:"));
  const q = (s) => `"${decodeURIComponent(s).replace(/[\\"]/g, "\\$&")}"`;
  const lines = ["[client]", `host=${q(u.hostname)}`, `port=${q(u.port || "3306")}`, `user=${q(u.username)}`, `password=${q(u.password)}`];
  fs.writeFileSync(process.argv[1], lines.join("\n") + "\n", { mode: 0o600 });
  console.log(decodeURIComponent(u.pathname.slice(1)));
' "$cnf" "$(basename "$0")")"
