#!/usr/bin/env bash
# The quick start's first command: builds overridectl and resolves the bundled
# training-pipeline example, explaining where every value comes from.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bazel build -c opt //tools:overridectl >&2
example=examples/training_pipeline
echo "\$ overridectl resolve --closure $example/closure.json --launch-plan $example/launch_plan.json --execution $example/execution.json --explain"
bazel-bin/tools/overridectl resolve --closure "$example/closure.json" \
  --launch-plan "$example/launch_plan.json" --execution "$example/execution.json" --explain
