#!/usr/bin/env bash
# The test command: installs dependencies, builds, and runs every test (unit and multi-process
# integration) in a release build and again under AddressSanitizer + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
for kind in release asan; do
  echo "=== $kind: build"
  bash scripts/build.sh "$kind"
  dir=build; [ "$kind" = asan ] && dir=build-asan
  echo "=== $kind: test"
  ctest --test-dir "$dir" --output-on-failure -j "${TEST_JOBS:-2}"
done
