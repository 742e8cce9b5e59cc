#!/usr/bin/env bash
# Backfill with time limits: a blocked job gets an expected start (squeue --start, scontrol show
# job StartTime); a later job runs ahead of it only when it cannot delay that start.
source "$(dirname "$0")/lib.sh"
cluster_up

run=$(sbatch --parsable -w n3 -c 4 -t 0:30 --wrap 'sleep 20')
wait_for 10 state_is "$run" RUNNING || fail "job $run did not start"
big=$(sbatch --parsable -c 8 -t 1:00 --wrap 'sleep 1')
long=$(sbatch --parsable -w n3 -c 2 -t 5:00 --wrap 'sleep 100')
short=$(sbatch --parsable -w n3 -c 2 -t 0:05 --wrap 'sleep 1')
elsewhere=$(sbatch --parsable -w n1 -c 2 -t 5:00 --wrap 'sleep 100')
sleep 1
expect_eq "PD (Resources)" "$(squeue -h -j "$big" -o '%t %R')" "the whole-node job waits for resources"
expect_eq "PD (Priority)" "$(squeue -h -j "$long" -o '%t %R')" "a long job on its node would delay it: it waits"
started() { [[ "$(job_state "$1")" =~ ^(RUNNING|COMPLETED)$ ]]; }
wait_for 5 started "$short" || fail "a short job that ends before the reservation did not backfill"
wait_for 5 started "$elsewhere" || fail "a job on another node did not run"
# The expected start: when job $run reaches its 30 s limit.
run_start=$(date -d "$(squeue -h -j "$run" -o %S)" +%s)
big_start=$(squeue -h -j "$big" -o %S)
[ "$big_start" != "N/A" ] && pass "the blocked job has an expected start" || fail "no expected start"
expect_eq $((run_start + 30)) "$(date -d "$big_start" +%s)" "expected start = the running job's start + its limit"
out=$(squeue --start)
expect_match "JOBID PARTITION +NAME +USER ST +START_TIME +NODES SCHEDNODES +NODELIST\(REASON\)" "$out" \
  "squeue --start prints Slurm's columns"
expect_match "$big +prioritiz +wrap +[a-z]+ PD +$big_start +1 \(null\) +\(Resources\)" "$out" \
  "squeue --start lists the blocked job with its expected start"
expect_contains "StartTime=$big_start" "$(scontrol show job "$big")" "scontrol show job shows the expected start"
scancel "$run"
wait_for 10 started "$big" || fail "the big job did not start once the node was free: $(job_state "$big")"
scancel "$long" "$elsewhere"
[ "$T_FAILS" -eq 0 ]
