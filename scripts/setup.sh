#!/usr/bin/env bash
# Installs what the build and the tests need from Debian's archive. Idempotent:
# it asks apt only for packages that are missing.
set -euo pipefail

packages=(
  bazel-bootstrap
  g++
  python3
  protobuf-compiler
  protobuf-compiler-grpc
  libprotobuf-dev
  libgrpc++-dev
  libabsl-dev
  libspdlog-dev
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  libyaml-cpp-dev
  libsqlite3-dev
  postgresql
  libpq-dev
  libre2-dev
  libssl-dev
  libmicrohttpd-dev
  libgnutls28-dev
  curl
  openssl
  prometheus
  nginx
  python3-grpcio
  python3-protobuf
  clang-14
  libclang-rt-14-dev
  golang-go
  golang-google-grpc-dev
  golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev
  golang-gopkg-yaml.v3-dev
  protoc-gen-go-grpc
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
