#!/bin/bash
# overridectl list and diff against the real server binary: two executions of
# examples/training_pipeline recorded with different execution maps, listed
# newest first and compared, the diff's JSON checked byte for byte (the
# console's JavaScript is held to the same JSON).
#
# usage: overridectl_list_diff_test.sh OVERRIDECTL SERVER_BINARY
# Run by Bazel from the runfiles root, where examples/ is.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }

CTL="$1"
SERVER="$2"
TMP="${TEST_TMPDIR:-$(mktemp -d)}"
X=examples/training_pipeline
[[ -x "$CTL" && -x "$SERVER" ]] || fail "binaries not found from $PWD"

printf 'server: {shutdown_grace: 2s}\nstorage: {driver: memory}\n' >"$TMP/resolver.yaml"
"$SERVER" --config "$TMP/resolver.yaml" --grpc-port 0 --http-port 0 \
  >"$TMP/server.out" 2>"$TMP/server.err" &
SERVER_PID=$!
trap 'kill -TERM $SERVER_PID 2>/dev/null; wait $SERVER_PID 2>/dev/null || true' EXIT

LINE_RE='^override-resolver serving gRPC on (127\.0\.0\.1:[0-9]+),'
S=""
for _ in $(seq 200); do  # 20 s
  if [[ "$(head -n 1 "$TMP/server.out")" =~ $LINE_RE ]]; then
    S="${BASH_REMATCH[1]}"
    break
  fi
  kill -0 "$SERVER_PID" 2>/dev/null || fail "server exited before serving"
  sleep 0.1
done
[[ -n "$S" ]] || fail "no 'serving' line within 20 s"

# B: a larger memory limit for train, no challenger, retries for evaluate.
cat >"$TMP/execution_b.json" <<'JSON'
{
  "train": {
    "resources": {
      "requests": [{"name": "MEMORY", "value": "48Gi"}],
      "limits": [{"name": "MEMORY", "value": "96Gi"}]
    },
    "environment": {"LOG_LEVEL": "DEBUG"},
    "unset": ["resources.limits.cpu"]
  },
  "evaluate": {"retries": 2}
}
JSON
record() {  # NAME EXECUTION_MAP
  "$CTL" resolve --server "$S" --closure "$X/closure.json" \
    --launch-plan "$X/launch_plan.json" --execution "$2" \
    --execution-id "flytesnacks/development/$1" --json >/dev/null ||
    fail "recording $1 failed"
}
record diff-a "$X/execution.json"
sleep 0.01  # distinct creation times
record diff-b "$TMP/execution_b.json"

"$CTL" list --server "$S" --project flytesnacks --domain development -o json \
  >"$TMP/list.json" || fail "list failed"
grep -o '"name": "diff-[ab]"' "$TMP/list.json" | tr '\n' ' ' >"$TMP/names"
[[ "$(cat "$TMP/names")" == '"name": "diff-b" "name": "diff-a" ' ]] ||
  fail "list order: $(cat "$TMP/names")"
"$CTL" list --server "$S" --project flytesnacks --domain development \
  --page-size 1 | grep -q -- '^more: --page-token ' || fail "no next page named"

"$CTL" diff --server "$S" flytesnacks/development/diff-a \
  flytesnacks/development/diff-b -o json >"$TMP/diff.json" ||
  fail "diff exited $?"
cat >"$TMP/expected.json" <<'JSON'
{
  "a": "flytesnacks/development/diff-a",
  "b": "flytesnacks/development/diff-b",
  "nodes": [
    {
      "node_path": "n1/n0",
      "status": "changed",
      "fields": [
        {
          "field": "resources.limits.memory",
          "a": {"value": "64Gi", "layer": "EXECUTION", "hook": "train", "removed": false},
          "b": {"value": "96Gi", "layer": "EXECUTION", "hook": "train", "removed": false}
        }
      ]
    },
    {
      "node_path": "n2/n0",
      "status": "changed",
      "fields": [
        {
          "field": "resources.limits.memory",
          "a": {"value": "64Gi", "layer": "EXECUTION", "hook": "train", "removed": false},
          "b": {"value": "96Gi", "layer": "EXECUTION", "hook": "train", "removed": false}
        }
      ]
    },
    {
      "node_path": "n2/n1",
      "status": "changed",
      "fields": [
        {
          "field": "environment.LOG_LEVEL",
          "a": {"value": "INFO", "layer": "EXECUTION", "hook": "challenger", "removed": false},
          "b": null
        }
      ]
    },
    {
      "node_path": "n3",
      "status": "changed",
      "fields": [
        {
          "field": "retries",
          "a": {"value": 1, "layer": "TASK", "hook": "", "removed": false},
          "b": {"value": 2, "layer": "EXECUTION", "hook": "evaluate", "removed": false}
        }
      ]
    }
  ],
  "unchanged_nodes": 2
}
JSON
diff -u "$TMP/expected.json" "$TMP/diff.json" || fail "diff -o json differs"

"$CTL" diff --server "$S" flytesnacks/development/diff-a \
  flytesnacks/development/diff-b >"$TMP/diff.txt" || fail "diff table exited $?"
tail -n 1 "$TMP/diff.txt" | grep -qx '2 nodes unchanged, 4 changed, 0 only in A, 0 only in B' ||
  fail "table summary: $(tail -n 1 "$TMP/diff.txt")"
# The same execution on both sides: no difference, still exit 0.
"$CTL" diff --server "$S" flytesnacks/development/diff-a \
  flytesnacks/development/diff-a | grep -qx '6 nodes unchanged, 0 changed, 0 only in A, 0 only in B' ||
  fail "an execution differs from itself"
# A missing execution is an error: not 0.
if "$CTL" diff --server "$S" flytesnacks/development/diff-a \
  flytesnacks/development/never 2>/dev/null; then
  fail "diff against a missing execution exited 0"
fi
echo PASS
