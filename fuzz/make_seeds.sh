#!/usr/bin/env bash
# Regenerates the seeds made from examples/ (the corpus/*/ex_* files); the
# hand-made seeds beside them are kept. Run after an example changes.
#   fuzz/make_seeds.sh      (FO_BAZEL_OUTPUT_BASE: as for scripts/fuzz.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus=fuzz/corpus
examples=(training_pipeline map_task nested_branches reference_workflow invalid implicit_hooks)
rm -f "$corpus"/*/ex_*

# grpc_request_fuzzer: binary requests, written by make_seeds.cc. Built with
# --config=fuzz so it reuses the fuzzers' build.
bazel ${FO_BAZEL_OUTPUT_BASE:+--output_base="$FO_BAZEL_OUTPUT_BASE"} run \
  --config=fuzz --noshow_progress //fuzz:make_seeds -- \
  "$PWD/examples" "$PWD/$corpus/grpc_request_fuzzer" "${examples[@]}"

# http_body_fuzzer: the same requests as JSON bodies (docs/http-api.md), the
# closure and maps exactly as the example files write them.
for ex in "${examples[@]}"; do
  dir=examples/$ex
  implicit=false
  [ -f "$dir/flags" ] && implicit=true
  {
    printf '{"executionId": {"project": "flytesnacks", "domain": "development", "name": "%s"},\n' "$ex"
    printf ' "options": {"explain": true, "rewriteClosure": true, "implicitHooks": %s},\n' "$implicit"
    printf ' "launchPlanOverrides": %s,\n' "$(cat "$dir/launch_plan.json")"
    printf ' "executionOverrides": %s,\n' "$(cat "$dir/execution.json")"
    printf ' "closure": %s}\n' "$(cat "$dir/closure.json")"
  } >"$corpus/http_body_fuzzer/ex_$ex.json"
done

# override_map_fuzzer: the examples' maps as they are.
for ex in training_pipeline invalid map_task; do
  cp "examples/$ex/launch_plan.json" "$corpus/override_map_fuzzer/ex_${ex}_launch_plan.json"
  cp "examples/$ex/execution.json" "$corpus/override_map_fuzzer/ex_${ex}_execution.json"
done

# config_fuzzer: the example policy, a whole config file.
cp examples/policy/policy.yaml "$corpus/config_fuzzer/ex_policy.yaml"
