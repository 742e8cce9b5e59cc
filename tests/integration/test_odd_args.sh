#!/usr/bin/env bash
# Hostile input never kills a command: every Slurm command runs over a table of odd arguments,
# first with the controller down, then against a running cluster. A command may refuse the input
# (Slurm's error line, a non-zero status) but must not die by a signal, hang, or fail in silence.
source "$(dirname "$0")/lib.sh"

LONG=$(printf 'A%.0s' $(seq 1 100000))
# Values given to every option that takes one, and as positional arguments.
VALUES=(
  "" " " "nosuchuser" "root" "-1" "0" "1_" "1.batch" "abc" "2147483648" "4294967296"
  "99999999999999999999" "-5" "1:2:3:4" "99999999:00" "UNLIMITED"
  "n[1-" "n[3-1]" "n[1-99999999]" "n[a-b]" "," "1,,2" "n[1-2][1-2]" "n[0-4294967296]"
  "gpu:" "gpu:t4:" "gpu:-1" "gpu:t4:99999999999" ":1"
  "%" "%.-5i" "%999999999i" "%Z" "%n%s%s%s%s" "%99999999999999999999j"
  "2026-13-45" "2026-01-01T25:99" "afterok:" "afterok:0" "ALL,NONE" "--"
  $'\xff\xfe' $'\xc3' $'a\x80b' $'\n' $'a\x01b' $'\x1b[31m'
  "$LONG"
)
# Under the sanitizers (SLUICE_ODD_VALUES=short), one value of each kind: every command and option
# is still tried, with fewer values.
if [ "${SLUICE_ODD_VALUES:-all}" = short ]; then
  VALUES=("" "nosuchuser" "-1" "1_" "99999999999999999999" "n[1-" "gpu:t4:" "%999999999i" "2026-13-45"
    $'\xff\xfe' "$LONG")
fi

T_CASES=0
PHASE=down
# The cases that asked the controller while it was down: only these are run again against a
# running cluster (the others ended before asking, the same way whatever the controller does).
declare -A ASKED=()
# run CMD ARGS...: a case of the table (see ASKED).
run() {
  [ "$PHASE" = live ] && [ -z "${ASKED[$(printf '%q ' "$@")]:-}" ] && return
  attempt "$@"
}
# attempt CMD ARGS...: the command must end by itself, not by a signal, and say why when it refuses.
attempt() {
  local out=$CLUSTER_DIR/odd.out err=$CLUSTER_DIR/odd.err rc key
  key=$(printf '%q ' "$@")
  T_CASES=$((T_CASES + 1))
  timeout -k 2 10 "$@" </dev/null >"$out" 2>"$err"
  rc=$?
  [ "$PHASE" = down ] && grep -q "Unable to contact" "$err" && ASKED[$key]=1
  local shown
  shown=$(printf '%s' "$key" | cut -c1-200)
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    fail "hangs: $shown"
  elif [ "$rc" -gt 128 ] && [ "$rc" -lt 255 ]; then
    fail "killed by signal $((rc - 128)): $shown"
  elif [ "$rc" -ne 0 ] && [ ! -s "$err" ] && [ ! -s "$out" ]; then  # scontrol's "not found" is on stdout
    fail "exit $rc without a word: $shown"
  fi
  if grep -q -E "runtime error:|Sanitizer|terminate called" "$err"; then
    fail "sanitizer report or uncaught exception: $shown"
    head -20 "$err"
  fi
}

# table CMD [fixed args...] -- OPTIONS...: each option with each value, before the fixed args.
table() {
  local cmd=$1; shift
  local fixed=()
  while [ "$1" != "--" ]; do fixed+=("$1"); shift; done
  shift
  local opt v
  for opt in "$@"; do
    for v in "${VALUES[@]}"; do
      case $opt in
        --*) run "$cmd" "$opt=$v" "${fixed[@]}" ;;
        *) run "$cmd" "$opt" "$v" "${fixed[@]}" ;;
      esac
    done
    run "$cmd" "${fixed[@]}" "$opt"  # the option without its value
  done
}

odd_everything() {  # [live]: against a running cluster
  local v
  # sbatch: jobs are held, so nothing runs; every option, then the script path itself.
  table sbatch -H --wrap true -- -J -p -t -N -n -c --mem --mem-per-cpu -G --gres --gpus-per-node \
    -w -x -D -o -e -i --open-mode -d --export --comment --signal --time-min
  for v in "${VALUES[@]}"; do run sbatch -H "$v"; run sbatch -H --wrap "$v"; done
  # --container: odd images and modes are the CLI's to refuse; images that exist, named after every
  # value, reach the controller (and its launch plugin), and so do odd commands run in an image.
  table sbatch -H --wrap true -- --container --container-mode
  for v in "${VALUES[@]}"; do
    [ ${#v} -lt 200 ] && : > "img-$v" 2>/dev/null && run sbatch -H --container="img-$v" --wrap true
    run srun --container=img- --container-mode=run "$v"
  done
  # srun parses sbatch's options; what it adds is the command and the live job (against a running
  # cluster every value it accepts runs a job).
  table srun true -- -p -w
  for v in "${VALUES[@]}"; do run srun "$v"; done
  if [ "${1:-}" = live ]; then
    # The held jobs carry every odd value sbatch accepted: show them every way there is, then
    # cancel them, so that the queries below need not wade through them (min_job_age is 1 s).
    attempt squeue
    attempt squeue -l
    attempt squeue -t all -o "%all"
    attempt squeue -t all -O "JobID,Name:50,Comment:50,WorkDir:50,StdOut:50,StdErr:50,StdIn:50,ReqNodes,ExcNodes"
    attempt squeue --json
    attempt sacct -a
    attempt sacct -a -P -o "jobid,jobname,partition,nodelist,workdir,comment,reqnodes"
    attempt scontrol show job
    attempt scontrol -o show job
    attempt scancel --me
    wait_for 20 bash -c '[ -z "$(squeue -h -t all -o %i)" ]' || fail "cancelled jobs did not leave the queue"
  fi
  table squeue -- -j -n -o -O -p -S -t -u -w --format
  for v in "${VALUES[@]}"; do run squeue "$v"; run squeue -j "$v"; run squeue --me -o "$v"; done
  table sinfo -- -n -o -O -p -S -t
  for v in "${VALUES[@]}"; do run sinfo "$v"; run sinfo -N -o "$v"; run sinfo -R -O "$v"; done
  table nodesummary -- -p -n --partition --nodes
  for v in "${VALUES[@]}"; do run nodesummary "$v"; run nodesummary --json -n "$v"; done
  table scancel 999999 -- -u -n -p -t -s
  for v in "${VALUES[@]}"; do run scancel "$v"; run scancel -v "$v" 999999; done
  table sacct -j 1 -- -o -r -s -S -u
  for v in "${VALUES[@]}"; do run sacct "$v"; run sacct -D -j "$v"; done
  for v in "${VALUES[@]}"; do run seff "$v"; run sluice jobstats "$v"; run squeue --start -o "$v"; done
  for v in "${VALUES[@]}"; do
    run scontrol "$v"
    run scontrol show "$v"
    run scontrol show job "$v"
    run scontrol show node "$v"
    run scontrol show partition "$v"
    run scontrol show hostnames "$v"
    run scontrol show hostlist "$v"
    run scontrol hold "$v"
    run scontrol release "$v"
    run scontrol uhold "$v"
    run scontrol requeue "$v"
    run scontrol requeuehold "$v"
    run scontrol update "NodeName=$v" State=RESUME
    run scontrol update NodeName=nosuch "State=$v"
    run scontrol update "$v"
    run scontrol update "JobId=$v" TimeLimit=1
    run scontrol update JobId=1 "TimeLimit=$v"
    run scontrol update JobId=1 "TimeLimit=+$v"
    run scontrol whatif -f "$v"
  done
}

# Controller down: a config whose controller does not run (nothing listens on port 1).
CLUSTER_DIR=$(mktemp -d /tmp/sluice-it.XXXXXX)
trap 'rm -rf "$CLUSTER_DIR"' EXIT
sed -e 's#^listen = .*#listen = "tcp://127.0.0.1:1"#' -e "s#^state_dir = .*#state_dir = \"$CLUSTER_DIR/state\"#" \
  "$HERE/cluster.toml" > "$CLUSTER_DIR/down.toml"
export SLUICE_CONF=$CLUSTER_DIR/down.toml
cd "$CLUSTER_DIR" || exit 1
odd_everything
pass "controller down: $T_CASES cases"
expect_contains "squeue: error: Invalid user: nosuchuser" "$(squeue -u nosuchuser 2>&1)" "an unknown user, controller down"
rm -rf "$CLUSTER_DIR"
trap - EXIT
[ "$T_FAILS" -eq 0 ] || { echo "$T_NAME: $T_FAILS check(s) failed"; exit 1; }

# A running cluster.
sed 's/^min_job_age = .*/min_job_age = 1/' "$HERE/cluster.toml" > /tmp/odd-args-$$.toml
printf '\n[plugins.launch]\nlibrary = "launch_singularity"\n' >> /tmp/odd-args-$$.toml  # for --container
cluster_up /tmp/odd-args-$$.toml
rm -f /tmp/odd-args-$$.toml
PHASE=live
# As Slurm's squeue: an unknown user is named, and the listing (empty for that user) follows.
sbatch -H --wrap true >/dev/null
out=$(squeue -u nosuchuser 2>&1 >/dev/null); rc=$?
expect_eq "0|squeue: error: Invalid user: nosuchuser" "$rc|$out" "an unknown user is named"
expect_eq "" "$(squeue -h -u nosuchuser,99999 2>/dev/null)" "and matches no job"
expect_eq 1 "$(squeue -h -u root,nosuchuser 2>/dev/null | wc -l)" "the known users of the list still count"
scancel --me
T_CASES=0
odd_everything live
pass "controller up: $T_CASES cases"
expect_eq "ok" "$(srun echo ok)" "the controller still runs jobs"
