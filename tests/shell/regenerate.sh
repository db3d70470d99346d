#!/usr/bin/env bash
# Writes the expected output of the shell scripts in this directory (`*.sql` →
# `expected/*.out`) from psql 15 against a throw-away PostgreSQL 15 server: each script runs
# as `psql -X -f SCRIPT` (from this directory, stderr merged into stdout) against a fresh
# database, exactly as pgwire-server/tests/shell.rs runs `quill shell DIR -f SCRIPT`. psql's
# `psql:` message prefix becomes `quill:`, the shell's name.
#
#   tests/shell/regenerate.sh                 # every script here
#   tests/shell/regenerate.sh basics.sql
#
# The server is set up as tests/psql/regenerate.sh sets one up: run as user `postgres` when
# this script runs as root; a fresh temporary directory; a Unix socket there; stopped and
# removed on exit; encoding UTF8, locale C.UTF-8, TimeZone UTC, DateStyle ISO.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  files=(*.sql)
fi

pgbin=/usr/lib/postgresql/15/bin
if [ ! -x "$pgbin/postgres" ]; then
  echo "PostgreSQL 15 is not installed in $pgbin" >&2
  exit 1
fi
command -v psql >/dev/null || { echo "psql is not installed" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
else
  as_pg() { "$@"; }
fi

tmp="$(mktemp -d /tmp/quill-shell.XXXXXX)"
port=55435
datadir="$tmp/data"
started=0
cleanup() {
  if [ "$started" -eq 1 ]; then
    as_pg "$pgbin/pg_ctl" -D "$datadir" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
[ "$(id -u)" -eq 0 ] && chown postgres "$tmp"

as_pg "$pgbin/initdb" -D "$datadir" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$datadir" -l "$tmp/server.log" -w \
  -o "-p $port -k $tmp -c listen_addresses='' -c fsync=off -c timezone=UTC -c datestyle='ISO, MDY'" \
  start >/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
started=1

mkdir -p expected
for f in "${files[@]}"; do
  psql -X -q -h "$tmp" -p "$port" -U postgres -d template1 \
    -c "DROP DATABASE IF EXISTS postgres" -c "CREATE DATABASE postgres" >/dev/null
  out="expected/$(basename "$f" .sql).out"
  psql -X -h "$tmp" -p "$port" -U postgres -d postgres -f "$f" 2>&1 \
    | sed 's/^psql:/quill:/' >"$out" || true
  echo "wrote $out" >&2
done
