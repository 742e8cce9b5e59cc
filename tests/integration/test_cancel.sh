#!/usr/bin/env bash
# scancel of running and pending jobs, --signal, srun Ctrl-C, hold/release.
source "$(dirname "$0")/lib.sh"
cluster_up

id=$(sbatch --parsable --wrap 'echo started; sleep 60')
wait_for 10 state_is "$id" RUNNING || fail "job did not start"
scancel "$id"; expect_eq 0 $? "scancel exits 0"
wait_for 10 state_is "$id" CANCELLED || fail "job not CANCELLED: $(job_state "$id")"
expect_eq "" "$(squeue -h -j "$id" -o %i 2>/dev/null)" "a cancelled job leaves the default squeue"
expect_contains "CANCELLED AT" "$(cat "slurm-$id.out")" "the job's output records the cancellation"

# Pending (held) job.
id=$(sbatch --parsable -H --wrap true)
expect_eq "PD (JobHeldUser)" "$(squeue -h -j "$id" -o '%t %R')" "sbatch -H holds the job"
scontrol release "$id"
wait_for 10 state_is "$id" COMPLETED || fail "released job did not run"
id=$(sbatch --parsable -H --wrap true)
scancel "$id"
expect_eq "CANCELLED" "$(job_state "$id")" "cancelling a pending job"

# Unknown ids: silent as in Slurm, reported with -v; garbage is an error.
scancel 99999; expect_eq 0 $? "scancel of an unknown id exits 0"
expect_contains "Invalid job id specified" "$(scancel -v 99999 2>&1)" "scancel -v names the problem"
out=$(scancel abc 2>&1); rc=$?
expect_eq "1 scancel: error: Invalid job id abc" "$rc $out" "scancel abc"

# --signal delivers a signal without ending the job, routed as Slurm's scancel routes it: plain
# -s to the job's steps (not the batch shell), -b to the batch shell alone, -f to both. The shell
# runs its srun with USR1 ignored, so that -f (which reaches the shell's children) leaves it alone.
cat > sig.sh <<'EOF'
#!/bin/bash
trap 'echo shell got USR1' USR1
(trap '' USR1; exec srun bash -c 'trap "echo step got USR1" USR1; echo step ready; for i in $(seq 300); do sleep 0.1; done') &
echo shell ready
for i in $(seq 300); do sleep 0.1; done
EOF
signal_job() {  # signal_job VAR OPTION...: a sig.sh job, signalled once both traps are set; its id in VAR
  local var=$1 id
  shift
  id=$(sbatch --parsable sig.sh)
  wait_for 10 bash -c "grep -q 'step ready' slurm-$id.out && grep -q 'shell ready' slurm-$id.out" ||
    fail "sig.sh job $id did not get ready"
  scancel "$@" "$id" || fail "scancel $* $id exits $?"
  printf -v "$var" %s "$id"
}
signal_job steps -s USR1
signal_job batch --batch --signal=USR1
signal_job full -f -s USR1
wait_for 10 grep -q "step got USR1" "slurm-$steps.out" || fail "scancel -s: the step got no USR1"
wait_for 10 grep -q "shell got USR1" "slurm-$batch.out" || fail "scancel -b: the batch shell got no USR1"
wait_for 10 bash -c "grep -q 'step got USR1' slurm-$full.out && grep -q 'shell got USR1' slurm-$full.out" ||
  fail "scancel -f: not both the shell and the step got USR1"
sleep 1  # time for a wrongly routed signal to show
expect_eq "step got USR1" "$(grep "got USR1" "slurm-$steps.out")" "scancel -s signals the steps, not the batch shell"
expect_eq "shell got USR1" "$(grep "got USR1" "slurm-$batch.out")" "scancel -b signals the batch shell only"
expect_eq 2 "$(grep -c "got USR1" "slurm-$full.out")" "scancel -f signals the batch shell and the steps"
for id in $steps $batch $full; do
  expect_eq "RUNNING" "$(job_state "$id")" "job $id keeps running after --signal"
  scancel "$id"
done
# An srun job's command is its step: plain -s reaches it.
srun -J sigstep bash -c 'trap "echo srun step got USR1" USR1; echo srun ready; for i in $(seq 300); do sleep 0.1; done' \
  > "$WORK/srun_sig.out" 2>&1 &
spid=$!
wait_for 10 grep -q "srun ready" "$WORK/srun_sig.out" || fail "srun job did not get ready"
sid=$(squeue -h -n sigstep -o %i)
scancel -s USR1 "$sid"
wait_for 10 grep -q "srun step got USR1" "$WORK/srun_sig.out" || fail "scancel -s: the srun job's command got no USR1"
scancel "$sid"
wait $spid 2>/dev/null

# Ctrl-C twice within a second on srun cancels its job (one alone reports; test_srun_io).
srun sleep 60 2>"$WORK/srun.err" &
spid=$!
wait_for 10 bash -c "squeue -h -n sleep -t R -o %i | grep -q ." || fail "srun job did not start"
sid=$(squeue -h -n sleep -o %i)
sleep 0.5  # the node's agent has connected to srun: Ctrl-C now finds the job running, not pending
kill -INT $spid
sleep 0.2
kill -INT $spid
wait $spid; rc=$?
[ "$rc" -ne 0 ] && pass "srun exits non-zero after Ctrl-C" || fail "srun exit $rc after Ctrl-C"
wait_for 10 state_is "$sid" CANCELLED || fail "srun's job not cancelled: $(job_state "$sid")"
