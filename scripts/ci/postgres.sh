#!/usr/bin/env bash
# A real PostgreSQL for the hellosign-oauth/postgres tests (issue 16): installs the Debian
# postgresql package if missing, starts a throwaway cluster (password auth, fsync off) on a free
# loopback port and sets PG_URL. Source it (`. scripts/ci/postgres.sh`) to get PG_URL exported and
# the cluster stopped and deleted when the calling shell exits; run it directly to start one and
# print PG_URL. Without PG_URL the tests start their own cluster, so only the package is strictly
# needed (and the tests that restart PostgreSQL always start their own).
set -euo pipefail

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -n 1; }

if [ -z "$(pg_bin)" ] || [ ! -x "$(pg_bin)/initdb" ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  # The cluster the package creates and starts is not used; the tests want their own.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y postgresql
fi
pg_bindir="$(pg_bin)"

# PostgreSQL refuses to run as root: as root, run its tools as the postgres user.
as_pg=()
[ "$(id -u)" -ne 0 ] || as_pg=(runuser -u postgres --)

pg_dir="$(mktemp -d "${TMPDIR:-/tmp}/hellosign-oauth-pg-XXXXXX")"
[ "$(id -u)" -ne 0 ] || chown postgres: "$pg_dir"
pg_password="$(node -e "console.log(require('crypto').randomBytes(12).toString('hex'))")"
# The password reaches initdb in a file, never on a command line.
(umask 077 && printf '%s\n' "$pg_password" >"$pg_dir/password")
[ "$(id -u)" -ne 0 ] || chown postgres: "$pg_dir/password"
"${as_pg[@]}" "$pg_bindir/initdb" -D "$pg_dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
  --pwfile="$pg_dir/password" --no-sync -E UTF8 --locale=C >"$pg_dir/initdb.log"
rm -f "$pg_dir/password"

pg_port="$(node -e "const s = require('net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); })")"
"${as_pg[@]}" "$pg_bindir/pg_ctl" start -w -t 60 -D "$pg_dir/data" -l "$pg_dir/log" \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null \
  || { cat "$pg_dir/log" >&2; echo "PostgreSQL did not start on port $pg_port" >&2; exit 1; }

export PG_URL="postgres://postgres:$pg_password@127.0.0.1:$pg_port/postgres"
echo "PG_URL=postgres://postgres:***@127.0.0.1:$pg_port/postgres ($("$pg_bindir/postgres" --version))"
if [ "${BASH_SOURCE[0]}" != "$0" ]; then
  # Runs after whatever EXIT trap is already set (redis.sh's), instead of replacing it.
  pg_stop="${as_pg[*]} $pg_bindir/pg_ctl stop -D $pg_dir/data -m immediate >/dev/null 2>&1 || true; rm -rf $pg_dir"
  previous_trap="$(trap -p EXIT | sed -E "s/^trap -- '(.*)' EXIT$/\1/")"
  # shellcheck disable=SC2064  # the paths are fixed now, on purpose
  trap "$pg_stop${previous_trap:+; $previous_trap}" EXIT
fi
