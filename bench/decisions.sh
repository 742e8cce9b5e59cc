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
source "$(dirname "$0")/lib.sh"

build_bench sluice-bench-decisions \
  "  (is bench/ part of the build? the top-level CMakeLists.txt needs add_subdirectory(bench))"
bench_header
echo "# command: $BIN $*"
run_repeated "$BIN" "$@"
