#!/usr/bin/env bash
# Installs what the build and the tests need from Debian's archive. Idempotent:
# it asks apt only for packages that are missing (scripts/install_packages.sh).
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
  libjemalloc-dev
  curl
  openssl
  prometheus
  nginx
  python3-grpcio
  python3-protobuf
  python3-yaml
  python3-selenium
  chromium
  chromium-driver
  fonts-dejavu-core
  nodejs
  clang-14
  libclang-rt-14-dev
  golang-go
  golang-google-grpc-dev
  golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev
  golang-gopkg-yaml.v3-dev
  protoc-gen-go-grpc
)

exec "$(dirname "$0")/install_packages.sh" "${packages[@]}"
