#!/usr/bin/env bash
# Runs the console's pure modules' tests (test/*.test.mjs) with Node's own
# runner and writes one JUnit case per test to $XML_OUTPUT_FILE, from the TAP
# report: Debian's Node has a TAP reporter in every supported version, a JUnit
# one only in newer ones.
set -uo pipefail
dir=$(dirname "$0")/test
shopt -s nullglob
tests=("$dir"/*.test.mjs)
if [ ${#tests[@]} -eq 0 ]; then
  echo "js_test: no tests in $dir" >&2
  exit 1
fi
tap=$(mktemp)
trap 'rm -f "$tap"' EXIT
node --test --test-reporter=tap "${tests[@]}" >"$tap" 2>&1
status=$?
cat "$tap"
python3 - "$tap" "${XML_OUTPUT_FILE:-/dev/null}" <<'PY'
import re
import sys
from xml.sax.saxutils import quoteattr

cases = []
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for line in f:
        m = re.match(r"^\s*(not )?ok \d+ - (.*?)(\s+# (SKIP|TODO).*)?$", line.rstrip("\n"))
        if m:
            cases.append((m.group(2), bool(m.group(1)), bool(m.group(3))))
with open(sys.argv[2], "w", encoding="utf-8") as out:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<testsuites><testsuite name="console_js">\n')
    for name, failed, skipped in cases:
        out.write("<testcase name=%s" % quoteattr(name))
        if failed:
            out.write("><failure message=\"failed\"/></testcase>\n")
        elif skipped:
            out.write(' status="notrun"/>\n')
        else:
            out.write("/>\n")
    out.write("</testsuite></testsuites>\n")
print("js_test: %d cases, %d failed" % (len(cases), sum(1 for c in cases if c[1])))
sys.exit(0 if cases else 1)
PY
counted=$?
[ $status -eq 0 ] && [ $counted -eq 0 ]
