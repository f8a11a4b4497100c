#!/bin/bash
# A scraper no one here wrote: Debian's promtool lints the server's /metrics,
# and a real Prometheus scrapes it; its query API must then see the calls made.
#
# usage: prometheus_test.sh SERVER_BINARY
# Run by Bazel from the runfiles root, where examples/ is.
# A missing tool is a failure, never a skip: this is CI's real-peer test.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

SERVER="${1:-server/override-resolver}"
PYTHON=/usr/bin/python3
CURL=/usr/bin/curl
PROMETHEUS=/usr/bin/prometheus
PROMTOOL=/usr/bin/promtool
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
JOB="override-resolver"

for tool in "$PYTHON" "$CURL" "$PROMETHEUS" "$PROMTOOL"; do
  [[ -x "$tool" ]] || fail "$tool is missing (scripts/setup.sh installs it)"
done
[[ -x "$SERVER" ]] || fail "server binary $SERVER not found (from $PWD)"
[[ -d examples ]] || fail "examples/ not found in $PWD"

OUT="$TMP/server.stdout"
ERR="$TMP/server.stderr"
PROM_LOG="$TMP/prometheus.log"
SERVER_PID=""
PROM_PID=""

# Stops one process this script started: SIGTERM, up to 10 s, then SIGKILL.
stop() {
  local pid="$1" name="$2"
  [[ -n "$pid" ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "$name did not exit within 10 s of SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  wait "$pid" 2>/dev/null || true
}

on_exit() {
  local rc=$?
  stop "$PROM_PID" prometheus
  PROM_PID=""
  stop "$SERVER_PID" server
  SERVER_PID=""
  if (( rc != 0 )); then
    echo "--- server stdout ---" >&2; cat "$OUT" >&2 2>/dev/null || true
    echo "--- server stderr (last 30 lines) ---" >&2; tail -n 30 "$ERR" >&2 2>/dev/null || true
    echo "--- prometheus log (last 30 lines) ---" >&2; tail -n 30 "$PROM_LOG" >&2 2>/dev/null || true
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 1' INT TERM

# --- The server, memory storage ---------------------------------------------
CONFIG="$TMP/prometheus_test.yaml"
printf 'storage:\n  driver: memory\n' >"$CONFIG"
"$SERVER" --config "$CONFIG" --grpc-port 0 --http-port 0 >"$OUT" 2>"$ERR" &
SERVER_PID=$!

LINE_RE='^override-resolver serving gRPC on 127\.0\.0\.1:[0-9]+, HTTP on (127\.0\.0\.1:[0-9]+), probes on 127\.0\.0\.1:[0-9]+$'
HTTP_ADDR=""
for _ in $(seq 200); do  # 20 s
  if [[ -s "$OUT" ]] && [[ "$(head -n 1 "$OUT")" =~ $LINE_RE ]]; then
    HTTP_ADDR="${BASH_REMATCH[1]}"
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited before serving"
  sleep 0.1
done
[[ -n "$HTTP_ADDR" ]] || fail "no 'serving' line on stdout within 20 s"
echo "server up: HTTP $HTTP_ADDR"
BASE="http://$HTTP_ADDR"

# --- Calls -------------------------------------------------------------------
# Writes a POST /v1/resolve body for an example to stdout.
#   resolve_body EXAMPLE EXECUTION_NAME|"" [drop-unknown]
# drop-unknown removes the invalid example's `timeout`, a field TaskNodeOverrides
# lacks, so the call reaches validation (see the report on HTTP parse errors).
resolve_body() {
  "$PYTHON" -c '
import json, sys
example, name, drop = sys.argv[1], sys.argv[2], len(sys.argv) > 3
def load(f):
    with open("examples/%s/%s" % (example, f)) as fh:
        return json.load(fh)
body = {"closure": load("closure.json"),
        "launchPlanOverrides": load("launch_plan.json"),
        "executionOverrides": load("execution.json")}
if name:
    body["executionId"] = {"project": "flytesnacks", "domain": "development", "name": name}
if drop:
    for overrides in body["executionOverrides"].values():
        overrides.pop("timeout", None)
json.dump(body, sys.stdout)
' "$@"
}

# POSTs a body file; prints the HTTP status code, keeps the answer in $2.
post() {
  "$CURL" -sS -o "$2" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "@$1" --max-time 20 "$BASE/v1/resolve"
}

json_field() {  # json_field FILE EXPR -> prints eval(EXPR) over the parsed JSON `d`
  "$PYTHON" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

OK_RESOLVES=0
resolve_ok() {  # resolve_ok EXAMPLE EXECUTION_NAME [dry]
  local body="$TMP/body-$1-$2.json" answer="$TMP/answer-$1-$2.json" code
  resolve_body "$1" "$2" >"$body"
  code=$(post "$body" "$answer")
  [[ "$code" == 200 ]] || fail "POST /v1/resolve $1 ($2): HTTP $code: $(head -c 500 "$answer")"
  local nodes
  nodes=$(json_field "$answer" 'len(d["nodes"])')
  (( nodes > 0 )) || fail "POST /v1/resolve $1: no nodes in the answer"
  OK_RESOLVES=$((OK_RESOLVES + 1))
  echo "Resolve $1 ($2): OK, $nodes nodes"
}

resolve_ok training_pipeline "prom-exec-1"
resolve_ok training_pipeline "prom-exec-1"   # idempotent repeat: OK again
resolve_ok map_task "prom-exec-2"
resolve_ok nested_branches ""

resolve_body invalid "" drop-unknown >"$TMP/body-invalid.json"
code=$(post "$TMP/body-invalid.json" "$TMP/answer-invalid.json")
[[ "$code" == 400 ]] || fail "invalid example: HTTP $code, want 400: $(head -c 500 "$TMP/answer-invalid.json")"
status=$(json_field "$TMP/answer-invalid.json" 'd.get("status")')
[[ "$status" == INVALID_ARGUMENT ]] || fail "invalid example: status $status, want INVALID_ARGUMENT"
VIOLATIONS=$(json_field "$TMP/answer-invalid.json" 'len(d["violations"])')
(( VIOLATIONS > 0 )) || fail "invalid example: no violations in the answer"
echo "Resolve invalid: INVALID_ARGUMENT, $VIOLATIONS violations"

# --- promtool on the scraped text -------------------------------------------
"$CURL" -sS --max-time 10 -o "$TMP/metrics.txt" -w '%{http_code}\n' "$BASE/metrics" |
  grep -qx 200 || fail "GET /metrics did not answer 200"
grep -q '^override_resolver_calls_total{' "$TMP/metrics.txt" ||
  fail "/metrics has no override_resolver_calls_total sample"
if ! "$PROMTOOL" check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1; then
  cat "$TMP/promtool.out" >&2
  fail "promtool check metrics rejected /metrics"
fi
echo "promtool check metrics: ok"

# --- A real Prometheus ------------------------------------------------------
cat >"$TMP/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: $JOB
    static_configs:
      - targets: ["$HTTP_ADDR"]
EOF
"$PROMTOOL" check config "$TMP/prometheus.yml" >/dev/null || fail "promtool check config failed"

free_port() {
  "$PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# A free port can be taken between the probe and Prometheus's bind: try thrice.
PROM=""
for attempt in 1 2 3; do
  port=$(free_port)
  rm -rf "$TMP/prom"
  "$PROMETHEUS" --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/prom" \
    --web.listen-address="127.0.0.1:$port" >"$PROM_LOG" 2>&1 &
  PROM_PID=$!
  for _ in $(seq 150); do  # 15 s
    if "$CURL" -fsS --max-time 1 -o /dev/null "http://127.0.0.1:$port/-/ready" 2>/dev/null; then
      PROM="http://127.0.0.1:$port"
      break
    fi
    kill -0 "$PROM_PID" 2>/dev/null || break
    sleep 0.1
  done
  [[ -n "$PROM" ]] && break
  echo "prometheus attempt $attempt on port $port did not become ready" >&2
  stop "$PROM_PID" prometheus
  PROM_PID=""
done
[[ -n "$PROM" ]] || fail "prometheus did not start"
echo "prometheus up: $PROM"

# query PROMQL -> the answer's JSON in $TMP/query.json; fails unless status success.
query() {
  "$CURL" -sS --max-time 5 -G --data-urlencode "query=$1" "$PROM/api/v1/query" \
    -o "$TMP/query.json" || return 1
  [[ "$(json_field "$TMP/query.json" 'd["status"]')" == success ]]
}

# Prints the single series' value, "none" without a series, "many" with several.
value_of() {
  query "$1" || fail "query $1 failed: $(cat "$TMP/query.json" 2>/dev/null)"
  json_field "$TMP/query.json" \
    '"none" if not d["data"]["result"] else "many" if len(d["data"]["result"]) > 1 else d["data"]["result"][0]["value"][1]'
}

# Waits (bounded) until a scrape has landed the counters.
seen=""
for _ in $(seq 60); do  # 30 s
  if query override_resolver_calls_total &&
     [[ "$(json_field "$TMP/query.json" 'len(d["data"]["result"])')" != 0 ]]; then
    seen=yes
    break
  fi
  kill -0 "$PROM_PID" 2>/dev/null || fail "prometheus exited"
  sleep 0.5
done
[[ -n "$seen" ]] || fail "prometheus saw no override_resolver_calls_total within 30 s"

FAILED=0
expect() {  # expect PROMQL WANT
  local got
  got=$(value_of "$1")
  if [[ "$got" == "$2" ]]; then
    echo "ok   $1 = $got"
  else
    echo "FAIL $1 = $got, want $2" >&2
    FAILED=1
  fi
}
expect_present() {  # expect_present PROMQL
  local got
  got=$(value_of "$1")
  if [[ "$got" != none && "$got" != many ]]; then
    echo "ok   $1 present ($got)"
  else
    echo "FAIL $1: $got series" >&2
    FAILED=1
  fi
}

expect "up{job=\"$JOB\"}" 1
expect "override_resolver_calls_total{job=\"$JOB\",rpc=\"Resolve\",code=\"OK\"}" "$OK_RESOLVES"
expect "override_resolver_calls_total{job=\"$JOB\",rpc=\"Resolve\",code=\"INVALID_ARGUMENT\"}" 1
expect "sum(override_resolver_calls_total{job=\"$JOB\"})" $((OK_RESOLVES + 1))
expect "override_resolver_call_duration_seconds_count{job=\"$JOB\",rpc=\"Resolve\"}" $((OK_RESOLVES + 1))
expect_present "override_resolver_call_duration_seconds_bucket{job=\"$JOB\",rpc=\"Resolve\",le=\"+Inf\"}"
expect_present "override_resolver_build_info{job=\"$JOB\"}"
expect "override_resolver_calls_in_flight{job=\"$JOB\"}" 0
expect "sum(override_resolver_violations_total{job=\"$JOB\"})" "$VIOLATIONS"
expect "override_resolver_ready{job=\"$JOB\"}" 1
# Process metrics, read from /proc at each scrape.
for metric in process_resident_memory_bytes process_virtual_memory_bytes \
    process_open_fds process_max_fds process_start_time_seconds; do
  expect "$metric{job=\"$JOB\"} > bool 0" 1
done
expect_present "process_cpu_seconds_total{job=\"$JOB\"}"
# The scrape itself was clean: every sample the server exposed was ingested.
expect "scrape_samples_post_metric_relabeling{job=\"$JOB\"} == bool scrape_samples_scraped{job=\"$JOB\"}" 1

(( FAILED == 0 )) || fail "prometheus saw wrong values"
echo "PASS"
