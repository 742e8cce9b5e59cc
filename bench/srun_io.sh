#!/bin/bash
# Throughput of srun's I/O, Sluice against real Slurm 22.05 (Debian 12) on this host: bytes streamed
# from a job's stdout to srun, and from srun's stdin to the job and back.
#
# Usage: bench/srun_io.sh                   (SIZE_MB=100, REPS=5 by default; see Environment)
#
# FILE = SIZE_MB x 1,000,000 random bytes (/dev/urandom) in the work dir; MB below means 10^6 bytes.
# Measured REPS times each, wall clock around the command ($EPOCHREALTIME), median reported:
#   floor   (no cluster)  `cat FILE > /dev/null`  and  `cat < FILE | cat > /dev/null`
#   then per system, on its own cluster (4 nodes x CPUS_PER_NODE CPUs, as bench/throughput.sh):
#   true    `srun true < /dev/null`                       the cost of one step without data
#   output  `srun cat FILE < /dev/null > /dev/null`       the job's stdout streamed to srun
#   input   `srun cat < FILE > /dev/null`                 srun's stdin forwarded to the job, whose cat
#                                                         sends it back: the bytes cross both ways
# (srun's stdin is /dev/null where the command reads no input, so nothing of the caller's stdin is
# forwarded.) Before the timed repetitions, untimed: one `srun true` (does a step run at all?), then
# `srun cat FILE | md5sum` and `srun cat < FILE | md5sum`, each of which must equal `md5sum < FILE`.
# The repetitions go true, output, input in turn. Each srun runs under `timeout STEP_LIMIT_S`.
# Reported: MB/s = SIZE_MB / median seconds, and MB/s excluding the start cost,
# SIZE_MB / (median seconds - median of `srun true`); the ratios sluice/slurm.
# If Slurm's srun cannot run a step here, the script says so and reports Sluice and the floor.
#
# Environment:
#   SIZE_MB=100            size of FILE in MB (10^6 bytes)
#   REPS=5                 timed repetitions of each command
#   BUILD=<repo>/build     Sluice build tree (uses $BUILD/bin/{sluice,srun,sluicectld,sluiced})
#   SKIP_SLURM=1           measure Sluice only;  SKIP_SLUICE=1  measure Slurm only
#   CPUS_PER_NODE=8        CPUs per node for both systems
#   STEP_LIMIT_S=300       longest time for one srun
#   KEEP=0                 1 keeps the work dir (configs, daemon logs, FILE) under /tmp/sluice-srunio.*
#   SLURM_CTLD_PORT=26817, SLURM_NODE_PORT=27001   ports of the private Slurm cluster
#
# Installs slurm-wlm and munge with apt-get when missing (unless SKIP_SLURM=1). Every daemon it starts
# is stopped on exit, also on error or Ctrl-C.
set -uo pipefail
source "$(dirname "$0")/lib.sh"

SIZE_MB=${SIZE_MB:-100}
REPS=${REPS:-5}
CPUS_PER_NODE=${CPUS_PER_NODE:-8}
STEP_LIMIT_S=${STEP_LIMIT_S:-300}
KEEP=${KEEP:-0}
NODES=4

need_positive_ints SIZE_MB REPS CPUS_PER_NODE STEP_LIMIT_S
choose_systems
[[ $SKIP_SLUICE == 1 ]] || need_sluice_bins sluice srun sluicectld sluiced
if [[ $SKIP_SLURM != 1 ]]; then
  need_slurm
  [[ -x $SLURM_BIN/srun ]] || die "$SLURM_BIN/srun missing after installing slurm-wlm"
fi

make_work sluice-srunio
RESULTS=$WORK/results.txt; : > "$RESULTS"
FAILED=0

stop_clusters_on_exit srun_io.sh
B=

# run_kind KIND: the measured command KIND of $SYS (local: the floor). srun's stderr goes to
# $WORK/$SYS.srun.err.
srun_() { timeout -k 5 "$STEP_LIMIT_S" "$B/srun" "$@" 2>>"$WORK/$SYS.srun.err"; }
run_kind() {
  case $SYS/$1 in
    local/output) cat "$FILE" > /dev/null ;;
    local/input) cat < "$FILE" | cat > /dev/null ;;
    */true) srun_ true < /dev/null > /dev/null ;;
    */output) srun_ cat "$FILE" < /dev/null > /dev/null ;;
    */input) srun_ cat < "$FILE" > /dev/null ;;
    *) die "run_kind: unknown $SYS/$1" ;;
  esac
}

# timed KIND REP: runs KIND once (run_kind) and appends "T SYS KIND SECONDS" to RESULTS. A non-zero
# exit status: a message, returns 1.
timed() {
  local kind=$1 rep=$2 t0 t1 rc s
  t0=$EPOCHREALTIME
  run_kind "$kind"; rc=$?
  t1=$EPOCHREALTIME
  s=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.6f", b-a}')
  if [[ $rc -ne 0 ]]; then
    echo "  $SYS $kind rep $rep: exit status $rc after ${s}s$( [[ $SYS == local ]] || echo ": $(tail -n 1 "$WORK/$SYS.srun.err")")" >&2
    return 1
  fi
  echo "T $SYS $kind $s" >> "$RESULTS"
  printf "  %-6s %-6s rep %d: %8.3f s  %s\n" "$SYS" "$kind" "$rep" "$s" \
    "$([[ $kind == true ]] || echo "($(rate "$SIZE_MB" "$t0" "$t1") MB/s)")"
}

# verify: the untimed checks on a fresh cluster: one step at all, then both directions by md5.
# Returns 2 when no step runs (the system is then reported without numbers), 1 on a wrong checksum.
verify() {
  local got rc
  if ! timeout -k 5 60 "$B/srun" true < /dev/null > /dev/null 2>>"$WORK/$SYS.srun.err"; then
    echo "  $SYS: \`srun true\` failed: cannot run a step here:" >&2
    tail -n 5 "$WORK/$SYS.srun.err" | sed 's/^/    /' >&2
    echo "NOSTEP $SYS" >> "$RESULTS"
    return 2
  fi
  got=$(srun_ cat "$FILE" < /dev/null | md5sum); rc=$?
  if [[ $rc -ne 0 || $got != "$WANT" ]]; then
    echo "  $SYS: \`srun cat FILE | md5sum\` gave '$got' (exit status $rc), expected '$WANT'" >&2; return 1; fi
  echo "  $SYS: srun cat FILE | md5sum: ${got%% *} ok"
  got=$(srun_ cat < "$FILE" | md5sum); rc=$?
  if [[ $rc -ne 0 || $got != "$WANT" ]]; then
    echo "  $SYS: \`srun cat < FILE | md5sum\` gave '$got' (exit status $rc), expected '$WANT'" >&2; return 1; fi
  echo "  $SYS: srun cat < FILE | md5sum: ${got%% *} ok"
}

# ---------------------------------------------------------------------------------------------------
sed "s/^cpus = 8$/cpus = $CPUS_PER_NODE/" "$HERE/bench.toml" > "$WORK/bench.toml"
grep -q "^cpus = $CPUS_PER_NODE$" "$WORK/bench.toml" || die "could not set cpus = $CPUS_PER_NODE in bench.toml"
FILE=$WORK/data
head -c $((SIZE_MB * 1000000)) /dev/urandom > "$FILE" || die "could not write $FILE"
chmod 644 "$FILE"
WANT=$(md5sum < "$FILE")

echo "# srun I/O throughput, Sluice vs Slurm  $(date -Is)"
echo "# host $(hostname -s): nproc=$(nproc), memory $(awk '/^MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), load average $(load_average)"
[[ $SKIP_SLUICE == 1 ]] || echo "# sluice: $("$SLUICE_BIN/sluice" --version 2>&1) ($SLUICE_BIN), git $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
[[ $SKIP_SLURM == 1 ]] || echo "# slurm:  $(/usr/sbin/slurmctld -V 2>&1) ($SLURM_BIN)"
echo "# FILE: $SIZE_MB MB (10^6 bytes) of /dev/urandom in $WORK, md5 ${WANT%% *}; $REPS reps; $NODES nodes x $CPUS_PER_NODE CPUs per system"

SYS=local
cat "$FILE" > /dev/null   # in the page cache before anything is timed
for kind in output input; do
  for ((r = 1; r <= REPS; r++)); do timed "$kind" "$r" || { FAILED=1; break; }; done
done

for s in "${SYSTEMS[@]}"; do
  use_system "$s"
  echo "# $SYS: cluster starting, load average $(load_average)"
  sys_up || { FAILED=1; echo "NOSTEP $SYS" >> "$RESULTS"; continue; }
  verify; rc=$?
  if [[ $rc -eq 0 ]]; then
    for ((r = 1; r <= REPS; r++)); do
      for kind in true output input; do timed "$kind" "$r" || { FAILED=1; break 2; }; done
    done
  elif [[ $rc -eq 1 ]]; then
    FAILED=1
  fi
  echo "# $SYS: done, load average $(load_average)"
  sys_down
done

echo
awk -v systems="local ${SYSTEMS[*]}" -v size="$SIZE_MB" '
  function median(list,   a, k, i, j, t) {
    k = split(list, a, " "); if (k == 0) return "NA"
    for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
    return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
  }
  function mbs(s) { return (s == "NA" || s + 0 <= 0) ? "NA" : sprintf("%.1f", size / s) }
  function ratio(a, b) { return (a == "NA" || b == "NA" || b + 0 <= 0) ? "NA" : sprintf("%.2f", a / b) }
  $1 == "T" { v[$2 SUBSEP $3] = v[$2 SUBSEP $3] " " $4; n[$2 SUBSEP $3]++ }
  $1 == "NOSTEP" { nostep[$2] = 1 }
  END {
    ns = split(systems, sy, " ")
    fmt = "%-13s  %4s  %10s  %9s  %11s  %11s  %9s  %11s  %11s\n"
    printf fmt, "system", "reps", "true s", "output s", "output MB/s", "excl. start", "input s", "input MB/s", "excl. start"
    for (s = 1; s <= ns; s++) {
      x = sy[s]
      if (x in nostep) { printf "%-13s  no step ran: no numbers (see the messages above)\n", x; continue }
      t = (x == "local") ? "NA" : median(v[x SUBSEP "true"])
      o = median(v[x SUBSEP "output"]); i = median(v[x SUBSEP "input"])
      mo[x] = mbs(o); mi[x] = mbs(i); tt[x] = t
      no[x] = (t == "NA" || o == "NA") ? "NA" : mbs(o - t)
      ni[x] = (t == "NA" || i == "NA") ? "NA" : mbs(i - t)
      printf fmt, (x == "local" ? "floor (cat)" : x), n[x SUBSEP "output"] + 0,
             (t == "NA" ? "-" : sprintf("%.3f", t)), (o == "NA" ? "NA" : sprintf("%.3f", o)), mo[x],
             (x == "local" ? "-" : no[x]), (i == "NA" ? "NA" : sprintf("%.3f", i)), mi[x], (x == "local" ? "-" : ni[x])
    }
    if (("sluice" in tt) && ("slurm" in tt))
      printf fmt, "sluice/slurm", "", ratio(tt["sluice"], tt["slurm"]), "", ratio(mo["sluice"], mo["slurm"]),
             ratio(no["sluice"], no["slurm"]), "", ratio(mi["sluice"], mi["slurm"]), ratio(ni["sluice"], ni["slurm"])
  }' "$RESULTS"
echo
echo "# Seconds: medians of the reps; true s = \`srun true\`. MB/s = $SIZE_MB MB / median s; excl. start = $SIZE_MB MB / (median s - median \`srun true\`)."
echo "# input: the bytes go srun -> job (stdin) and back (the job's cat writes them to stdout)."
echo "# sluice/slurm: > 1 in the MB/s columns means Sluice is faster; in \`srun true\`, < 1 means Sluice is faster."
echo "# load average at the end: $(load_average)"
[[ $FAILED -eq 0 ]] || { echo "# some measurements FAILED: see the messages above" >&2; exit 1; }
exit 0
