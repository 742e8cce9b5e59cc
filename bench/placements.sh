#!/bin/bash
# GPU placements per second of the real select_gpu plugin on a generated 1,000-node cluster, with
# typed, untyped and mixed queues, through the controller's PluginSet and schedule_pass (in
# process). Method and results: docs/benchmarks.md, "GPU placements".
#
# Usage: bench/placements.sh [sluice-bench-placements options]
#        (--nodes 1000 --jobs 5000 --passes 5; defaults shown)
#
# Environment:
#   BUILD=<repo>/build   build tree; the program is $BUILD/bin/sluice-bench-placements
#   RUNS=1               runs, one after another (the machine is shared: look at the spread)
#   NO_BUILD=0           1: do not (re)build the target first
#   JOBS=1               build parallelism
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
RUNS=${RUNS:-1}
BIN=$BUILD/bin/sluice-bench-placements

if [ "${NO_BUILD:-0}" != 1 ]; then
  cmake --build "$BUILD" --target sluice-bench-placements -j "${JOBS:-1}" >/dev/null ||
    { echo "placements.sh: building sluice-bench-placements in $BUILD failed" >&2; exit 1; }
fi
[ -x "$BIN" ] || { echo "placements.sh: $BIN not found" >&2; exit 1; }

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname): $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# sluice $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), build $BUILD"
rc=0
for run in $(seq "$RUNS"); do
  [ "$RUNS" -gt 1 ] && echo "# run $run of $RUNS"
  "$BIN" "$@" || rc=1
  [ "$run" -lt "$RUNS" ] && echo
done
exit $rc
