#!/bin/bash
# Plugin decision overhead: the real partition and select_gpu plugins, loaded by the controller's
# PluginSet in process and isolated (sluice-plugin-host), per call and over whole scheduling passes
# (the controller's schedule_pass). Method and results: docs/benchmarks.md, "Plugin decision overhead".
#
# Usage: bench/decisions.sh [sluice-bench-decisions options]
#        (--nodes 64 --jobs 1000 --calls 2000 --passes 5 --strategy pack|spread; defaults shown)
#
# Environment:
#   BUILD=<repo>/build   build tree; the program is $BUILD/bin/sluice-bench-decisions, next to
#                        sluice-plugin-host, with the plugins in $BUILD/plugins
#   RUNS=1               runs, one after another (the machine is shared: look at the spread)
#   NO_BUILD=0           1: do not (re)build the target first
#   JOBS=1               build parallelism
#
# The program exits 1 when the two modes place jobs differently or a call fails; so does this script.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
RUNS=${RUNS:-1}
BIN=$BUILD/bin/sluice-bench-decisions

if [ "${NO_BUILD:-0}" != 1 ]; then
  if ! cmake --build "$BUILD" --target sluice-bench-decisions -j "${JOBS:-1}" >/dev/null; then
    echo "decisions.sh: building sluice-bench-decisions in $BUILD failed" >&2
    echo "  (is bench/ part of the build? the top-level CMakeLists.txt needs add_subdirectory(bench))" >&2
    exit 1
  fi
fi
[ -x "$BIN" ] || { echo "decisions.sh: $BIN not found" >&2; exit 1; }

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname): $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# sluice $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), build $BUILD"
echo "# command: $BIN $*"
rc=0
for run in $(seq "$RUNS"); do
  [ "$RUNS" -gt 1 ] && echo "# run $run of $RUNS"
  "$BIN" "$@" || rc=1
  [ "$run" -lt "$RUNS" ] && echo
done
exit $rc
