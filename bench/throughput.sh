#!/bin/bash
# Job throughput of Sluice against real Slurm 22.05 (Debian 12) on this host.
#
# Usage: bench/throughput.sh [N...]            (default: 500 2000)
#
# For each N and each system (Sluice first, then Slurm), on a fresh cluster per run:
#   submit      N x `sbatch --parsable -J tp -o /dev/null -e /dev/null --wrap true` from one shell loop;
#               submit jobs/s = N / (end of loop - start of loop)
#   end-to-end  poll `squeue -h -t <active states> -o %i` every POLL_S seconds from the end of the loop
#               until no job is active; end-to-end jobs/s = N / (nothing active - start of loop)
#   check       the number of COMPLETED jobs must be N (Sluice: sacct, else squeue -t all;
#               Slurm: the jobcomp file)
# then, on another fresh cluster: controller VmRSS idle and with N held jobs (`sbatch -H`).
# Both systems get 4 nodes x CPUS_PER_NODE CPUs (default 8, as in the Slurm anchor) and the same two
# partitions. Each system's commands are called by absolute path (Sluice: $BUILD/bin/..., Slurm:
# /usr/bin/...), so they never mix.
#
# Environment:
#   RUNS=1                 runs per N and system (the table shows the median)
#   BUILD=<repo>/build     Sluice build tree (uses $BUILD/bin/{sluice,sbatch,squeue,sacct,scancel})
#   SKIP_SLURM=1           measure Sluice only;  SKIP_SLUICE=1  measure Slurm only
#   CPUS_PER_NODE=8        CPUs per node for both systems
#   SLURM_CPUS_PER_NODE    CPUs per Slurm node (default: CPUS_PER_NODE; a different value is reported
#                          as an unequal comparison)
#   POLL_S=0.1             squeue poll interval for both systems (the anchor used 0.5)
#   POLL_LIMIT_S=900       longest wait for the queue to drain, per run
#   SUBMIT_LIMIT_S=900     longest submit loop, per run (the loop stops early past it)
#   MAX_TIME_S=7200        watchdog for the whole script
#   MEM=1                  0 skips the held-jobs memory measurement
#   KEEP=0                 1 keeps the work dir (configs, daemon logs) under /tmp/sluice-bench.*
#   SLURM_CTLD_PORT=26817, SLURM_NODE_PORT=27001   ports of the private Slurm cluster
#
# Installs slurm-wlm and munge with apt-get when missing (unless SKIP_SLURM=1). Every daemon it starts
# (Sluice clusters, slurmctld/slurmd, the private munged) is stopped on exit, also on error or Ctrl-C.
#
# Error handling is explicit (no `set -e`): a failure in one system's measurement is reported in the
# table and the other system is still measured.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

NS=("$@"); [[ ${#NS[@]} -eq 0 ]] && NS=(500 2000)
RUNS=${RUNS:-1}
CPUS_PER_NODE=${CPUS_PER_NODE:-8}
SLURM_CPUS_PER_NODE=${SLURM_CPUS_PER_NODE:-$CPUS_PER_NODE}
POLL_S=${POLL_S:-0.1}
POLL_LIMIT_S=${POLL_LIMIT_S:-900}
SUBMIT_LIMIT_S=${SUBMIT_LIMIT_S:-900}
MAX_TIME_S=${MAX_TIME_S:-7200}
MEM=${MEM:-1}
KEEP=${KEEP:-0}
NODES=4

for n in "${NS[@]}"; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$n'"; done
need_positive_ints RUNS CPUS_PER_NODE SLURM_CPUS_PER_NODE POLL_LIMIT_S SUBMIT_LIMIT_S MAX_TIME_S
[[ $POLL_S =~ ^[0-9]*\.?[0-9]+$ ]] || die "POLL_S must be a number of seconds, got '$POLL_S'"
choose_systems
[[ $SKIP_SLUICE == 1 ]] || need_sluice_bins sluice sbatch squeue sacct scancel sluicectld sluiced
[[ $SKIP_SLURM == 1 ]] || need_slurm

# ---------------------------------------------------------------------------------------------------
# Work dir, cleanup and watchdog.
make_work sluice-bench
RESULTS=$WORK/results.txt; : > "$RESULTS"
MAINPID=$$
FAILED=0

kill_tree() {  # PID: TERM the process and all its descendants
  local c
  for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$c"; done
  kill -TERM "$1" 2>/dev/null || true
}
# shellcheck disable=SC2317  # cleanup is called by the EXIT trap
cleanup() {
  local rc=$? d keep
  trap - EXIT INT TERM
  [[ -n ${WATCHDOG:-} ]] && kill_tree "$WATCHDOG"
  for d in "$WORK"/sluice-*/; do [[ -d $d ]] && sluice_down "${d%/}"; done
  [[ -d $WORK/slurm ]] && slurm_down "$WORK/slurm" --munge
  keep=0; [[ $KEEP == 1 || (($rc -ne 0 || $FAILED -ne 0) && ${INTERRUPTED:-0} == 0) ]] && keep=1
  keep_or_remove_work "$keep"
  exit "$rc"
}
trap cleanup EXIT
trap 'INTERRUPTED=1; echo "throughput.sh: interrupted" >&2; exit 130' INT
trap 'INTERRUPTED=1; echo "throughput.sh: terminated" >&2; exit 143' TERM

# The watchdog bounds the whole script even if a command hangs: it kills the script's children (not
# the daemons, which have detached), then the script, whose EXIT trap stops the clusters.
(
  sleep "$MAX_TIME_S" &
  wait $!
  echo "throughput.sh: watchdog: MAX_TIME_S=$MAX_TIME_S exceeded, stopping" >&2
  for c in $(ps -o pid= --ppid "$MAINPID"); do [[ $c == "$BASHPID" ]] || kill_tree "$c"; done
  kill -TERM "$MAINPID" 2>/dev/null
) &
WATCHDOG=$!

# ---------------------------------------------------------------------------------------------------
# Per-system primitives. use_system_polled sets what use_system (lib.sh) sets and the active states
# used by the completion poll.
rss_of() { local p; p=$(cat "$1" 2>/dev/null) || { echo NA; return; }
           awk '/^VmRSS:/{printf "%.1f", $2/1024; f=1} END{if(!f) print "NA"}' "/proc/$p/status" 2>/dev/null || echo NA; }

SYS=; B=; ACTIVE_STATES=; CLUSTER=
use_system_polled() {
  use_system "$1"
  if [[ $SYS == sluice ]]; then ACTIVE_STATES=PENDING,RUNNING,COMPLETING; else ACTIVE_STATES=PENDING,RUNNING,COMPLETING,CONFIGURING; fi
}

sys_up() {  # TAG: a fresh cluster for $SYS
  if [[ $SYS == sluice ]]; then
    CLUSTER=$WORK/sluice-$1
    sluice_up "$WORK/bench.toml" "$CLUSTER" || return 1
    if [[ $(printf '%s\n' "$SLUICE_UP_OUT" | wc -l) -gt 1 && -z ${UP_STDOUT_NOTED:-} ]]; then
      UP_STDOUT_NOTED=1
      echo "  note: \`sluice local up\` printed more than the export line on stdout:" >&2
      printf '%s\n' "$SLUICE_UP_OUT" | grep -v '^export SLUICE_CONF=' | head -n 3 | sed 's/^/    /' >&2
    fi
    SLUICE_AUTH=$(grep -o '([a-z]* auth)' "$CLUSTER.up.err" | tr -d '()')
  else
    CLUSTER=$WORK/slurm
    slurm_up "$CLUSTER" "$SLURM_CPUS_PER_NODE"
  fi
}
sys_down() {
  if [[ $SYS == sluice ]]; then
    sluice_down "$CLUSTER"
    [[ $KEEP == 1 || $FAILED -ne 0 ]] || rm -rf "$CLUSTER" "$CLUSTER.up.err"
    unset SLUICE_CONF
  else
    slurm_down "$CLUSTER"      # munged stays up for the next Slurm cluster
  fi
}
ctld_pidfile() { if [[ $SYS == sluice ]]; then echo "$CLUSTER/state/sluicectld.pid"; else echo "$CLUSTER/slurmctld.pid"; fi; }
ctld_rss() { rss_of "$(ctld_pidfile)"; }

# active: prints the number of active jobs; fails if squeue fails (its output is then in $WORK/squeue.err;
# active runs in a $(...) subshell, so it cannot set variables).
active() {
  local out
  out=$(timeout 20 "$B/squeue" -h -t "$ACTIVE_STATES" -o %i 2>&1) || { printf '%s\n' "$out" > "$WORK/squeue.err"; return 1; }
  if [[ -z $out ]]; then echo 0; else printf '%s\n' "$out" | wc -l; fi
}

squeue_err() { head -c 300 "$WORK/squeue.err" 2>/dev/null | tr '\n' ' '; }

# probe_squeue: on the idle cluster, check that squeue works and shows nothing. Sluice may not know the
# COMPLETING state name; fall back to PENDING,RUNNING and say so.
probe_squeue() {
  local a
  if a=$(active) && [[ $a == 0 ]]; then return 0; fi
  if [[ $SYS == sluice && $ACTIVE_STATES == PENDING,RUNNING,COMPLETING ]]; then
    echo "  note: sluice: \`squeue -h -t $ACTIVE_STATES -o %i\` failed ($(squeue_err)); polling PENDING,RUNNING" >&2
    ACTIVE_STATES=PENDING,RUNNING
    if a=$(active) && [[ $a == 0 ]]; then return 0; fi
  fi
  echo "  $SYS: squeue does not work on the idle cluster: \`$B/squeue -h -t $ACTIVE_STATES -o %i\` -> ${a:-$(squeue_err)}" >&2
  return 1
}

# completed FIRST LAST: how many jobs with ids FIRST..LAST are COMPLETED, and from which source.
completed() {
  local first=$1 last=$2 out
  if [[ $SYS == slurm ]]; then
    local f=$CLUSTER/log/jobcomp.txt
    [[ -f $f ]] || { echo "NA jobcomp-missing"; return; }
    awk -v f="$first" -v l="$last" '{ for(i=1;i<=NF;i++) if($i ~ /^JobId=/){split($i,a,"="); id=a[2]} }
      id>=f && id<=l && /JobState=COMPLETED/ {c++} END{print c+0, "jobcomp"}' "$f"
    return
  fi
  # Fresh cluster: every job it knows is one of ours, so sacct needs no id filter.
  if out=$(timeout 60 "$B/sacct" -n -X -S 2000-01-01 -o State 2>&1) && [[ -n $out ]]; then
    printf '%s\n' "$out" | awk '$1=="COMPLETED"{c++} END{print c+0, "sacct"}'; return
  fi
  printf '%s\n' "${out:-(no output)}" > "$WORK/sacct.err"
  if out=$(timeout 60 "$B/squeue" -h -t all -o "%i %T" 2>&1); then
    printf '%s\n' "$out" | awk -v f="$first" -v l="$last" '$1>=f && $1<=l && $2=="COMPLETED"{c++} END{print c+0, "squeue"}'
    return
  fi
  echo "NA none"
}

# submit_loop N ERRFILE [sbatch options...]: the timed loop. Sets FIRST, LAST, FAILS, T0, T1.
submit_loop() {
  local n=$1 errf=$2 i id; shift 2
  FIRST=; LAST=; FAILS=0
  T0=$EPOCHREALTIME
  for ((i = 1; i <= n; i++)); do
    if id=$("$B/sbatch" --parsable "$@" --wrap true 2>>"$errf") && [[ -n $id ]]; then
      id=${id%%;*}; [[ -z $FIRST ]] && FIRST=$id; LAST=$id
    else
      FAILS=$((FAILS + 1))
    fi
    if ((i % 100 == 0)) && past "$T0" "$SUBMIT_LIMIT_S"; then
      echo "  $SYS: submit loop passed SUBMIT_LIMIT_S=${SUBMIT_LIMIT_S}s after $i submissions; stopping it" >&2
      FAILS=$((FAILS + n - i)); break
    fi
  done
  T1=$EPOCHREALTIME
}

# one_run N R: one throughput run on a fresh cluster; appends a RUN line to $RESULTS.
one_run() {
  local n=$1 r=$2 a peak=0 errs=0 t2 done_ok src sub e2e errf
  sys_up "n$n-r$r" || { echo "RUN $SYS $n $r FAIL up" >> "$RESULTS"; return 1; }
  probe_squeue || { echo "RUN $SYS $n $r FAIL squeue" >> "$RESULTS"; sys_down; return 1; }
  local idle_rss; idle_rss=$(ctld_rss)
  errf=$WORK/$SYS-n$n-r$r.sbatch.err; : > "$errf"
  submit_loop "$n" "$errf" -J tp -o /dev/null -e /dev/null
  # Completion: poll until nothing is active, bounded by POLL_LIMIT_S from the start of the loop.
  while :; do
    if a=$(active); then
      errs=0; ((a > peak)) && peak=$a
      [[ $a -eq 0 ]] && break
    else
      errs=$((errs + 1))
      if ((errs >= 20)); then echo "  $SYS: squeue failed 20 times in a row: $(squeue_err)" >&2; break; fi
    fi
    if past "$T0" "$POLL_LIMIT_S"; then echo "  $SYS: gave up after POLL_LIMIT_S=${POLL_LIMIT_S}s with ${a:-?} active" >&2; break; fi
    sleep "$POLL_S"
  done
  t2=$EPOCHREALTIME
  read -r done_ok src < <(completed "${FIRST:-0}" "${LAST:-0}")
  sub=$(rate "$n" "$T0" "$T1")
  if [[ $a == 0 && $errs -lt 20 ]]; then e2e=$(rate "$n" "$T0" "$t2"); else e2e=NA; fi
  printf "  %s N=%d run %d: ids %s-%s submit_fail=%d | submit %ss -> %s jobs/s | all done %ss -> %s jobs/s end-to-end | COMPLETED=%s (%s) | peak active=%d | ctld VmRSS idle %s MB, now %s MB\n" \
    "$SYS" "$n" "$r" "${FIRST:-?}" "${LAST:-?}" "$FAILS" "$(elapsed "$T0" "$T1")" "$sub" "$(elapsed "$T0" "$t2")" "$e2e" \
    "$done_ok" "$src" "$peak" "$idle_rss" "$(ctld_rss)"
  if [[ $FAILS -gt 0 ]]; then echo "  $SYS: first sbatch errors:" >&2; sort "$errf" | uniq -c | sort -rn | head -n 3 | sed 's/^/    /' >&2; fi
  if [[ $SYS == sluice && $src != sacct && -f $WORK/sacct.err ]]; then
    echo "  note: sluice: \`sacct -n -X -S 2000-01-01 -o State\` failed or printed nothing ($(head -c 200 "$WORK/sacct.err" | tr '\n' ' ')); counted with $src" >&2
    rm -f "$WORK/sacct.err"
  fi
  local ok=ok
  [[ $FAILS -eq 0 && $e2e != NA && $done_ok == "$n" ]] || { ok=BAD; FAILED=1; }
  echo "RUN $SYS $n $r $ok $sub $e2e $done_ok $FAILS" >> "$RESULTS"
  sys_down
}

# mem_run N: controller VmRSS idle and with N held jobs, on a fresh cluster; appends a MEM line.
mem_run() {
  local n=$1 idle held pend t2 errf a
  sys_up "n$n-mem" || { echo "MEM $SYS $n NA NA NA" >> "$RESULTS"; return 1; }
  probe_squeue || { echo "MEM $SYS $n NA NA NA" >> "$RESULTS"; sys_down; return 1; }
  sleep 1
  idle=$(ctld_rss)
  errf=$WORK/$SYS-n$n-mem.sbatch.err; : > "$errf"
  submit_loop "$n" "$errf" -H -J held -o /dev/null -e /dev/null
  sleep 2
  held=$(ctld_rss)
  pend=$(timeout 30 "$B/squeue" -h -t PENDING -o %i 2>/dev/null | wc -l)
  local t0=$EPOCHREALTIME drained=yes
  timeout 120 "$B/scancel" -n held >/dev/null 2>&1 || echo "  $SYS: scancel -n held failed" >&2
  while :; do
    a=$(active) && [[ $a == 0 ]] && break
    past "$t0" 120 && { drained=no; break; }
    sleep "$POLL_S"
  done
  t2=$EPOCHREALTIME
  printf "  %s N=%d memory: ctld VmRSS idle %s MB; %d held jobs submitted in %ss (%s jobs/s, %d failed), %s pending -> VmRSS %s MB; scancel -n held drained: %s in %ss, VmRSS after %s MB\n" \
    "$SYS" "$n" "$idle" "$((n - FAILS))" "$(elapsed "$T0" "$T1")" "$(rate "$((n - FAILS))" "$T0" "$T1")" "$FAILS" "$pend" "$held" \
    "$drained" "$(elapsed "$t0" "$t2")" "$(ctld_rss)"
  [[ $pend -eq $n ]] || echo "  $SYS: expected $n pending held jobs, squeue shows $pend" >&2
  echo "MEM $SYS $n $idle $held $pend" >> "$RESULTS"
  sys_down
}

# ---------------------------------------------------------------------------------------------------
sed "s/^cpus = 8$/cpus = $CPUS_PER_NODE/" "$HERE/bench.toml" > "$WORK/bench.toml"
grep -q "^cpus = $CPUS_PER_NODE$" "$WORK/bench.toml" || die "could not set cpus = $CPUS_PER_NODE in bench.toml"

echo "# Sluice vs Slurm throughput  $(date -Is)"
echo "# host $(hostname -s): nproc=$(nproc), memory $(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(load_average)"
[[ $SKIP_SLUICE == 1 ]] || echo "# sluice: $("$SLUICE_BIN/sluice" --version 2>&1) ($SLUICE_BIN); cluster: $NODES nodes x $CPUS_PER_NODE CPUs (bench/bench.toml)"
[[ $SKIP_SLURM == 1 ]] || echo "# slurm:  $(/usr/sbin/slurmctld -V 2>&1) ($SLURM_BIN); cluster: $NODES nodes x $SLURM_CPUS_PER_NODE CPUs (bench/slurm/slurm.conf), default SchedulerParameters"
if [[ $SLURM_CPUS_PER_NODE != "$CPUS_PER_NODE" && ${#SYSTEMS[@]} -eq 2 ]]; then
  echo "# WARNING: unequal comparison: Sluice nodes have $CPUS_PER_NODE CPUs, Slurm nodes $SLURM_CPUS_PER_NODE"
fi
echo "# N=${NS[*]} runs=$RUNS; job: sbatch --parsable -J tp -o /dev/null -e /dev/null --wrap true; squeue polled every ${POLL_S}s for both systems; a fresh cluster for every run"

for n in "${NS[@]}"; do
  for s in "${SYSTEMS[@]}"; do
    use_system_polled "$s"
    for ((r = 1; r <= RUNS; r++)); do one_run "$n" "$r" || FAILED=1; done
    if [[ $MEM == 1 ]]; then mem_run "$n" || FAILED=1; fi
  done
done
[[ -n ${SLUICE_AUTH:-} ]] && echo "# sluice local up used $SLUICE_AUTH"

# ---------------------------------------------------------------------------------------------------
# Table: medians per (N, system), then the ratio sluice/slurm.
echo
awk -v systems="${SYSTEMS[*]}" -v runs="$RUNS" '
  function median(list,   a, k, i, j, t) {
    k = split(list, a, " "); if (k == 0) return "NA"
    for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (k % 2) ? a[(k + 1) / 2] : sprintf("%.2f", (a[k / 2] + a[k / 2 + 1]) / 2)
  }
  $1 == "RUN" { key = $3 SUBSEP $2; if (!($3 in seen)) { seen[$3] = 1; order[++nn] = $3 }
                total[key]++
                if ($5 == "ok") { ok[key]++; subr[key] = subr[key] " " $6; e2e[key] = e2e[key] " " $7 }
                comp[key] = comp[key] (comp[key] == "" ? "" : ",") $8 }
  $1 == "MEM" { key = $3 SUBSEP $2; idle[key] = $4; held[key] = $5
                if (!($3 in seen)) { seen[$3] = 1; order[++nn] = $3 } }
  END {
    ns = split(systems, sy, " ")
    fmt = "%-6s  %-13s  %-7s  %-10s  %-14s  %-13s  %-16s  %s\n"
    printf fmt, "N", "system", "ok/runs", "submit/s", "end-to-end/s", "COMPLETED", "ctld RSS idle", "ctld RSS N held"
    for (o = 1; o <= nn; o++) {
      n = order[o]
      for (s = 1; s <= ns; s++) {
        key = n SUBSEP sy[s]
        ms[s] = median(subr[key]); me[s] = median(e2e[key])
        printf fmt, n, sy[s], (ok[key] + 0) "/" (total[key] + 0), ms[s], me[s], (comp[key] == "" ? "NA" : comp[key]),
               ((key in idle) ? idle[key] " MB" : "-"), ((key in held) ? held[key] " MB" : "-")
      }
      if (ns == 2) {
        rs = (ms[1] != "NA" && ms[2] != "NA" && ms[2] > 0) ? sprintf("%.2f", ms[1] / ms[2]) : "NA"
        re = (me[1] != "NA" && me[2] != "NA" && me[2] > 0) ? sprintf("%.2f", me[1] / me[2]) : "NA"
        ki = n SUBSEP sy[1]; kj = n SUBSEP sy[2]
        ri = ((ki in idle) && (kj in idle) && idle[kj] + 0 > 0) ? sprintf("%.2f", idle[ki] / idle[kj]) : "-"
        rh = ((ki in held) && (kj in held) && held[kj] + 0 > 0) ? sprintf("%.2f", held[ki] / held[kj]) : "-"
        printf fmt, n, "sluice/slurm", "", rs, re, "", ri, rh
      }
    }
  }' "$RESULTS"
echo
echo "# submit/s = N / duration of the sequential sbatch loop; end-to-end/s = N / (first submit -> no job active)."
echo "# Medians over the runs marked ok (no failed submission, queue drained, N COMPLETED). RSS = controller VmRSS."
[[ $FAILED -eq 0 ]] || { echo "# some runs FAILED: see the messages above" >&2; exit 1; }
exit 0
