# shellcheck shell=bash
# shellcheck disable=SC2034  # the variables set here are used by the scripts that source this file
# What the benchmark scripts (bench/*.sh) share; sourced, never run:  source "$(dirname "$0")/lib.sh"
#
# Sourcing sets (each may be set in the environment first, where marked):
#   HERE         this directory (bench/), absolute
#   ROOT         the checkout, absolute
#   BUILD        the build tree (environment; default $ROOT/build)
#   SLUICE_BIN   $BUILD/bin, where the Sluice commands and daemons are
#   SLURM_BIN    /usr/bin, where the Slurm commands are
# and defines the functions below. Messages go to stderr and start with the script's name.
#
# Sections: the wrapper of an in-process benchmark (build, header, RUNS), checks, the Slurm
# packages, timing, and starting and stopping a Sluice or Slurm cluster on this host.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
SLUICE_BIN=$BUILD/bin
SLURM_BIN=/usr/bin

# die MESSAGE...: prints "<script>: MESSAGE" to stderr and exits 1.
die() { echo "${0##*/}: $*" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------------
# In-process benchmarks (decisions.sh, placements.sh, preemption.sh).

# build_bench TARGET [HINT...]: unless NO_BUILD=1, builds the CMake target TARGET in $BUILD with
# ${JOBS:-1} jobs (its output is dropped); then $BUILD/bin/TARGET must be executable. On a failure:
# the reason (then each HINT on a line of its own) on stderr, exit 1. Sets BIN to $BUILD/bin/TARGET.
build_bench() {
  local target=$1 hint; shift
  if [ "${NO_BUILD:-0}" != 1 ]; then
    if ! cmake --build "$BUILD" --target "$target" -j "${JOBS:-1}" >/dev/null; then
      echo "${0##*/}: building $target in $BUILD failed" >&2
      for hint in "$@"; do echo "$hint" >&2; done
      exit 1
    fi
  fi
  BIN=$BUILD/bin/$target
  [ -x "$BIN" ] || die "$BIN not found"
}

# bench_header: the two comment lines that open a report: UTC date, host, online CPUs and the 1-, 5-
# and 15-minute load averages; the checkout's `git describe` (or ?) and $BUILD.
bench_header() {
  echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC') on $(hostname): $(nproc) CPUs, load average $(load_average)"
  echo "# sluice $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?'), build $BUILD"
}

# run_repeated PROGRAM [ARGS...]: runs PROGRAM ARGS ${RUNS:-1} times one after another, each after a
# line "# run I of RUNS" when RUNS > 1 and separated by a blank line. Returns 0 when every run exited
# 0, else 1.
run_repeated() {
  local runs=${RUNS:-1} run rc=0
  for run in $(seq "$runs"); do
    [ "$runs" -gt 1 ] && echo "# run $run of $runs"
    "$@" || rc=1
    [ "$run" -lt "$runs" ] && echo
  done
  return $rc
}

# ---------------------------------------------------------------------------------------------------
# Checks and the Slurm packages (throughput.sh, preempt_latency.sh).

# need_positive_ints NAME...: each variable NAME must hold a whole number >= 1, else die.
need_positive_ints() {
  local v
  for v in "$@"; do [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer, got '${!v}'"; done
}

# choose_systems: from SKIP_SLUICE and SKIP_SLURM (environment, default 0; set here) sets SYSTEMS
# to the systems to measure, in order: sluice, slurm. Both skipped: die.
choose_systems() {
  SKIP_SLURM=${SKIP_SLURM:-0}
  SKIP_SLUICE=${SKIP_SLUICE:-0}
  [[ $SKIP_SLUICE == 1 && $SKIP_SLURM == 1 ]] && die "SKIP_SLUICE=1 and SKIP_SLURM=1: nothing to do"
  SYSTEMS=()
  [[ $SKIP_SLUICE == 1 ]] || SYSTEMS+=(sluice)
  [[ $SKIP_SLURM == 1 ]] || SYSTEMS+=(slurm)
}

# need_sluice_bins NAME...: each $SLUICE_BIN/NAME must be executable, else die (build, set BUILD or
# SKIP_SLUICE=1).
need_sluice_bins() {
  local c
  for c in "$@"; do
    [[ -x $SLUICE_BIN/$c ]] || die "$SLUICE_BIN/$c not found: build Sluice first or set BUILD (or SKIP_SLUICE=1)"
  done
}

# need_slurm: installs slurm-wlm and munge with apt-get when dpkg does not have them (idempotent; apt
# output on stderr), then checks the Slurm commands and daemons and munged. A failure: die.
need_slurm() {
  local missing=() p c
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "# installing ${missing[*]} with apt-get" >&2
    apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2 \
      || die "apt-get install ${missing[*]} failed"
  fi
  for c in /usr/bin/sbatch /usr/bin/squeue /usr/bin/scancel /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged; do
    [[ -x $c ]] || die "$c missing after installing slurm-wlm and munge"
  done
}

# make_work PREFIX: creates the work dir /tmp/PREFIX.XXXXXX, mode 755 (munged runs as user munge and
# must reach WORK/slurm/munge), and sets WORK to it; die when it cannot.
make_work() {
  WORK=$(mktemp -d "/tmp/$1.XXXXXX") || die "mktemp failed"
  chmod 755 "$WORK"
}

# keep_or_remove_work KEEP: KEEP 1 leaves $WORK (configs, daemon logs) and says where on stderr;
# anything else removes it.
keep_or_remove_work() {
  if [[ $1 == 1 ]]; then
    echo "# work dir with configs and daemon logs kept: $WORK (remove it with rm -rf $WORK)" >&2
  else
    rm -rf "$WORK"
  fi
}

# ---------------------------------------------------------------------------------------------------
# One private cluster at a time, for scripts that measure both systems in turn: $SYS (sluice or
# slurm) says which. sys_up/sys_down start and stop it: Sluice from $WORK/bench.toml under
# $WORK/sluice, Slurm with CPUS_PER_NODE CPUs per node under $WORK/slurm.
SYS=
sys_up() {
  if [[ $SYS == sluice ]]; then sluice_up "$WORK/bench.toml" "$WORK/sluice"
  else slurm_up "$WORK/slurm" "$CPUS_PER_NODE"; fi
}
sys_down() {
  if [[ $SYS == sluice ]]; then sluice_down "$WORK/sluice"; unset SLUICE_CONF
  else slurm_down "$WORK/slurm"; fi
}

# stop_clusters_on_exit NAME: at the script's exit both clusters are stopped (munge too) and $WORK
# is removed, unless KEEP=1, the script failed or FAILED is not 0; Ctrl-C and SIGTERM exit 130/143
# with a line naming NAME.
stop_clusters_on_exit() {
  BENCH_NAME=$1
  trap _stop_clusters EXIT
  trap 'echo "$BENCH_NAME: interrupted" >&2; exit 130' INT
  trap 'echo "$BENCH_NAME: terminated" >&2; exit 143' TERM
}
# shellcheck disable=SC2317  # called by the EXIT trap
_stop_clusters() {
  local rc=$? keep
  trap - EXIT INT TERM
  sluice_down "$WORK/sluice"
  [[ -d $WORK/slurm ]] && slurm_down "$WORK/slurm" --munge
  keep=0; [[ $KEEP == 1 || $rc -ne 0 || ${FAILED:-0} -ne 0 ]] && keep=1
  keep_or_remove_work "$keep"
  exit "$rc"
}

# ---------------------------------------------------------------------------------------------------
# Timing. Times are $EPOCHREALTIME values: seconds since the epoch with microseconds.

# load_average: the 1-, 5- and 15-minute load averages of /proc/loadavg, "a b c".
load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# elapsed START END: END - START in seconds, 3 decimals.
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.3f", b-a}'; }

# ms_between START END: END - START in milliseconds, 1 decimal (END may be `date +%s.%N`).
ms_between() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1f", (b-a)*1000}'; }

# rate N START END: N / (END - START), per second with 2 decimals; NA when END <= START.
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN{ if (b>a) printf "%.2f", n/(b-a); else print "NA" }'; }

# past START LIMIT: succeeds when more than LIMIT seconds have passed since START.
past() { awk -v s="$1" -v n="$EPOCHREALTIME" -v l="$2" 'BEGIN{exit !(n-s>l)}'; }

# ---------------------------------------------------------------------------------------------------
# Clusters on this host. Sluice: `sluice local up` from a config; Slurm: bench/slurm/start.sh.

# use_system SYSTEM: SYSTEM is sluice or slurm. Sets SYS, and B to the directory of that system's
# commands; exports SLURM_CONF=$WORK/slurm/etc/slurm.conf for Slurm and unsets the other system's
# config variable, so the two never mix.
use_system() {
  SYS=$1
  if [[ $SYS == sluice ]]; then
    B=$SLUICE_BIN; unset SLURM_CONF
  else
    B=$SLURM_BIN; unset SLUICE_CONF
    export SLURM_CONF=$WORK/slurm/etc/slurm.conf
  fi
}

# sluice_up CONFIG DIR: `sluice local up -f CONFIG --dir DIR`, its stderr in DIR.up.err. Exports
# SLUICE_CONF from the `export SLUICE_CONF=` line of its stdout and keeps the whole stdout in
# SLUICE_UP_OUT. A failure (exit status, or no such line): both outputs, indented, on stderr; returns 1.
sluice_up() {
  local dir=$2 conf rc
  SLUICE_UP_OUT=$("$SLUICE_BIN/sluice" local up -f "$1" --dir "$dir" 2>"$dir.up.err")
  rc=$?
  # Take the export line only: stdout is meant to hold just that line (see docs/benchmarks.md).
  conf=$(printf '%s\n' "$SLUICE_UP_OUT" | sed -n 's/^export SLUICE_CONF=//p' | tail -n 1)
  if [[ $rc -ne 0 || -z $conf ]]; then
    echo "  sluice local up failed (rc=$rc):" >&2
    { printf '%s\n' "$SLUICE_UP_OUT"; cat "$dir.up.err"; } | sed 's/^/    /' >&2
    return 1
  fi
  export SLUICE_CONF=$conf
}

# kill_pidfile FILE: TERM the process whose pid is in FILE, if it is alive; KILL it after 10 s.
kill_pidfile() {
  local p
  p=$(cat "$1" 2>/dev/null) || return 0
  [[ $p =~ ^[0-9]+$ ]] && kill -0 "$p" 2>/dev/null || return 0
  kill -TERM "$p" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || return 0; sleep 0.2; done
  kill -KILL "$p" 2>/dev/null || true
}

# sluice_down DIR: stops the Sluice cluster of DIR (`sluice local down`), then any agent, controller
# or munged it left behind (by their pid files). Nothing there: nothing to do. Always succeeds.
sluice_down() {
  local d=$1 f
  [[ -d $d ]] || return 0
  "$SLUICE_BIN/sluice" local down --dir "$d" >/dev/null 2>&1
  for f in "$d"/spool/*/sluiced.pid "$d/state/sluicectld.pid" "$d/munge/munged.pid"; do
    [[ -f $f ]] && kill_pidfile "$f"
  done
  return 0
}

# slurm_up DIR CPUS: a private Slurm cluster in DIR with CPUS CPUs per node (bench/slurm/start.sh),
# its stderr in DIR.up.err. A failure: that stderr, indented, on stderr; returns 1.
slurm_up() {
  CPUS_PER_NODE=$2 bash "$HERE/slurm/start.sh" "$1" 2>"$1.up.err" || {
    echo "  slurm start.sh failed:" >&2; sed 's/^/    /' "$1.up.err" >&2; return 1; }
}

# slurm_down DIR [--munge]: stops the Slurm cluster of DIR (bench/slurm/stop.sh); with --munge its
# munged too (else munged stays up for the next cluster).
slurm_down() { bash "$HERE/slurm/stop.sh" "$@"; }
