# Shared helpers for the integration tests: each test sources this, calls cluster_up, and uses
# the real CLI against real daemons. SLUICE_BIN (the build's bin/) must be set by the runner.
set -uo pipefail
: "${SLUICE_BIN:?set SLUICE_BIN to the bin directory of a build}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PATH="$SLUICE_BIN:$PATH"
export SLUICE_TIMEOUT=5
T_FAILS=0
T_NAME=$(basename "$0" .sh)

# cluster_up [config]: a cluster run from a copy of the config, $CLUSTER_CONF (the admin's file:
# edit it, then `scontrol reconfigure`); SLUICE_CONF is the file `sluice local up` writes around it.
cluster_up() {
  local conf=${1:-$HERE/cluster.toml}
  CLUSTER_DIR=$(mktemp -d /tmp/sluice-it.XXXXXX)
  chmod 755 "$CLUSTER_DIR"
  WORK=$CLUSTER_DIR/work
  mkdir -p "$WORK" && chmod 1777 "$WORK"
  CLUSTER_CONF=$CLUSTER_DIR/cluster.toml
  if [ "${SLUICE_TEST_ISOLATE:-0}" = 1 ]; then  # the same tests with every plugin in its own process
    sed 's/^library = .*/&\nisolate = true/' "$conf" > "$CLUSTER_CONF"
  else
    cp "$conf" "$CLUSTER_CONF"
  fi
  local out
  local auth=()
  [ "${SLUICE_TEST_NO_MUNGE:-0}" = 1 ] && auth=(--no-munge)  # kernel peer credentials over ipc
  out=$(sluice local up -f "$CLUSTER_CONF" --dir "$CLUSTER_DIR" "${auth[@]}" 2>"$CLUSTER_DIR/up.err") || {
    echo "FATAL: sluice local up failed:"; cat "$CLUSTER_DIR/up.err"; exit 1; }
  eval "$out"
  trap cluster_down EXIT
  cd "$WORK" || exit 1
}

# public_cli: a copy of the CLI (the static `sluice` and its command links) in $PUBLIC_BIN, which
# every user can run: the build may lie where only its owner can enter (a clone under /root).
# Removed with the cluster.
public_cli() {
  PUBLIC_BIN=$CLUSTER_DIR/bin
  mkdir -p "$PUBLIC_BIN" && chmod 755 "$PUBLIC_BIN"
  cp "$SLUICE_BIN/sluice" "$PUBLIC_BIN/sluice" && chmod 755 "$PUBLIC_BIN/sluice"
  local cmd
  for cmd in srun salloc sbatch squeue sinfo scontrol scancel sacct nodesummary; do ln -s sluice "$PUBLIC_BIN/$cmd"; done
}

cluster_down() {
  local rc=$?
  cd /
  if [ -n "${CLUSTER_DIR:-}" ]; then
    sluice local down --dir "$CLUSTER_DIR" 2>/dev/null
    # Sanitizer reports from the daemons land in their logs.
    if grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$CLUSTER_DIR"/log/*.log 2>/dev/null; then
      fail "sanitizer report in daemon logs"
      grep -h -A 30 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$CLUSTER_DIR"/log/*.log | head -80
    fi
    if [ "$T_FAILS" -ne 0 ] || [ "$rc" -ne 0 ]; then
      echo "--- controller log (tail) ---"; tail -n 40 "$CLUSTER_DIR/log/sluicectld.log" 2>/dev/null
      local agent_log
      for agent_log in "$CLUSTER_DIR"/log/sluiced*.log; do
        [ -f "$agent_log" ] || continue
        echo "--- $(basename "$agent_log"): warnings and errors (tail) ---"
        grep -E "\] (warning|error|critical):" "$agent_log" | tail -n 15
      done
    fi
    rm -rf "$CLUSTER_DIR"
  fi
  if [ "$T_FAILS" -ne 0 ]; then echo "$T_NAME: $T_FAILS check(s) failed"; exit 1; fi
  exit "$rc"
}

fail() { echo "FAIL [$T_NAME:${BASH_LINENO[1]}]: $*"; T_FAILS=$((T_FAILS + 1)); }
pass() { echo "ok: $*"; }

expect_eq() {  # expected actual what
  if [ "$1" == "$2" ]; then pass "$3"; else fail "$3: expected [$1], got [$2]"; fi
}
expect_match() {  # regex actual what
  if [[ "$2" =~ $1 ]]; then pass "$3"; else fail "$3: [$2] does not match /$1/"; fi
}
expect_contains() {  # needle haystack what
  if [[ "$2" == *"$1"* ]]; then pass "$3"; else fail "$3: [$2] lacks [$1]"; fi
}

# wait_for SECONDS command...: retries the command every 0.1 s until it succeeds.
# check RC OUTPUT WHAT COMMAND...: the command exits RC and prints exactly OUTPUT (stdout and stderr).
check() {  # expected_rc expected_output what command...
  local rc_want=$1 want=$2 what=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  expect_eq "$rc_want|$want" "$rc|$out" "$what"
}
wait_for() {
  local limit=$1; shift
  local end=$((SECONDS + limit))
  while ! "$@" >/dev/null 2>&1; do
    [ $SECONDS -ge $end ] && return 1
    sleep 0.1
  done
}

job_state() { squeue -h -t all -j "$1" -o "%T" 2>/dev/null; }
state_is() { [ "$(job_state "$1")" == "$2" ]; }
