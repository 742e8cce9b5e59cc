#!/usr/bin/env bash
# A job past its time limit gets SIGTERM, then SIGKILL after kill_wait, and ends TIMEOUT.
source "$(dirname "$0")/lib.sh"
cluster_up

id=$(sbatch --parsable -t 0:02 --wrap 'trap "echo got TERM" TERM; sleep 60 & wait; sleep 60')
wait_for 15 state_is "$id" TIMEOUT || fail "job not TIMEOUT: $(job_state "$id")"
out=$(cat "slurm-$id.out")
expect_contains "DUE TO TIME LIMIT" "$out" "the output says why"
expect_contains "got TERM" "$out" "SIGTERM comes first"
expect_match "TIMEOUT" "$(sacct -n -X -j "$id" -o State | xargs)" "sacct shows TIMEOUT"
expect_eq "0:02" "$(squeue -h -t all -j "$id" -o %l)" "the time limit prints as Slurm does"
out=$(srun -t 0:01 sleep 30 2>&1); rc=$?
[ "$rc" -ne 0 ] && pass "srun past its limit fails" || fail "srun past its limit exited 0"
expect_contains "DUE TO TIME LIMIT" "$out" "srun shows the time-limit notice"
