#!/usr/bin/env bash
# The quick start's first command: builds override-resolver and overridectl,
# starts the server on its embedded default (SQLite, in .run/), resolves the
# bundled training-pipeline example through it, and leaves it running.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
bazel build -c opt //server:override-resolver //tools:overridectl >&2

mkdir -p .run
if [ -f .run/server.pid ] && kill -0 "$(cat .run/server.pid)" 2>/dev/null; then
  echo "stopping the server started last time (pid $(cat .run/server.pid))" >&2
  kill "$(cat .run/server.pid)"
  while kill -0 "$(cat .run/server.pid)" 2>/dev/null; do sleep 0.2; done
fi
cp -f bazel-bin/server/override-resolver bazel-bin/tools/overridectl .run/
(cd .run && exec ./override-resolver >server.out 2>server.log) &
echo $! >.run/server.pid
for _ in $(seq 150); do
  grep -q serving .run/server.out 2>/dev/null && break
  kill -0 "$(cat .run/server.pid)" 2>/dev/null || { cat .run/server.log >&2; exit 1; }
  sleep 0.2
done
grep -q serving .run/server.out || { echo "the server did not start; see .run/server.log" >&2; exit 1; }
grpc=$(sed -n 's/.*gRPC on \([^,]*\),.*/\1/p' .run/server.out)
http=$(sed -n 's/.*HTTP on \([^,]*\),.*$/\1/p' .run/server.out)
probes=$(sed -n 's/.*probes on \(.*\)$/\1/p' .run/server.out)

example=examples/training_pipeline
echo "\$ overridectl resolve --server $grpc --execution-id flytesnacks/development/quickstart --closure $example/closure.json --launch-plan $example/launch_plan.json --execution $example/execution.json"
.run/overridectl resolve --server "$grpc" --execution-id flytesnacks/development/quickstart \
  --closure "$example/closure.json" --launch-plan "$example/launch_plan.json" \
  --execution "$example/execution.json"
echo "\$ curl -s http://$probes/readyz"
curl -s "http://$probes/readyz"
cat <<MSG
override-resolver is running (pid $(cat .run/server.pid)): gRPC $grpc, HTTP http://$http, probes and metrics http://$probes
  console: http://$http/console/
  records: .run/override-resolver.db   logs: .run/server.log
  try:     .run/overridectl get --server $grpc --execution-id flytesnacks/development/quickstart --node n1/n0
  stop:    kill $(cat .run/server.pid)
MSG
