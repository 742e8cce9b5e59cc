#!/bin/bash
# Preemption latency of Sluice against real Slurm 22.05 (Debian 12) on this host: from `sbatch` of a
# prioritized job that must stop a running batch job to that job's first action.
#
# Usage: bench/preempt_latency.sh [REPS]          (default: 20)
#
# Both systems get the cluster of bench/throughput.sh (4 nodes x CPUS_PER_NODE CPUs; partitions
# `prioritized`, tier 10, never preempted, and `batch`, tier 1, preempt mode requeue) with a grace
# time of 0: Sluice with [plugins.preempt] library = "preempt", [plugins.requeue] library = "requeue"
# and grace_time = 0 on `batch` (bench/bench.toml plus these); Slurm with preempt/partition_prio,
# PreemptMode=REQUEUE and GraceTime=0 (bench/slurm/slurm.conf, GraceTime is not set: 0 by default).
#
# One repetition, on one cluster per system:
#   1. nothing is queued; 4 victims `sbatch -p batch -c CPUS_PER_NODE --wrap 'exec sleep 1000'` fill
#      the 4 nodes and are RUNNING (a plain sleep dies at once on SIGTERM);
#   2. t0 = the time just before `sbatch -c CPUS_PER_NODE --wrap 'date +%s.%N > FILE; ...'` (partition
#      prioritized); the job writes its start time as its first action;
#   3. latency = the time in FILE - t0; the script checks that a victim is no longer RUNNING;
#   4. every job is cancelled and the queue drained before the next repetition.
# The same job on the idle cluster (no victim) is measured the same way, as the floor: what sbatch,
# one scheduling decision and one job launch cost without preemption.
#
# Environment:
#   BUILD=<repo>/build     Sluice build tree (uses $BUILD/bin/{sluice,sbatch,squeue,scancel,...})
#   SKIP_SLURM=1           measure Sluice only;  SKIP_SLUICE=1  measure Slurm only
#   CPUS_PER_NODE=8        CPUs per node for both systems
#   WAIT_S=60              longest wait for one job to start (or the queue to drain)
#   KEEP=0                 1 keeps the work dir (configs, daemon logs) under /tmp/sluice-preempt.*
#   SLURM_CTLD_PORT=26817, SLURM_NODE_PORT=27001   ports of the private Slurm cluster
#
# Installs slurm-wlm and munge with apt-get when missing (unless SKIP_SLURM=1). Every daemon it starts
# is stopped on exit, also on error or Ctrl-C.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

REPS=${1:-20}
CPUS_PER_NODE=${CPUS_PER_NODE:-8}
WAIT_S=${WAIT_S:-60}
KEEP=${KEEP:-0}
NODES=4

need_positive_ints REPS CPUS_PER_NODE WAIT_S
choose_systems
if [[ $SKIP_SLUICE != 1 ]]; then
  need_sluice_bins sluice sbatch squeue scancel sluicectld sluiced
  for p in libpreempt.so librequeue.so; do
    [[ -f $BUILD/plugins/$p ]] || die "$BUILD/plugins/$p not found: build the preempt and requeue plugins"
  done
fi
[[ $SKIP_SLURM == 1 ]] || need_slurm

make_work sluice-preempt
mkdir -m 1777 "$WORK/out"
RESULTS=$WORK/results.txt; : > "$RESULTS"
FAILED=0

stop_clusters_on_exit preempt_latency.sh
B=

count() {  # PARTITION STATES: number of jobs of PARTITION in STATES
  timeout 20 "$B/squeue" -h -p "$1" -t "$2" -o %i 2>/dev/null | grep -c . || true
}
drain() {  # cancel every job and wait until none is active
  local ids t0=$EPOCHREALTIME
  mapfile -t ids < <(timeout 20 "$B/squeue" -h -o %i 2>/dev/null)
  [[ ${#ids[@]} -gt 0 ]] && timeout 20 "$B/scancel" "${ids[@]}" >/dev/null 2>&1
  while [[ -n $(timeout 20 "$B/squeue" -h -t PENDING,RUNNING,COMPLETING -o %i 2>/dev/null) ]]; do
    past "$t0" "$WAIT_S" && { echo "  $SYS: queue not drained after ${WAIT_S}s" >&2; return 1; }
    sleep 0.1
  done
}
fill() {  # DIR: NODES victims of `batch`, all RUNNING; each writes the time it got SIGTERM to DIR/<job id>
  local i t0
  for ((i = 1; i <= NODES; i++)); do
    "$B/sbatch" --parsable -p batch -J victim -c "$CPUS_PER_NODE" -o /dev/null -e /dev/null \
      --wrap "trap 'date +%s.%N > $1/\$SLURM_JOB_ID; exit 0' TERM; sleep 1000 & wait" \
      >/dev/null 2>>"$WORK/$SYS.sbatch.err" || { echo "  $SYS: victim sbatch failed: $(tail -n 1 "$WORK/$SYS.sbatch.err")" >&2; return 1; }
  done
  t0=$EPOCHREALTIME
  until [[ $(count batch RUNNING) == "$NODES" ]]; do
    past "$t0" "$WAIT_S" && { echo "  $SYS: victims not all RUNNING after ${WAIT_S}s" >&2; return 1; }
    sleep 0.1
  done
}
# one KIND REP: KIND "preempt" (the cluster full of victims) or "idle"; appends a LAT line.
one() {
  local kind=$1 rep=$2 f t0 t1 lat running=- v tv=- after=- vdir=$WORK/out/$SYS.victims.$2
  drain || return 1
  if [[ $kind == preempt ]]; then mkdir -m 1777 "$vdir" && fill "$vdir" || return 1; fi
  f=$WORK/out/$SYS.$kind.$rep
  t0=$EPOCHREALTIME
  "$B/sbatch" --parsable -p prioritized -J hi -c "$CPUS_PER_NODE" -o /dev/null -e /dev/null \
    --wrap "date +%s.%N > $f.tmp; mv $f.tmp $f" >/dev/null 2>>"$WORK/$SYS.sbatch.err" ||
    { echo "  $SYS: sbatch failed: $(tail -n 1 "$WORK/$SYS.sbatch.err")" >&2; return 1; }
  until [[ -s $f ]]; do
    past "$t0" "$WAIT_S" && { echo "  $SYS $kind rep $rep: the prioritized job did not start in ${WAIT_S}s" >&2; return 1; }
    sleep 0.02
  done
  t1=$(cat "$f")
  lat=$(ms_between "$t0" "$t1")
  if [[ $kind == preempt ]]; then
    running=$(count batch RUNNING)
    [[ $running -lt $NODES ]] || { echo "  $SYS rep $rep: all $NODES victims still RUNNING after the job started" >&2; return 1; }
    # The stopped victim's SIGTERM time (the others get theirs only when drain cancels them). A kill
    # right after the SIGTERM (grace 0) can end the trap before it writes: then the split is unknown.
    for _ in $(seq 1 10); do v=$(ls "$vdir"); [[ -n $v ]] && break; sleep 0.1; done
    [[ $(wc -w <<< "$v") -le 1 ]] || { echo "  $SYS rep $rep: more than one victim signalled: $v" >&2; return 1; }
    if [[ -n $v && -s $vdir/$v ]]; then
      tv=$(ms_between "$t0" "$(cat "$vdir/$v")")
      after=$(awk -v a="$tv" -v b="$lat" 'BEGIN{printf "%.1f", b-a}')
      awk -v d="$after" 'BEGIN{exit !(d < 0)}' && {
        echo "  $SYS rep $rep: the job started ${after} ms before its victim got SIGTERM" >&2; return 1; }
      echo "VIC $SYS $tv $after" >> "$RESULTS"
    else
      v="(its trap did not write: killed at once)"
    fi
  fi
  echo "LAT $SYS $kind $lat" >> "$RESULTS"
  printf "  %s %-7s rep %2d: %8s ms  (victim %s got SIGTERM at %s ms, the job started %s ms after; victims RUNNING after: %s)\n" \
    "$SYS" "$kind" "$rep" "$lat" "${v:--}" "$tv" "$after" "$running"
}

# ---------------------------------------------------------------------------------------------------
sed -e "s/^cpus = 8$/cpus = $CPUS_PER_NODE/" -e 's/^preempt_mode = "requeue"$/&\ngrace_time = 0/' \
  "$HERE/bench.toml" > "$WORK/bench.toml"
cat >> "$WORK/bench.toml" <<'TOML'

[plugins.preempt]
library = "preempt"

[plugins.requeue]
library = "requeue"
TOML
grep -q '^grace_time = 0$' "$WORK/bench.toml" || die "could not set grace_time = 0 in bench.toml"

echo "# Sluice vs Slurm preemption latency  $(date -Is)"
echo "# host $(hostname -s): nproc=$(nproc), load average $(load_average)"
[[ $SKIP_SLUICE == 1 ]] || echo "# sluice: $("$SLUICE_BIN/sluice" --version 2>&1) ($SLUICE_BIN); preempt + requeue plugins, batch grace_time = 0"
[[ $SKIP_SLURM == 1 ]] || echo "# slurm:  $(/usr/sbin/slurmctld -V 2>&1); preempt/partition_prio, PreemptMode=REQUEUE, GraceTime=0"
echo "# $NODES nodes x $CPUS_PER_NODE CPUs; $REPS reps per kind; latency = job's first \`date +%s.%N\` - time before sbatch"

for s in "${SYSTEMS[@]}"; do
  use_system "$s"
  sys_up || { FAILED=1; continue; }
  for kind in idle preempt; do
    for ((r = 1; r <= REPS; r++)); do one "$kind" "$r" || { FAILED=1; break; }; done
  done
  drain
  sys_down
done

echo
awk -v systems="${SYSTEMS[*]}" '
  function pct(list, p,   a, k, i, j, t, r) {
    k = split(list, a, " "); if (k == 0) return "NA"
    for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    r = int(p / 100 * k); if (r < p / 100 * k) r++; if (r < 1) r = 1
    return a[r]
  }
  $1 == "LAT" { v[$2 SUBSEP $3] = v[$2 SUBSEP $3] " " $4; n[$2 SUBSEP $3]++ }
  $1 == "VIC" { sig[$2] = sig[$2] " " $3; aft[$2] = aft[$2] " " $4 }
  END {
    ns = split(systems, sy, " ")
    fmt = "%-14s  %-8s  %5s  %10s  %10s  %10s  %10s\n"
    printf fmt, "system", "cluster", "reps", "p50 ms", "p99 ms", "min ms", "max ms"
    for (s = 1; s <= ns; s++)
      for (kk = 1; kk <= 2; kk++) {
        kind = kk == 1 ? "idle" : "preempt"; key = sy[s] SUBSEP kind
        p50[s, kind] = pct(v[key], 50)
        p99[s, kind] = pct(v[key], 99)
        printf fmt, sy[s], kind, n[key] + 0, p50[s, kind], p99[s, kind], pct(v[key], 0.001), pct(v[key], 100)
      }
    if (ns == 2)
      for (kk = 1; kk <= 2; kk++) {
        kind = kk == 1 ? "idle" : "preempt"
        r5 = (p50[1, kind] + 0 > 0 && p50[2, kind] != "NA") ? sprintf("%.1f", p50[2, kind] / p50[1, kind]) : "NA"
        r9 = (p99[1, kind] + 0 > 0 && p99[2, kind] != "NA") ? sprintf("%.1f", p99[2, kind] / p99[1, kind]) : "NA"
        printf fmt, "slurm/sluice", kind, "", r5, r9, "", ""
      }
    printf "\npreempt, split at the victim'"'"'s SIGTERM (p50 ms): sbatch -> victim signalled | victim signalled -> job started\n"
    for (s = 1; s <= ns; s++) printf "%-14s  %10s | %10s  (%d reps with the victim'"'"'s time)\n", sy[s], pct(sig[sy[s]], 50), pct(aft[sy[s]], 50), split(sig[sy[s]], tmp, " ")
  }' "$RESULTS"
echo
echo "# idle: the prioritized job on the empty cluster; preempt: the cluster full of batch victims (one stopped)."
echo "# slurm/sluice > 1: Sluice starts the job that many times sooner. p99 = nearest rank."
[[ $FAILED -eq 0 ]] || { echo "# some repetitions FAILED: see the messages above" >&2; exit 1; }
exit 0
