#!/usr/bin/env bash
# Lays out the Go client module at OUT_DIR: the hand-written sources of
# clients/go plus the code protoc generates from proto/. Nothing generated is
# kept in the repository, so the code always matches the protos.
#
#   clients/go/generate.sh OUT_DIR PROTOC_GEN_GO
#
# OUT_DIR is replaced whole. PROTOC_GEN_GO is an APIv2 protoc-gen-go
# (google.golang.org/protobuf/cmd/protoc-gen-go); protoc-gen-go-grpc is taken
# from PATH.
#
# The flyteidl subset is generated under a proto package and file paths of its
# own (flyteoverride.goclient.flyteidl.core, flyteoverride/goclient/...): a
# binary that also links flyteidl's Go packages would otherwise register
# flyteidl.core.* twice, and protobuf-go panics at start on that. The wire
# format carries field numbers, not package names, so the bytes are the same.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 OUT_DIR PROTOC_GEN_GO" >&2
  exit 2
fi
out=$(realpath -m "$1")
plugin=$(realpath "$2")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
protos=$(cd "$here/../../proto" && pwd)

module=flyteoverride/goclient
private_pkg=flyteoverride.goclient.flyteidl.core
private_dir=flyteoverride/goclient/flyteidl/core

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The private copy of the subset, and the API rewritten to refer to it.
mkdir -p "$tmp/private/$private_dir" "$tmp/private/flyteoverride/v1"
privatize() {  # SRC DEST
  sed -e "s#^package flyteidl\.core;#package ${private_pkg};#" \
      -e "s#import \"flyteidl/core/#import \"${private_dir}/#" \
      -e "s#\bflyteidl\.core\.#${private_pkg}.#g" "$1" > "$2"
}
for f in "$protos"/flyteidl/core/*.proto; do
  privatize "$f" "$tmp/private/$private_dir/$(basename "$f")"
done
privatize "$protos/flyteoverride/v1/resolver.proto" "$tmp/private/flyteoverride/v1/resolver.proto"
if grep -rn 'flyteidl\.core' "$tmp/private" | grep -v "${private_pkg}" | grep -v '^\S*:[0-9]*:\s*//'; then
  echo "generate: a flyteidl.core reference escaped the rewrite" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out"
cp "$here/go.mod" "$here/README.md" "$out/"
cp -r "$here/overrideclient" "$out/"

gen="$tmp/gen"
mkdir -p "$gen"
core_go=$module/gen/corepb
api_go=$module/gen/overridepb
maps="paths=import"
for f in "$tmp/private/$private_dir"/*.proto; do
  maps+=",M${private_dir}/$(basename "$f")=${core_go};corepb"
done
maps+=",Mflyteoverride/v1/resolver.proto=${api_go};overridepb"
(cd "$tmp/private" && protoc -I . \
  --plugin=protoc-gen-go="$plugin" \
  --go_out="$gen" --go_opt="$maps" \
  --go-grpc_out="$gen" --go-grpc_opt="$maps" \
  "$private_dir"/*.proto flyteoverride/v1/resolver.proto)

# Test-only: the subset under flyteidl's own names and paths, standing in for
# flyteidl's Go package in tests (what FlyteAdmin links beside the client).
standin_go=$module/internal/flyteidlstandin/core
maps="paths=import"
for f in "$protos"/flyteidl/core/*.proto; do
  maps+=",Mflyteidl/core/$(basename "$f")=${standin_go};core"
done
(cd "$protos" && protoc -I . --plugin=protoc-gen-go="$plugin" \
  --go_out="$gen" --go_opt="$maps" flyteidl/core/*.proto)

cp -r "$gen/$module/." "$out/"
