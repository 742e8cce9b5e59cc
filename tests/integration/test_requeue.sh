#!/usr/bin/env bash
# scontrol requeue / requeuehold / release as Slurm: the same job id comes back PENDING with its
# restart count + 1 and SLURM_RESTART_COUNT, output appended; sacct -D lists every run.
source "$(dirname "$0")/lib.sh"
cluster_up

script='echo "run restart=${SLURM_RESTART_COUNT:-unset}"; sleep 300'
id=$(sbatch --parsable -o "rq-%j.out" --wrap "$script")
wait_for 10 state_is "$id" RUNNING || fail "job $id did not start"
wait_for 5 grep -q "restart=unset" "rq-$id.out" || fail "first run printed nothing"
check 0 "" "scontrol requeue of a running job is silent" scontrol requeue "$id"
wait_for 10 state_is "$id" RUNNING || fail "requeued job $id did not run again: $(job_state "$id")"
wait_for 5 grep -q "restart=1" "rq-$id.out" || fail "second run did not print restart=1"
out=$(cat "rq-$id.out")
expect_contains "restart=unset" "$out" "the first run's output is kept (appended, not truncated)"
expect_contains "DUE TO JOB REQUEUE" "$out" "the output says why the first run stopped"
expect_match "Restarts=1" "$(scontrol show job "$id")" "scontrol show job counts the restart"
runs=$(sacct -n -D -j "$id" -o JobID,State | awk '{print $1, $2}' | xargs)
expect_eq "$id REQUEUED $id RUNNING" "$runs" "sacct -D lists the requeued run and the current one"
expect_eq "$id RUNNING" "$(sacct -n -j "$id" -o JobID,State | awk '{print $1, $2}' | xargs)" \
  "sacct without -D shows only the current run"

# requeuehold: back to PENDING, held with Slurm's reason, until released.
check 0 "" "scontrol requeuehold is silent" scontrol requeuehold "$id"
wait_for 10 state_is "$id" PENDING || fail "requeuehold: job not pending: $(job_state "$id")"
expect_eq "(job requeued in held state)" "$(squeue -h -j "$id" -o %R)" "squeue shows the held reason"
expect_match "JobState=PENDING Reason=job_requeued_in_held_state" "$(scontrol show job "$id")" \
  "scontrol show job writes the reason as one word, as Slurm"
sleep 2
expect_eq "PENDING" "$(job_state "$id")" "a requeue-held job stays pending"
check 0 "" "scontrol release is silent" scontrol release "$id"
wait_for 10 state_is "$id" RUNNING || fail "released job did not run: $(job_state "$id")"
wait_for 5 grep -q "restart=2" "rq-$id.out" || fail "third run did not print restart=2"
scancel "$id"

# A finished job comes back too.
done_id=$(sbatch --parsable --wrap 'echo done')
wait_for 10 state_is "$done_id" COMPLETED || fail "job $done_id did not complete"
check 0 "" "scontrol requeue of a completed job" scontrol requeue "$done_id"
wait_for 10 bash -c "[ \$(grep -c done slurm-$done_id.out) = 2 ]" || fail "requeued completed job did not run again"
expect_match "Restarts=1" "$(scontrol show job "$done_id")" "the completed job was requeued"

# Refusals, as Slurm words them.
check 1 "Invalid job id specified for job 99999" "unknown job" scontrol requeue 99999
norq=$(sbatch --parsable --no-requeue --wrap 'sleep 300')
wait_for 10 state_is "$norq" RUNNING || fail "job $norq did not start"
check 1 "Requested operation is presently disabled for job $norq" "a --no-requeue job" scontrol requeue "$norq"
srun -J interactive sleep 300 >/dev/null 2>&1 &
srun_pid=$!
wait_for 10 bash -c 'squeue -h -t R -n interactive -o %i | grep -q .' || fail "srun job did not start"
sid=$(squeue -h -t R -n interactive -o %i)
check 1 "Only batch jobs are accepted or processed for job $sid" "an srun job" scontrol requeue "$sid"
kill "$srun_pid" 2>/dev/null
held=$(sbatch --parsable --hold --wrap 'true')
check 1 "Job is pending execution for job $held" "a pending job" scontrol requeue "$held"
public_cli
check 1 "Access/permission denied for job $norq" "another user's job" \
  runuser -u nobody -- env SLUICE_CONF="$SLUICE_CONF" SLUICE_TIMEOUT=5 "$PUBLIC_BIN/scontrol" requeue "$norq"
scancel "$norq" "$held"
[ "$T_FAILS" -eq 0 ]
