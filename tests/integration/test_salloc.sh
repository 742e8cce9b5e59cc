#!/usr/bin/env bash
# salloc: an allocation with a command (or a shell) run here; srun inside it runs job steps in the
# allocation (no new job, SLURM_STEP_ID counting up, the allocation's GPUs); leaving the command
# gives the allocation back; Slurm's messages; a cancelled allocation is revoked; srun with a stale
# SLURM_JOB_ID is refused with Slurm's two lines.
source "$(dirname "$0")/lib.sh"
cluster_up

salloc -J alloc -G 1 bash -c '
  echo "job=$SLURM_JOB_ID nodes=$SLURM_JOB_NODELIST"
  srun printenv SLURM_JOB_ID SLURM_STEP_ID CUDA_VISIBLE_DEVICES | paste -sd" "
  srun printenv SLURM_STEP_ID
  echo hi | srun cat
  squeue -h -o %i | wc -l
  exit 4' > "$WORK/out" 2> "$WORK/err"
rc=$?
id=$(sed -n 's/^job=\([0-9]*\).*/\1/p' "$WORK/out")
expect_match '^[0-9]+$' "$id" "the command sees SLURM_JOB_ID"
expect_match "^job=$id nodes=n[1-3]$" "$(sed -n 1p "$WORK/out")" "and the allocation's node list"
expect_eq "$id 0 0" "$(sed -n 2p "$WORK/out")" "srun inside runs step 0 of the allocation, with its GPU"
expect_eq "1" "$(sed -n 3p "$WORK/out")" "the next srun is step 1"
expect_eq "hi" "$(sed -n 4p "$WORK/out")" "a step's stdin is forwarded"
expect_eq "1" "$(sed -n 5p "$WORK/out" | xargs)" "no new job: the queue holds the allocation alone"
expect_eq 4 "$rc" "salloc exits with the command's exit code"
expect_eq "salloc: Granted job allocation $id|salloc: Relinquishing job allocation $id" \
  "$(grep '^salloc:' "$WORK/err" | paste -sd'|')" "Slurm's messages"
wait_for 10 bash -c "[ -z \"\$(squeue -h -j $id -o %i)\" ]" || fail "the allocation was not given back"
expect_match "^$id +alloc +(FAILED|COMPLETED) +4:0" "$(sacct -n -X -j "$id" -o JobID,JobName,State,ExitCode | xargs)" \
  "the allocation ends with the command's exit code"

# Without a command: the user's shell (here a script reading its commands from stdin).
out=$(echo 'srun printenv SLURMD_NODENAME' | SHELL=/bin/sh salloc -w n2 2> "$WORK/err2")
expect_eq "n2" "$out" "no command: \$SHELL runs, and srun inside it reaches the allocation's node"
expect_eq "interactive" "$(sacct -n -X -o JobName%20 | tail -1 | xargs)" "its job name is Slurm's \"interactive\""

# Waiting for resources: Slurm's pending lines.
busy=$(sbatch --parsable -w n1 -c 4 --wrap 'sleep 60')
wait_for 10 state_is "$busy" RUNNING || fail "job $busy did not start"
(sleep 2; scancel "$busy") &
salloc -w n1 true 2> "$WORK/err3"
expect_match "salloc: Pending job allocation [0-9]+" "$(cat "$WORK/err3")" "a pending allocation says so"
expect_match "salloc: job [0-9]+ queued and waiting for resources" "$(cat "$WORK/err3")" "and waits"
expect_match "salloc: job [0-9]+ has been allocated resources" "$(cat "$WORK/err3")" "then is allocated"
expect_match "salloc: Granted job allocation [0-9]+" "$(cat "$WORK/err3")" "and granted"

# A cancelled allocation is revoked: salloc says so and its command gets SIGHUP.
salloc -J revoked bash -c 'trap "echo got-HUP; kill %1; exit 9" HUP; touch ready; sleep 300 & wait' > "$WORK/out4" 2> "$WORK/err4" &
spid=$!
wait_for 10 test -e "$WORK/ready" || fail "the allocation's command did not start"
scancel -n revoked
wait_for 15 bash -c "! kill -0 $spid 2>/dev/null" || fail "salloc did not end after its allocation was cancelled"
expect_contains "salloc: Job allocation" "$(cat "$WORK/err4")" "a cancelled allocation: salloc reports"
expect_contains "has been revoked." "$(cat "$WORK/err4")" "it as revoked"
expect_contains "got-HUP" "$(cat "$WORK/out4")" "its command gets SIGHUP"

# A killed salloc: the allocation ends (its node agent loses salloc's connection).
salloc -J lost sleep 3011 > /dev/null 2>&1 &
spid=$!
wait_for 10 bash -c "squeue -h -n lost -t R -o %i | grep -q ." || fail "the lost allocation did not start"
kill -9 "$spid"
wait "$spid" 2> /dev/null
pkill -x -f "sleep 3011"  # salloc's command runs here, not on the node: it outlives salloc, as in Slurm
wait_for 15 bash -c '[ -z "$(squeue -h -n lost -o %i)" ]' || fail "the allocation of a killed salloc stayed"

# srun inside a batch script: a step of the batch job, too.
bid=$(sbatch --parsable -o "$WORK/steps.out" --wrap 'srun printenv SLURM_STEP_ID; srun -J second printenv SLURM_STEP_ID SLURM_JOB_ID | paste -sd" "; squeue -h -o %i | wc -l')
wait_for 15 state_is "$bid" COMPLETED || fail "batch job $bid with steps: $(job_state "$bid")"
expect_eq "0|1 $bid|1" "$(xargs -L1 < "$WORK/steps.out" | paste -sd'|')" "srun in a batch script runs steps 0, 1 of that job, no new job"

# srun with a stale SLURM_JOB_ID.
out=$(SLURM_JOB_ID=99999 srun true 2>&1); rc=$?
expect_eq 1 "$rc" "srun with an unknown SLURM_JOB_ID exits 1"
expect_contains "srun: error: Unable to confirm allocation for job 99999: Invalid job id specified" "$out" "Slurm's error"
expect_contains "srun: Check SLURM_JOB_ID environment variable. Expired or invalid job 99999" "$out" "and hint"
[ "$T_FAILS" -eq 0 ]
