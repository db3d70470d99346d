#!/usr/bin/env bash
# Runs the sqllogictest corpus in tests/slt/sqlite/ against a throw-away PostgreSQL 15 server
# with the Quill harness (the `slt` binary of quill-tests), to (re)generate the list of records
# PostgreSQL passes.
#
#   tests/slt/run-against-postgres.sh            # rewrite tests/slt/sqlite/pg15-passed.txt
#   tests/slt/run-against-postgres.sh --check    # compare with it instead; exit 1 on a difference
#   tests/slt/run-against-postgres.sh --out F    # write the list to F
#   extra arguments after `--` go to slt (e.g. -- -v to print every failed record)
#
# Installs postgresql-15 with apt-get when its binaries are missing (needs root). The server
# runs as user `postgres` when this script runs as root (PostgreSQL refuses to run as root),
# in a fresh temporary directory, listening only on a Unix socket in that directory (so it
# cannot clash with another server), and is stopped and removed when the script exits.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
corpus="$here/sqlite"
out="$corpus/pg15-passed.txt"
check=0
slt_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --check) check=1 ;;
    --out) out="$(realpath -m "$2")"; shift ;;
    --) shift; slt_args=("$@"); break ;;
    *) echo "usage: $0 [--check] [--out FILE] [-- SLT-ARGS...]" >&2; exit 2 ;;
  esac
  shift
done

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
  -o "-p $port -k $tmp -c listen_addresses='' -c fsync=off" start >/dev/null ||
  { cat "$tmp/server.log" >&2; exit 1; }
started=1

cd "$repo"
cargo build --release -q -p quill-tests --bin slt
target_dir="${CARGO_TARGET_DIR:-$repo/target}"
slt="$target_dir/release/slt"

files=(select1.test select2.test select3.test select4.test select5.test)
for f in "$corpus"/evidence/*.test; do files+=("evidence/$(basename "$f")"); done

cd "$corpus"
conn="host=$tmp port=$port user=$pguser dbname=postgres"
start=$(date +%s)
if [ "$check" -eq 1 ]; then
  "$slt" --pg "$conn" --expect "$out" "${slt_args[@]}" "${files[@]}"
else
  "$slt" --pg "$conn" --list-passed "$out.tmp" "${slt_args[@]}" "${files[@]}"
  mv "$out.tmp" "$out"
  echo "wrote $(wc -l <"$out") passed records to $out"
fi
echo "PostgreSQL run took $(($(date +%s) - start))s"
