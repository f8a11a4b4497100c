#!/usr/bin/env bash
# The container image, built and tested on this machine without a registry.
#   scripts/image.sh build   # localhost/override-resolver:<short rev> and :latest
#   scripts/image.sh test    # runs that image's server: health, a Resolve, SIGTERM
# `build` makes a slim Debian bookworm base from Debian's archive (mmdebstrap,
# with the apt sources this machine uses) holding deploy/runtime-packages.txt,
# keeps it as an image keyed by what went into it (so the next build starts
# from it), and adds the binaries built here with `bazel -c opt`: the host is
# bookworm too, so they link the same library versions. `test` starts the
# server inside the image with `buildah run --isolation chroot --network host`
# (no cgroups needed), since `podman run` cannot run everywhere it is needed.
# Images go to containers/storage with the vfs driver: its usual place, or the
# one a storage.conf named by CONTAINERS_STORAGE_CONF says.
# FO_BAZEL_OUTPUT_BASE: run Bazel with this --output_base (as scripts/fuzz.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

image=localhost/override-resolver
rev=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- || echo -dirty)
apt_sources=/etc/apt/sources.list.d/debian.sources
[ -f "$apt_sources" ] || apt_sources=/etc/apt/sources.list
bazel=(bazel ${FO_BAZEL_OUTPUT_BASE:+--output_base="$FO_BAZEL_OUTPUT_BASE"})
buildah() { command buildah --storage-driver vfs "$@"; }
runtime_packages() { sed 's/#.*//' deploy/runtime-packages.txt | xargs; }

# Prints the base image's name, making it first unless an equal one exists.
base_image() {
  local debootstrap=(mmdebstrap --variant=minbase --include="$(runtime_packages | tr ' ' ,)"
    # What debian:bookworm-slim leaves out too.
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright'
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*'
    --dpkgopt='path-exclude=/usr/share/locale/*'
    # minbase has no useradd; the account the server runs as.
    --customize-hook='echo "resolver:x:10001:10001::/nonexistent:/usr/sbin/nologin" >>"$1/etc/passwd"'
    --customize-hook='echo "resolver:x:10001:" >>"$1/etc/group"'
    bookworm)
  local key
  key=$( (echo "${debootstrap[*]}"; cat "$apt_sources") | sha256sum | cut -c1-12)
  local base=$image-base:$key
  if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
    local tar ctr
    tar=$(mktemp "${TMPDIR:-/tmp}/rootfs.XXXXXX.tar")
    trap "rm -f '$tar'" EXIT  # a failed mmdebstrap leaves no tarball
    echo "image: making the base $base from Debian's archive" >&2
    "${debootstrap[@]}" "$tar" "$apt_sources" >&2
    ctr=$(buildah from scratch)
    buildah add "$ctr" "$tar" / >&2
    buildah commit --rm "$ctr" "$base" >&2
    rm -f "$tar"
  fi
  echo "$base"
}

# The packages owning the libraries the binaries link directly.
linked_packages() {
  local bin paths=()
  for bin in "$@"; do
    # ldd's "name => path" lines for the names in the binary's DT_NEEDED;
    # with usrmerge dpkg knows each file under /lib or /usr/lib, so ask for both.
    paths+=($(ldd "$bin" | awk 'NR == FNR {needed[$1]; next} $1 in needed {print $3, "/usr" $3}' \
      <(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p') -))
  done
  { dpkg -S "${paths[@]}" 2>/dev/null || true; } | cut -d: -f1 | sort -u
}

build() {
  scripts/install_packages.sh buildah mmdebstrap
  scripts/setup.sh
  "${bazel[@]}" build -c opt //server:override-resolver //tools:overridectl >&2
  local bin base ctr
  bin=$("${bazel[@]}" info -c opt bazel-bin 2>/dev/null)
  local unlisted
  unlisted=$(comm -23 <(linked_packages "$bin/server/override-resolver" "$bin/tools/overridectl") \
    <(runtime_packages | tr ' ' '\n' | sort))
  if [ -n "$unlisted" ]; then
    echo "image: the binaries link libraries of packages deploy/runtime-packages.txt lacks:" $unlisted >&2
    exit 1
  fi
  base=$(base_image)
  ctr=$(buildah from "$base")
  buildah copy --chmod 0755 "$ctr" "$bin/server/override-resolver" "$bin/tools/overridectl" \
    /usr/local/bin/ >&2
  # As deploy/Dockerfile says.
  buildah config --user 10001 --port 8089 --port 8090 --port 8091 \
    --entrypoint '["/usr/local/bin/override-resolver"]' \
    --cmd '["--config", "/etc/override-resolver/config.yaml"]' \
    --label org.opencontainers.image.revision="$rev" "$ctr"
  local previous
  previous=$(buildah images --quiet "$image:$rev" 2>/dev/null || true)
  buildah commit --rm "$ctr" "$image:$rev" >&2
  buildah tag "$image:$rev" "$image:latest"
  # vfs keeps a whole copy per image: drop the one this build replaced, untagged now.
  [ -z "$previous" ] || buildah rmi "$previous" >/dev/null 2>&1 || true
  buildah images "$image"
}

passed=0 failed=0
# check NAME COMMAND...: runs the command and counts it as a check of the image.
check() {
  local name=$1
  shift
  if "$@"; then
    echo "image: PASS $name"
    passed=$((passed + 1))
  else
    echo "image: FAIL $name"
    failed=$((failed + 1))
  fi
}

# buildah run passes no signal on: the server is the innermost process beneath it.
server_process() {
  local pid=$server child
  while child=$(pgrep -P "$pid" | head -n 1); do pid=$child; done
  grep -q override-resolver "/proc/$pid/cmdline" && echo "$pid"
}

# The server must exit 0 within the grace plus a second of SIGTERM.
stops_in_time() {
  local deadline=$((SECONDS + grace + 1))
  kill -TERM "$(server_process)" || return 1
  while kill -0 "$server" 2>/dev/null && ((SECONDS <= deadline)); do sleep 0.1; done
  kill -0 "$server" 2>/dev/null && return 1
  wait "$server"
}

shutdown_logged() {
  grep -q 'signal=SIGTERM' "$work/server.log" && grep -q 'info shutting down' "$work/server.log" &&
    grep -q 'info stopped' "$work/server.log"
}

# ldd in the image: a library the base lacks is "not found".
libraries_found() {
  local out
  out=$("${run[@]}" ldd /usr/local/bin/override-resolver /usr/local/bin/overridectl) || return 1
  ! grep "not found" <<<"$out"
}

test_image() {
  scripts/install_packages.sh buildah curl
  local tag=$image:$rev
  buildah inspect --type image "$tag" >/dev/null 2>&1 ||
    { echo "image: there is no $tag: run scripts/image.sh build" >&2; exit 1; }
  work=$(mktemp -d "${TMPDIR:-/tmp}/image-test.XXXXXX")
  ctr=$(buildah from "$tag")
  server=
  trap '[ -n "$server" ] && kill -0 "$server" 2>/dev/null && kill -KILL "$(server_process)";
    buildah rm "$ctr" >/dev/null; rm -rf "$work"' EXIT
  grace=2
  mkdir "$work/config" "$work/data"
  chown 10001:10001 "$work/data"  # the image's user writes the records there
  cat >"$work/config/config.yaml" <<YAML
server: {grpc_port: 0, http_port: 0, probe_port: 0, shutdown_grace: ${grace}s}
storage: {driver: sqlite, sqlite_path: /var/lib/override-resolver/records.db}
YAML
  run=(buildah run --isolation chroot --network host
    -v "$work/config:/etc/override-resolver:ro" -v "$work/data:/var/lib/override-resolver"
    -v "$PWD/examples:/examples:ro" "$ctr" --)
  local entrypoint
  entrypoint=$(buildah inspect --format '{{range .OCIv1.Config.Entrypoint}}{{.}} {{end}}{{range .OCIv1.Config.Cmd}}{{.}} {{end}}' "$ctr")

  check "ldd finds every library of both binaries" libraries_found
  check "the server runs as uid 10001" test "$("${run[@]}" id -u)" = 10001

  # The image's own entrypoint and command, with the configuration mounted where it looks.
  "${run[@]}" $entrypoint >"$work/server.out" 2>"$work/server.log" &
  server=$!
  for _ in $(seq 150); do
    grep -q serving "$work/server.out" && break
    kill -0 $server 2>/dev/null || break
    sleep 0.2
  done
  check "the image's entrypoint and command start the server" grep -q serving "$work/server.out"
  if grep -q serving "$work/server.out"; then
    local grpc http probes x=/examples/training_pipeline
    grpc=$(sed -n 's/.*gRPC on \([^,]*\),.*/\1/p' "$work/server.out")
    http=$(sed -n 's/.*HTTP on \([^,]*\),.*$/\1/p' "$work/server.out")
    probes=$(sed -n 's/.*probes on \(.*\)$/\1/p' "$work/server.out")
    check "/healthz answers ok" test "$(curl -sf "http://$probes/healthz")" = ok
    "${run[@]}" overridectl resolve --server "$grpc" --execution-id image/test/e1 \
      --closure $x/closure.json --launch-plan $x/launch_plan.json --execution $x/execution.json \
      --explain --json >"$work/resolved.json" 2>&1 || true  # the diff below tells
    check "Resolve over gRPC with the image's overridectl gives examples' expected.json" \
      diff <(sed '$d' examples/training_pipeline/expected.json) "$work/resolved.json"
    check "the record reads back over HTTP" \
      curl -sf -o /dev/null "http://$http/v1/executions/image/test/e1?node=n1/n0"
    check "the record is in the mounted SQLite file" test -s "$work/data/records.db"
    check "SIGTERM: exit 0 within shutdown_grace + 1 s" stops_in_time
    check "the log shows SIGTERM, the shutdown and the stop" shutdown_logged
    grep -E 'SIGTERM|shutting down|stopped' "$work/server.log" | sed 's/^/image: log: /' || true
  fi
  echo "image: $passed passed, $failed failed"
  if ((failed)); then
    echo "image test: FAIL ($tag); the server's log:" && cat "$work/server.log"
    exit 1
  fi
  echo "image test: PASS ($tag)"
}

case "${1:-}" in
  build)
    build
    echo "image: built $image:$rev in ${SECONDS}s" ;;
  test) test_image ;;
  *) echo "usage: scripts/image.sh build|test" >&2; exit 2 ;;
esac
