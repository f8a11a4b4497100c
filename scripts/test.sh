#!/usr/bin/env bash
# The quick start's second command: runs every test and ends with the line
# "N passed, N failed", counted from the GoogleTest XML each target writes.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1
bazel test --keep_going //... "$@"
status=$?
python3 scripts/count_tests.py "$(bazel info bazel-testlogs 2>/dev/null)" \
  $(bazel query 'tests(//...)' 2>/dev/null)
count_status=$?
[ $status -eq 0 ] && exit $count_status
exit $status
