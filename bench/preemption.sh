#!/bin/bash
# One scheduling pass whose pending jobs must preempt, on a generated 1,000-node cluster full of
# preemptible batch jobs, against the same pass without preemption, through the controller's PluginSet
# and schedule_pass (in process). Method and results: docs/benchmarks.md, "Preemption".
#
# Usage: bench/preemption.sh [sluice-bench-preemption options]
#        (--nodes 1000 --passes 10 --calls 200; defaults shown)
#
# Environment:
#   BUILD=<repo>/build   build tree; the program is $BUILD/bin/sluice-bench-preemption
#   RUNS=1               runs, one after another (the machine is shared: look at the spread)
#   NO_BUILD=0           1: do not (re)build the target first
#   JOBS=1               build parallelism
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
RUNS=${RUNS:-1}
BIN=$BUILD/bin/sluice-bench-preemption

if [ "${NO_BUILD:-0}" != 1 ]; then
  cmake --build "$BUILD" --target sluice-bench-preemption -j "${JOBS:-1}" >/dev/null ||
    { echo "preemption.sh: building sluice-bench-preemption in $BUILD failed" >&2; exit 1; }
fi
[ -x "$BIN" ] || { echo "preemption.sh: $BIN not found" >&2; exit 1; }

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname): $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# sluice $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), build $BUILD"
rc=0
for run in $(seq "$RUNS"); do
  [ "$RUNS" -gt 1 ] && echo "# run $run of $RUNS"
  "$BIN" "$@" || rc=1
  [ "$run" -lt "$RUNS" ] && echo
done
exit $rc
