#!/usr/bin/env bash
# Builds the Go client (clients/go) and runs its tests against a real
# override-resolver:
#
#   scripts/go_test.sh SERVER_BINARY
#
# It installs nothing (scripts/setup.sh does) and builds offline from Debian's
# Go packages, in GOPATH mode. Everything it makes lives in clients/go/.build/:
# a GOPATH holding the module as clients/go/generate.sh lays it out (sources
# plus code generated from proto/), protoc-gen-go built from Debian's source,
# the build cache and the test log. It runs gofmt, go vet and go test -json;
# its last line is "go: N passed, N failed", one count per test and subtest.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/clients/go/.build

broken() {
  echo "go_test: $*" >&2
  echo "go: 0 passed, 1 failed"
  exit 1
}

[ $# -eq 1 ] || broken "usage: scripts/go_test.sh SERVER_BINARY"
[ -f "$1" ] && [ -x "$1" ] || broken "$1 is not an executable file"
server=$(realpath "$1")
for tool in go protoc protoc-gen-go-grpc openssl python3; do
  command -v "$tool" >/dev/null || broken "$tool is missing: run scripts/setup.sh"
done

# GOPATH mode over Debian's /usr/share/gocode; nothing is fetched.
export GO111MODULE=off GOPATH="$build/gopath:/usr/share/gocode" GOCACHE="$build/cache" \
  GOFLAGS= GOPROXY=off
module=$build/gopath/src/flyteoverride/goclient
mkdir -p "$build/bin"

# Debian's /usr/bin/protoc-gen-go is the old 1.3 plugin; the APIv2 one is
# built from the Go sources Debian ships.
go build -o "$build/bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go ||
  broken "building protoc-gen-go failed"
"$root/clients/go/generate.sh" "$module" "$build/bin/protoc-gen-go" ||
  broken "generating the Go code failed"

cd "$module" || broken "no $module"
unformatted=$(gofmt -l overrideclient)
[ -z "$unformatted" ] || broken "not gofmt'd: $unformatted"
go vet ./... || broken "go vet failed"

FO_SERVER_BINARY=$server FO_EXAMPLES_DIR=$root/examples \
  go test -json -count=1 -timeout 5m ./... > "$build/test.json"
status=$?

python3 - "$build/test.json" "$status" <<'PY'
import json
import sys

path, status = sys.argv[1], int(sys.argv[2])
passed, failed, output = [], [], {}
for line in open(path, encoding="utf-8"):
    try:
        event = json.loads(line)
    except ValueError:
        print(line, end="")  # not an event: say it as go test did
        continue
    key = (event.get("Package", ""), event.get("Test", ""))
    action = event.get("Action")
    if action == "output":
        output.setdefault(key, []).append(event.get("Output", ""))
        text = event.get("Output", "")
        if not key[1] and (text.startswith(("ok", "FAIL", "---", "panic")) or "build failed" in text):
            print(text, end="")
    elif action in ("pass", "fail") and key[1]:
        (passed if action == "pass" else failed).append(key)

for package, test in failed:
    print(f"--- FAIL {test} ({package})")
    print("".join(output.get((package, test), [])), end="")

# A package that failed outside any test (a build error, a panic at start)
# still fails the run.
n_failed = len(failed)
if status != 0 and n_failed == 0:
    n_failed = 1
print(f"go: {len(passed)} passed, {n_failed} failed")
sys.exit(1 if n_failed else 0)
PY
