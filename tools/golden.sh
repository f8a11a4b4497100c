#!/usr/bin/env bash
# Resolves every bundled example with overridectl and compares the output with
# the golden files beside it (expected.txt: the --explain table and errors,
# expected.json: the --json response). An example with a policy.yaml resolves
# under that operator policy; one with a `flags` file passes those flags. With --update, rewrites them instead.
#   tools/golden.sh OVERRIDECTL EXAMPLES_DIR [--update]
set -uo pipefail
overridectl=$1
examples=$2
update=${3:-}
failed=0
for dir in "$examples"/*/; do
  dir=${dir%/}
  [ -f "$dir/closure.json" ] || continue
  args=(--closure "$dir/closure.json")
  [ -f "$dir/launch_plan.json" ] && args+=(--launch-plan "$dir/launch_plan.json")
  [ -f "$dir/execution.json" ] && args+=(--execution "$dir/execution.json")
  [ -f "$dir/policy.yaml" ] && args+=(--policy "$dir/policy.yaml")
  # Flags an example needs, one line (e.g. --implicit-hooks).
  if [ -f "$dir/flags" ]; then read -ra extra <"$dir/flags"; args+=("${extra[@]}"); fi
  for mode in txt json; do
    flags=(--explain)
    [ $mode = json ] && flags+=(--json)
    actual=$("$overridectl" resolve "${args[@]}" "${flags[@]}" 2>&1; echo "exit status $?")
    if [ "$update" = --update ]; then
      printf '%s\n' "$actual" >"$dir/expected.$mode"
    elif ! diff -u "$dir/expected.$mode" <(printf '%s\n' "$actual"); then
      echo "FAIL: $dir ($mode) differs from expected.$mode" >&2
      failed=1
    else
      echo "ok: $dir ($mode)"
    fi
  done
done
exit $failed
