#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's postgresql, run as the
# postgres user, listening on a free loopback port, its data in a temporary
# directory.
#
#   scripts/postgres.sh start   starts it (or finds it running); prints the DSN
#   scripts/postgres.sh env     prints "export FO_POSTGRES_DSN=..." for eval
#   scripts/postgres.sh stop    stops it and removes its data
#
# One server per instance name (FO_POSTGRES_INSTANCE, default "default"); its
# state lives in /tmp/flyteoverride-postgres.<instance>.state. scripts/test.sh
# uses an instance of its own, owned by its pid (FO_POSTGRES_OWNER): a server
# whose owner died without stopping it is cleaned up by the next start.
set -euo pipefail

instance=${FO_POSTGRES_INSTANCE:-default}
state_dir=${FO_POSTGRES_STATE_DIR:-/tmp}
state="$state_dir/flyteoverride-postgres.$instance.state"
# The last port used, tried first so the DSN (and Bazel's cache) stays put.
port_hint="$state_dir/flyteoverride-postgres.port"
bin=${PG_BIN:-/usr/lib/postgresql/15/bin}
if [ ! -x "$bin/pg_ctl" ]; then
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi

log() { echo "postgres.sh: $*" >&2; }

# The server refuses to run as root: as root, run its tools as postgres.
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && runuser -u postgres -- "$@")
  else
    "$@"
  fi
}

port_free() {
  python3 - "$1" <<'EOF'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
EOF
}

free_port() {
  local hint
  hint=$(cat "$port_hint" 2>/dev/null || true)
  if [[ "$hint" =~ ^[0-9]+$ ]] && port_free "$hint"; then
    echo "$hint"
    return
  fi
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Sets dir, port and dsn from a state file; false when there is none.
read_state() {
  local file=$1
  [ -f "$file" ] || return 1
  dir=$(sed -n 's/^dir=//p' "$file")
  port=$(sed -n 's/^port=//p' "$file")
  dsn=$(sed -n 's/^dsn=//p' "$file")
  owner=$(sed -n 's/^owner=//p' "$file")
  [ -n "$dir" ]
}

running() {
  [ -d "$dir/data" ] && as_postgres "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 &&
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 3
}

# Stops the server a state file describes and removes its data and the file.
teardown() {
  local file=$1 dir port dsn owner
  read_state "$file" || { rm -f "$file"; return 0; }
  if [ -d "$dir/data" ]; then
    as_postgres "$bin/pg_ctl" -D "$dir/data" stop -m fast -w -t 20 >/dev/null 2>&1 ||
      as_postgres "$bin/pg_ctl" -D "$dir/data" stop -m immediate -w -t 10 >/dev/null 2>&1 || true
  fi
  case "$dir" in
    /tmp/* | "${TMPDIR:-/tmp}"/*) rm -rf "$dir" ;;
  esac
  rm -f "$file"
}

# Servers of other instances whose owning process is gone.
reap_orphans() {
  local file dir port dsn owner
  for file in "$state_dir"/flyteoverride-postgres.*.state; do
    [ -f "$file" ] && [ "$file" != "$state" ] || continue
    read_state "$file" || continue
    if [ -n "$owner" ] && ! kill -0 "$owner" 2>/dev/null; then
      log "removing the server of $file (owner $owner is gone)"
      teardown "$file"
    fi
  done
}

start() {
  reap_orphans
  local dir port dsn owner
  if read_state "$state"; then
    if running; then
      echo "$dsn"
      return 0
    fi
    log "a previous server ($dir) is not answering; replacing it"
    teardown "$state"
  fi
  [ -x "$bin/initdb" ] || { log "PostgreSQL is not installed (apt-get install postgresql)"; return 1; }
  dir=$(mktemp -d "${TMPDIR:-/tmp}/flyteoverride-postgres.XXXXXX")
  chmod 700 "$dir"
  [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
  # Recorded before anything can fail, so that stop cleans up after a failure.
  printf 'dir=%s\nport=\ndsn=\nowner=%s\n' "$dir" "${FO_POSTGRES_OWNER:-}" >"$state"
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres --auth=trust \
    --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
    { log "initdb failed:"; cat "$dir/initdb.log" >&2; return 1; }
  local attempt
  for attempt in 1 2 3; do
    port=$(free_port)
    cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    if as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 start >/dev/null 2>&1; then
      break
    fi
    log "the server did not start on port $port (attempt $attempt)"
    tail -n 5 "$dir/server.log" >&2 || true
    port=""
  done
  [ -n "$port" ] || return 1
  echo "$port" >"$port_hint"
  "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
    -c "CREATE DATABASE override" >/dev/null
  dsn="host=127.0.0.1 port=$port dbname=override user=postgres connect_timeout=3"
  printf 'dir=%s\nport=%s\ndsn=%s\nowner=%s\n' "$dir" "$port" "$dsn" "${FO_POSTGRES_OWNER:-}" >"$state"
  log "PostgreSQL is up on 127.0.0.1:$port (data in $dir)"
  echo "$dsn"
}

case "${1:-}" in
  start) start ;;
  stop) teardown "$state" ;;
  env)
    read_state "$state" && [ -n "$dsn" ] || { log "not running; use start"; exit 1; }
    printf 'export FO_POSTGRES_DSN=%q\n' "$dsn"
    ;;
  *)
    echo "usage: $0 start|stop|env" >&2
    exit 2
    ;;
esac
