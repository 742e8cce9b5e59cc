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
source "$(dirname "$0")/lib.sh"

build_bench sluice-bench-placements
bench_header
run_repeated "$BIN" "$@"
