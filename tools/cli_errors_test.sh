#!/usr/bin/env bash
# overridectl's errors as a user meets them: a bad override file is reported
# whole (every problem, with file, line, hook and field), exits 1, and with
# --json the refusal is JSON on stdout.
#   cli_errors_test.sh OVERRIDECTL   (from the runfiles root)
set -uo pipefail
overridectl=$1
tmp=${TEST_TMPDIR:-$(mktemp -d)}
fail() { echo "FAIL: $*" >&2; exit 1; }

cat >"$tmp/exec.yaml" <<'YAML'
train:
  retries: three
  resources:
    requests: {name: memory, value: 8Gi}
YAML
closure=examples/training_pipeline/closure.json

out=$("$overridectl" resolve --closure "$closure" --execution "$tmp/exec.yaml" 2>&1)
status=$?
[ $status -eq 1 ] || fail "exit status $status, want 1: $out"
grep -q "WRONG_TYPE execution_overrides\[train\].retries: .*exec.yaml:2: retries in the overrides for hook \"train\": expected a whole number" <<<"$out" \
  || fail "no line for retries: $out"
grep -q "WRONG_TYPE execution_overrides\[train\].resources.requests: .*exec.yaml:4: " <<<"$out" \
  || fail "no line for requests: $out"
grep -q "^2 violations$" <<<"$out" || fail "not every problem counted: $out"

json=$("$overridectl" resolve --closure "$closure" --execution "$tmp/exec.yaml" --json 2>/dev/null)
status=$?
[ $status -eq 1 ] || fail "--json: exit status $status, want 1"
python3 -c '
import json, sys
details = json.loads(sys.stdin.read())
reasons = sorted(v["reason"] for v in details["violations"])
assert reasons == ["WRONG_TYPE", "WRONG_TYPE"], reasons
' <<<"$json" || fail "--json: not an ErrorDetails with both problems: $json"
echo "PASS"
