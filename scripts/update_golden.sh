#!/usr/bin/env bash
# Rewrites examples/*/expected.{txt,json} from the current overridectl.
set -euo pipefail
cd "$(dirname "$0")/.."
bazel build //tools:overridectl
tools/golden.sh bazel-bin/tools/overridectl examples --update
git diff --stat -- examples
