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

# --signal delivers a signal without ending the job.
id=$(sbatch --parsable --wrap 'trap "echo got USR1" USR1; for i in $(seq 100); do sleep 0.1; done')
wait_for 10 state_is "$id" RUNNING || fail "signal job did not start"
sleep 0.5
scancel --signal=USR1 "$id"
wait_for 10 grep -q "got USR1" "slurm-$id.out" || fail "USR1 not delivered"
expect_eq "RUNNING" "$(job_state "$id")" "the job keeps running after --signal"
scancel "$id"

# Ctrl-C twice within a second on srun cancels its job (one alone reports; test_srun_io).
srun sleep 60 2>"$WORK/srun.err" &
spid=$!
wait_for 10 bash -c "squeue -h -o %j | grep -q sleep" || fail "srun job did not start"
sid=$(squeue -h -n sleep -o %i)
kill -INT $spid
sleep 0.2
kill -INT $spid
wait $spid; rc=$?
[ "$rc" -ne 0 ] && pass "srun exits non-zero after Ctrl-C" || fail "srun exit $rc after Ctrl-C"
wait_for 10 state_is "$sid" CANCELLED || fail "srun's job not cancelled: $(job_state "$sid")"
