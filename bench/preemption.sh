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
source "$(dirname "$0")/lib.sh"

build_bench sluice-bench-preemption
bench_header
run_repeated "$BIN" "$@"
