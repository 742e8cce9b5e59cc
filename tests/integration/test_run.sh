#!/usr/bin/env bash
# Submit and run: srun output and exit codes, sbatch output files, patterns, environment.
source "$(dirname "$0")/lib.sh"
cluster_up

expect_eq "$(hostname)" "$(srun hostname)" "srun hostname prints the node's host name"
srun true; expect_eq 0 $? "srun true exits 0"
srun bash -c 'exit 7' 2>"$WORK/err"; rc=$?
expect_eq 7 "$rc" "srun exits with the job's exit code"
expect_contains "task 0: Exited with exit code 7" "$(cat "$WORK/err")" "srun reports the exit code"
srun bash -c 'kill -9 $$' 2>"$WORK/err"; rc=$?
expect_eq 137 "$rc" "srun of a job killed by SIGKILL exits 128+9"
expect_contains "task 0: Killed" "$(cat "$WORK/err")" "srun names the signal"
out=$(srun bash -c 'echo out; echo err >&2' 2>&1)
expect_contains "err" "$out" "srun forwards stderr"
expect_eq "0: a" "$(srun -l echo a)" "srun -l labels lines with the task id"

env_out=$(srun -J envjob -c 2 env)
expect_contains "SLURM_JOB_NAME=envjob" "$env_out" "SLURM_JOB_NAME"
expect_contains "SLURM_CPUS_PER_TASK=2" "$env_out" "SLURM_CPUS_PER_TASK"
expect_contains "SLURM_JOB_PARTITION=prioritized" "$env_out" "default partition is prioritized"
expect_contains "SLURM_SUBMIT_DIR=$WORK" "$env_out" "SLURM_SUBMIT_DIR"
expect_match "SLURMD_NODENAME=n[123]" "$env_out" "SLURMD_NODENAME"
expect_match "SLURM_JOB_ID=[0-9]+" "$env_out" "SLURM_JOB_ID"
FOO=bar srun --export=NONE env > "$WORK/env_none"
expect_eq "" "$(grep '^FOO=' "$WORK/env_none")" "--export=NONE drops the caller's environment"
expect_eq "FOO=bar" "$(FOO=bar srun env | grep '^FOO=')" "--export=ALL (default) passes the caller's environment"

# GPUs: the job sees exactly its GPU indices.
expect_eq "0,1" "$(srun --gres=gpu:t4:2 printenv CUDA_VISIBLE_DEVICES)" "--gres=gpu:t4:2 binds two GPUs"
expect_eq "n3" "$(srun --gres=gpu:a10:1 printenv SLURMD_NODENAME)" "a typed GPU request lands on that type"

# sbatch: script with #SBATCH lines, command line wins, output patterns.
cat > "$WORK/job.sh" <<'SH'
#!/bin/bash
#SBATCH -J fromscript
#SBATCH -p batch
#SBATCH -o %x-%j.out
echo "name=$SLURM_JOB_NAME part=$SLURM_JOB_PARTITION pwd=$(pwd) arg=$1"
echo "to stderr" >&2
SH
id=$(sbatch --parsable -p prioritized "$WORK/job.sh" hello)
expect_match '^[0-9]+$' "$id" "sbatch --parsable prints the id"
wait_for 10 state_is "$id" COMPLETED || fail "job $id did not complete: $(job_state "$id")"
expect_eq "name=fromscript part=prioritized pwd=$WORK arg=hello" "$(head -1 "$WORK/fromscript-$id.out")" \
  "#SBATCH lines apply, the command line wins, output pattern %x-%j"
expect_contains "to stderr" "$(cat "$WORK/fromscript-$id.out")" "stderr goes to the output file by default"

out=$(sbatch --wrap 'echo wrapped')
expect_match '^Submitted batch job [0-9]+$' "$out" "sbatch prints Submitted batch job N"
id=${out##* }
wait_for 10 state_is "$id" COMPLETED || fail "wrap job did not complete"
expect_eq "wrapped" "$(cat "$WORK/slurm-$id.out")" "default output file slurm-%j.out"

mkdir -p "$WORK/sub"
id=$(sbatch --parsable -D "$WORK/sub" -o out.%j -e err.%j --wrap 'pwd; echo oops >&2; exit 3')
wait_for 10 state_is "$id" FAILED || fail "failing job not FAILED: $(job_state "$id")"
expect_eq "$WORK/sub" "$(cat "$WORK/sub/out.$id")" "-D sets the working directory, relative -o inside it"
expect_eq "oops" "$(cat "$WORK/sub/err.$id")" "-e separates stderr"
expect_match "^$id +FAILED +3:0" "$(sacct -n -X -j "$id" -o JobID,State,ExitCode | head -1 | xargs)" \
  "sacct shows FAILED with exit code 3:0"

id=$(sbatch --parsable --wrap 'kill -USR1 $$')
wait_for 10 state_is "$id" FAILED || fail "signalled job not FAILED"
expect_match "FAILED +0:10" "$(sacct -n -X -j "$id" -o State,ExitCode | head -1 | xargs)" \
  "a job ended by a signal reports 0:<signal>"
