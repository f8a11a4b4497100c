#!/usr/bin/env bash
# The quick start's second command: runs every test and ends with the line
# "N passed, N failed", counted from the GoogleTest XML each target writes,
# the Go tests' results and the fuzz smoke's (one per fuzz target).
# The PostgreSQL tests run against a throwaway server started here (see
# scripts/postgres.sh) and stopped on exit; they are required, never skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh || exit 1

# A server of this run's own, so that concurrent runs do not stop each other's.
export FO_POSTGRES_INSTANCE="test-$$" FO_POSTGRES_OWNER=$$
trap 'scripts/postgres.sh stop >/dev/null 2>&1' EXIT
trap 'exit 130' INT TERM HUP
# Without a server the PostgreSQL tests still run, and fail saying why.
dsn=$(scripts/postgres.sh start) || echo "test: PostgreSQL did not start" >&2

events=$(mktemp)
trap 'scripts/postgres.sh stop >/dev/null 2>&1; rm -f "$events"' EXIT
bazel test --keep_going //... --build_event_json_file="$events" \
  --test_env=FO_POSTGRES_DSN="${dsn:-}" --test_env=FO_REQUIRE_POSTGRES=1 \
  --test_env=REQUIRE_PROMTOOL=1 "$@"
status=$?
scripts/postgres.sh stop >/dev/null 2>&1
bazel_line=$(python3 scripts/count_tests.py "$events" $(bazel query 'tests(//...)' 2>/dev/null))
count_status=$?
echo "bazel: $bazel_line"

# The Go client (clients/go) against the server binary just built.
bazel build //server:override-resolver >/dev/null 2>&1
go_log=$(mktemp)
trap 'scripts/postgres.sh stop >/dev/null 2>&1; rm -f "$events" "$go_log"' EXIT
scripts/go_test.sh bazel-bin/server/override-resolver 2>&1 | tee "$go_log"
go_status=${PIPESTATUS[0]}
go_line=$(tail -n 1 "$go_log")

# Every fuzz target for 10 s (scripts/fuzz.sh): CI keeps each one building
# and running. An output base of its own, beside this checkout's: the fuzz
# build's compiler is a repository setting, and one shared base would
# rebuild everything twice.
fuzz_log=$(mktemp)
trap 'scripts/postgres.sh stop >/dev/null 2>&1; rm -f "$events" "$go_log" "$fuzz_log"' EXIT
FO_BAZEL_OUTPUT_BASE="${FO_FUZZ_OUTPUT_BASE:-$(bazel info output_base 2>/dev/null)-fuzz}" \
  scripts/fuzz.sh 10 2>&1 | tee "$fuzz_log"
fuzz_status=${PIPESTATUS[0]}
fuzz_line=$(grep '^fuzz: [0-9]* passed' "$fuzz_log" | tail -n 1)

# One line for everything, counted from the results.
python3 - "$bazel_line" "$go_line" "$fuzz_line" <<'PY'
import re, sys
passed = failed = 0
for line in sys.argv[1:]:
    m = re.search(r"(\d+) passed, (\d+) failed", line)
    if not m:
        print("test: no count in %r" % line, file=sys.stderr)
        failed += 1
        continue
    passed += int(m.group(1))
    failed += int(m.group(2))
print("%d passed, %d failed" % (passed, failed))
PY
[ $status -eq 0 ] && [ $count_status -eq 0 ] && [ $go_status -eq 0 ] &&
  [ $fuzz_status -eq 0 ] && exit 0
exit 1
