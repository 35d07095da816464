# Sourced by backup.sh and restore.sh: turns DATABASE_URL into a private MySQL option file ($cnf,
# removed on exit) and the database name ($db_name), so no password appears on a command line.
: "${DATABASE_URL:?set DATABASE_URL (mysql://user:password@host:port/database)}"
eval "$(node -e '
  const u = new URL(process.env.DATABASE_URL.replace(/^mysql\+\w+:/, "mysql:"));
  const q = (s) => `'"'"'${decodeURIComponent(s).replace(/'"'"'/g, `'"'"'\\'"'"''"'"'`)}'"'"'`;
  console.log(`db_host=${q(u.hostname)} db_port=${q(u.port || "3306")} db_user=${q(u.username)} db_pass=${q(u.password)} db_name=${q(u.pathname.slice(1))}`);
')"
cnf="$(mktemp)"
trap 'rm -f "$cnf"' EXIT
chmod 600 "$cnf"
printf '[client]\nhost=%s\nport=%s\nuser=%s\npassword=%s\n' "$db_host" "$db_port" "$db_user" "$db_pass" > "$cnf"
unset db_pass
