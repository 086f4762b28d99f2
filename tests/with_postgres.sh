#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster that this script starts and stops.
#   tests/with_postgres.sh CMD...   → CMD runs with DATABASE_URL pointing at the cluster.
# No PostgreSQL server installed: a warning and exit 0, except under CI=true, where it fails.
set -euo pipefail

find_pg_bin() {
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}

PGBIN=$(find_pg_bin || true)
if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
  if [ "${CI:-}" = "true" ]; then
    echo "with_postgres: PostgreSQL server binaries not found, and CI=true: failing." >&2
    exit 1
  fi
  echo "with_postgres: PostgreSQL not installed; skipping the postgres-marked tests." >&2
  echo "               (apt-get install postgresql, or run .ci/run)" >&2
  exit 0
fi

PORT=${READERSTUDY_PG_PORT:-55432}
DIR=$(mktemp -d /tmp/readerstudy-pg.XXXXXX)
AS=()
if [ "$(id -u)" = "0" ]; then
  # initdb refuses to run as root.
  chown postgres:postgres "$DIR"
  AS=(runuser -u postgres --)
fi

stop() {
  "${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$DIR"
}
trap stop EXIT INT TERM

"${AS[@]}" "$PGBIN/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
"${AS[@]}" "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $PORT -k $DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
  start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/readerstudy"
"$@"
