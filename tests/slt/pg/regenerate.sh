#!/usr/bin/env bash
# Writes the expected results of Quill's PostgreSQL-dialect sqllogictest suite (the *.slt files
# beside this script) from a throw-away PostgreSQL 15 server: every query's expected block
# becomes PostgreSQL's output and every statement's header `statement ok` or
# `statement error SQLSTATE` (the `--complete` mode of the `slt` binary of quill-tests), then
# runs the completed files against the server again and fails unless every record passes.
#
#   tests/slt/pg/regenerate.sh                # complete every *.slt file here
#   tests/slt/pg/regenerate.sh types.slt      # only these files (names relative to this dir)
#   tests/slt/pg/regenerate.sh --check        # rewrite nothing: check that PostgreSQL passes
#                                             # every record as the files stand
#
# The server is set up as tests/slt/run-against-postgres.sh sets it up (installed with apt-get
# when missing; run as user `postgres` when this script runs as root; a fresh temporary
# directory; a Unix socket in that directory only; stopped and removed on exit), with the
# settings the expected results depend on made explicit: encoding UTF8, locale C.UTF-8 (text
# compares by code point), TimeZone UTC, DateStyle ISO, IntervalStyle postgres,
# extra_float_digits 1 (shortest exact float output).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
check=0
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "usage: $0 [--check] [FILE.slt ...]" >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
cd "$here"
if [ ${#files[@]} -eq 0 ]; then
  files=(*.slt)
fi

pgbin=/usr/lib/postgresql/15/bin
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

tmp="$(mktemp -d /tmp/quill-pgslt.XXXXXX)"
port=55433
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

as_pg "$pgbin/initdb" -D "$datadir" -U "$pguser" -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
  >"$tmp/initdb.log" 2>&1 || { cat "$tmp/initdb.log" >&2; exit 1; }
as_pg "$pgbin/pg_ctl" -D "$datadir" -l "$tmp/server.log" -w \
  -o "-p $port -k $tmp -c listen_addresses='' -c fsync=off -c timezone=UTC \
      -c datestyle='ISO, MDY' -c intervalstyle=postgres -c extra_float_digits=1" \
  start >/dev/null || { cat "$tmp/server.log" >&2; exit 1; }
started=1

# Release, like the test suite, so that the build reuses what `cargo test --release` compiled.
(cd "$repo" && cargo build -q --release -p quill-tests --bin slt)
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
slt="$target_dir/release/slt"
conn="host=$tmp port=$port user=$pguser dbname=postgres"

if [ "$check" -eq 0 ]; then
  "$slt" --pg "$conn" --complete "${files[@]}"
fi
out="$("$slt" --pg "$conn" -v "${files[@]}")"
echo "$out"
if ! grep -q '^total: [0-9]* passed, 0 failed' <<<"$out"; then
  echo "PostgreSQL does not pass every record" >&2
  exit 1
fi
