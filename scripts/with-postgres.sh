#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at a throwaway PostgreSQL 15 cluster that lives in a
# temporary directory on a free port and is removed afterwards. Used by .ci/run and `npm run bench`.
# Installs PostgreSQL 15 from Debian when it is missing and we are root.
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin
if [ ! -x "$PG_BIN/initdb" ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "== Installing PostgreSQL 15 from Debian" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
  else
    echo "PostgreSQL 15 fehlt (erwartet in $PG_BIN): bitte 'apt-get install postgresql-15' ausführen." >&2
    exit 1
  fi
fi

PG_DIR=$(mktemp -d /tmp/ozg-pg.XXXXXX)
PG_PORT=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")

# initdb refuses to run as root: as root the cluster belongs to the postgres user.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home /var/lib/postgresql --shell /bin/bash postgres
    chown postgres "$PG_DIR"
    su postgres -c "$1"
  else
    bash -c "$1"
  fi
}

stop_pg() {
  as_owner "$PG_BIN/pg_ctl -D '$PG_DIR/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$PG_DIR"
}
trap stop_pg EXIT

echo "== Starting a throwaway PostgreSQL 15 cluster on port $PG_PORT" >&2
as_owner "$PG_BIN/initdb -D '$PG_DIR/data' -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8" >/dev/null
as_owner "$PG_BIN/pg_ctl -D '$PG_DIR/data' -l '$PG_DIR/server.log' -w -o \"-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=200\" start" >/dev/null

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
"$@"
