#!/usr/bin/env bash
# Writes the expected output of Quill's isolation specs (tests/isolation/specs/NAME.spec ->
# tests/isolation/expected/NAME.out) by running them against a throw-away PostgreSQL 15 server
# with the `isolation` binary of quill-tests (one connection per session, blocked steps seen
# through pg_isolation_test_session_is_blocked, as PostgreSQL's isolationtester sees them).
#
#   tests/isolation/regenerate.sh                  # every spec
#   tests/isolation/regenerate.sh hermitage-g0-rc  # only these specs (names without .spec)
#   tests/isolation/regenerate.sh --check          # write nothing: fail unless PostgreSQL
#                                                  # prints exactly what expected/ holds
#
# When PostgreSQL's own isolationtester is installed (postgresql-server-dev-15 puts it in
# /usr/lib/postgresql/15/lib/pgxs/src/test/isolation/), every spec is also run through it and
# the script fails unless both print the same thing, so the format stays isolationtester's.
#
# The server is set up as tests/slt/pg/regenerate.sh sets it up (installed with apt-get when
# missing; run as user `postgres` when this script runs as root; a fresh temporary directory;
# a Unix socket in that directory only; stopped and removed on exit).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
check=0
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    -*) echo "usage: $0 [--check] [NAME ...]" >&2; exit 2 ;;
    *) names+=("${1%.spec}") ;;
  esac
  shift
done
if [ ${#names[@]} -eq 0 ]; then
  for f in "$here"/specs/*.spec; do
    n="$(basename "$f")"
    names+=("${n%.spec}")
  done
fi

pgbin=/usr/lib/postgresql/15/bin
pgiso=/usr/lib/postgresql/15/lib/pgxs/src/test/isolation/isolationtester
if [ ! -x "$pgbin/postgres" ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "PostgreSQL 15 is not installed in $pgbin and installing it needs root" >&2
    exit 1
  fi
  echo "installing postgresql-15 ..." >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq postgresql-15 >/dev/null
fi

# Run server commands as `postgres` when we are root, else as ourselves.
if [ "$(id -u)" -eq 0 ]; then
  as_pg() { runuser -u postgres -- "$@"; }
  pguser=postgres
else
  as_pg() { "$@"; }
  pguser="$(id -un)"
fi

tmp="$(mktemp -d /tmp/quill-pgiso.XXXXXX)"
port=55434
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

# max_prepared_transactions and autovacuum off keep the server quiet and the runs repeatable.
as_pg "$pgbin/initdb" -D "$datadir" -U "$pguser" -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$datadir" -l "$tmp/server.log" -w \
  -o "-p $port -k $tmp -c listen_addresses='' -c fsync=off -c timezone=UTC \
      -c datestyle='ISO, MDY' -c intervalstyle=postgres -c extra_float_digits=1 \
      -c autovacuum=off" \
  start >/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
started=1

(cd "$repo" && cargo build -q --release -p quill-tests --bin isolation)
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
iso="$target_dir/release/isolation"
admin="host=$tmp port=$port user=$pguser dbname=postgres"
# Every spec runs in a new, empty database, so one that stops half-way leaves nothing behind.
conn="host=$tmp port=$port user=$pguser dbname=quill_isolation"
fresh_db() {
  "$pgbin/psql" -q -X -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -d "$admin" \
    -c "DROP DATABASE IF EXISTS quill_isolation WITH (FORCE)" -c "CREATE DATABASE quill_isolation"
}

mkdir -p "$tmp/out" "$here/expected"
status=0
for n in "${names[@]}"; do
  spec="$here/specs/$n.spec"
  fresh_db
  if ! "$iso" --pg "$conn" --out-dir "$tmp/out" "$spec"; then
    echo "$n: PostgreSQL could not run the spec" >&2
    status=1
    continue
  fi
  if [ -x "$pgiso" ]; then
    fresh_db
    "$pgiso" "$conn" <"$spec" >"$tmp/out/$n.pgiso" 2>"$tmp/out/$n.pgiso.err" || true
    if ! diff -u "$tmp/out/$n.pgiso" "$tmp/out/$n.out" >"$tmp/out/$n.diff"; then
      echo "$n: isolationtester prints otherwise (its output first):" >&2
      cat "$tmp/out/$n.diff" "$tmp/out/$n.pgiso.err" >&2
      status=1
      continue
    fi
  fi
  if [ "$check" -eq 1 ]; then
    if ! diff -u "$here/expected/$n.out" "$tmp/out/$n.out" >&2; then
      echo "$n: expected/$n.out differs from PostgreSQL's output" >&2
      status=1
    fi
  else
    cp "$tmp/out/$n.out" "$here/expected/$n.out"
  fi
done
exit $status
