#!/bin/bash
# A client no one here wrote: Python's grpcio and protobuf (Debian's packages)
# talk to the real server binary over loopback, with SQLite storage.
#
# usage: python_client_test.sh SERVER_BINARY PYTHON_CLIENT
# Run by Bazel from the runfiles root, where proto/ and examples/ are.
# A missing tool is a failure, never a skip: this is CI's real-peer test.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

SERVER="${1:-server/override-resolver}"
CLIENT="${2:-tests/python_client.py}"
PYTHON=/usr/bin/python3
PROTOC=/usr/bin/protoc
TMP="${TEST_TMPDIR:-$(mktemp -d)}"

[[ -x "$PYTHON" ]] || fail "$PYTHON is missing (scripts/setup.sh installs python3)"
[[ -x "$PROTOC" ]] || fail "$PROTOC is missing (scripts/setup.sh installs protobuf-compiler)"
"$PYTHON" -c 'import grpc, google.protobuf' ||
  fail "$PYTHON cannot import grpc and google.protobuf (python3-grpcio, python3-protobuf)"
[[ -x "$SERVER" ]] || fail "server binary $SERVER not found (from $PWD)"
[[ -f "$CLIENT" ]] || fail "client $CLIENT not found (from $PWD)"
[[ -d proto && -d examples ]] || fail "proto/ and examples/ not found in $PWD"

# Python message classes for every proto, into the test's own directory.
PYDIR="$TMP/py"
rm -rf "$PYDIR" && mkdir -p "$PYDIR"
mapfile -t PROTOS < <(cd proto && find -L . -name '*.proto' | sed 's|^\./||' | sort)
(( ${#PROTOS[@]} > 0 )) || fail "no .proto files under proto/"
(cd proto && "$PROTOC" -I . --python_out="$PYDIR" "${PROTOS[@]}") ||
  fail "protoc --python_out failed"

# The server, with SQLite under $TMP.
DB="$TMP/resolver.db"
rm -f "$DB" "$DB-wal" "$DB-shm"
CONFIG="$TMP/python_client_test.yaml"
cat >"$CONFIG" <<EOF
server:
  shutdown_grace: 2s
storage:
  driver: sqlite
  sqlite_path: $DB
EOF

OUT="$TMP/server.stdout"
ERR="$TMP/server.stderr"
SERVER_PID=""

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  local pid="$SERVER_PID"
  SERVER_PID=""
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "server did not exit within 10 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  echo "server exited with status $rc"
}

on_exit() {
  local rc=$?
  stop_server
  if (( rc != 0 )); then
    echo "--- server stdout ---" >&2; cat "$OUT" >&2 2>/dev/null || true
    echo "--- server stderr (last 50 lines) ---" >&2; tail -n 50 "$ERR" >&2 2>/dev/null || true
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 1' INT TERM

"$SERVER" --config "$CONFIG" --grpc-port 0 --http-port 0 --log-level info \
  >"$OUT" 2>"$ERR" &
SERVER_PID=$!

LINE_RE='^override-resolver serving gRPC on (127\.0\.0\.1:[0-9]+), HTTP on (127\.0\.0\.1:[0-9]+), probes on (127\.0\.0\.1:[0-9]+)$'
GRPC_ADDR=""
for _ in $(seq 200); do  # 20 s
  if [[ -s "$OUT" ]]; then
    line="$(head -n 1 "$OUT")"
    if [[ "$line" =~ $LINE_RE ]]; then
      GRPC_ADDR="${BASH_REMATCH[1]}"
      break
    fi
    # A whole first line that is not the announcement is a failure.
    (( $(wc -l <"$OUT") == 0 )) || fail "unexpected first stdout line: $line"
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited before serving"
  sleep 0.1
done
[[ -n "$GRPC_ADDR" ]] || fail "no 'serving' line on stdout within 20 s"
echo "server up: gRPC $GRPC_ADDR"

"$PYTHON" "$CLIENT" --grpc "$GRPC_ADDR" --examples examples --pydir "$PYDIR" ||
  fail "python client reported failures"

[[ -s "$DB" ]] || fail "SQLite database $DB was not written"

stop_server
lines=$(wc -l <"$OUT")
(( lines == 1 )) || fail "server printed $lines stdout lines, want exactly 1"
echo "PASS"
