#!/usr/bin/env bash
# Builds every *_fuzzer target of fuzz/ with --config=fuzz (clang-14,
# libFuzzer, ASan and UBSan; see .bazelrc), runs each for SECONDS on a copy
# of its seeds fuzz/corpus/<target>/, one after the other, and prints one line
# per target on stdout (what went wrong on stderr), then a total:
#   fuzz: <target>: <executions> execs, <coverage> cov, <crashes> crashes
#   fuzz: N passed, N failed
# A target fails when it does not build, does not run, or crashes (a crash-,
# leak-, timeout- or oom- input saved by libFuzzer); the script then exits 1,
# keeping the logs and inputs in the work directory it names. The repository
# is never written to.
#   scripts/fuzz.sh SECONDS [TARGET_NAME...]
# FO_BAZEL_OUTPUT_BASE: run Bazel with this --output_base instead of the
# default one (for a build of one's own beside another).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-}
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then
  echo "usage: scripts/fuzz.sh SECONDS [TARGET_NAME...]" >&2
  exit 2
fi
shift
scripts/setup.sh || exit 1

bazel=(bazel ${FO_BAZEL_OUTPUT_BASE:+--output_base="$FO_BAZEL_OUTPUT_BASE"})
targets=("$@")
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <("${bazel[@]}" query 'attr(name, "_fuzzer$", //fuzz:*)' \
    2>/dev/null | sed 's/.*://' | sort)
fi
if ((${#targets[@]} == 0)); then
  echo "fuzz: no *_fuzzer targets found in fuzz/" >&2
  exit 1
fi
bin=$("${bazel[@]}" info --config=fuzz bazel-bin 2>/dev/null) || {
  echo "fuzz: bazel info failed" >&2
  exit 1
}

work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz.XXXXXX")
# UBSan reports abort (-fno-sanitize-recover); a stack makes them readable.
export UBSAN_OPTIONS=print_stacktrace=1
passed=0
failed=0
for target in "${targets[@]}"; do
  dir=$work/$target
  mkdir -p "$dir/corpus" "$dir/artifacts"
  # One build per target, so a target that does not build fails alone (and
  # a stale binary of an earlier build is never run).
  if ! "${bazel[@]}" build --config=fuzz "//fuzz:$target" >"$dir/build.log" 2>&1; then
    echo "fuzz: $target: did not build (see $dir/build.log)" >&2
    echo "fuzz: $target: 0 execs, 0 cov, 0 crashes"
    failed=$((failed + 1))
    continue
  fi
  cp -r "fuzz/corpus/$target/." "$dir/corpus/" 2>/dev/null
  # -timeout: one input running longer is a finding (timeout-*); the outer
  # timeout only guards against a fuzzer that never stops.
  (cd "$dir" && timeout $((seconds + 300)) "$bin/fuzz/$target" \
    -max_total_time="$seconds" -timeout=25 -rss_limit_mb=2560 \
    -print_final_stats=1 -artifact_prefix="$dir/artifacts/" corpus \
    >"$dir/fuzz.log" 2>&1)
  status=$?
  log=$dir/fuzz.log
  # "Done N runs in S second(s)" when it ran its time; after a crash only
  # the final stats say how many inputs ran.
  execs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -o ' cov: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')
  crashes=$(find "$dir/artifacts" -type f \
    \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  echo "fuzz: $target: ${execs:-0} execs, ${cov:-0} cov, $crashes crashes"
  if ((status == 0 && crashes == 0)); then
    passed=$((passed + 1))
  else
    ((crashes > 0)) || echo "fuzz: $target: exited with status $status (see $log)" >&2
    ((crashes == 0)) || echo "fuzz: $target: inputs in $dir/artifacts, log $log" >&2
    failed=$((failed + 1))
  fi
done
echo "fuzz: $passed passed, $failed failed"
if ((failed > 0)); then
  echo "fuzz: logs and inputs kept in $work" >&2
  exit 1
fi
rm -rf "$work"
