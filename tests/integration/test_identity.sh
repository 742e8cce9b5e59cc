#!/usr/bin/env bash
# Identity comes from MUNGE: jobs run as their submitter; users act only on their own jobs.
source "$(dirname "$0")/lib.sh"
cluster_up
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root to switch users"; exit 0; fi
# nobody runs a copy of the CLI (the build may sit under /root) from the cluster's work directory.
public_cli
as_nobody() { runuser -u nobody -- env PATH="$PUBLIC_BIN:/usr/bin:/bin" SLUICE_CONF="$SLUICE_CONF" SLUICE_TIMEOUT=5 "$@"; }
expect_eq "$PUBLIC_BIN/srun|$WORK" "$(as_nobody bash -c 'echo "$(command -v srun)|$PWD"')" \
  "nobody runs the public copy of the CLI from the work directory"

expect_eq "65534" "$(as_nobody srun id -u)" "a job runs as the submitting user"
id=$(as_nobody sbatch --parsable --wrap 'id -un; sleep 30')
wait_for 10 state_is "$id" RUNNING || fail "nobody's job did not start"
expect_eq "$id" "$(as_nobody squeue --me -h -o %i)" "squeue --me shows the caller's jobs"
expect_eq "nobody" "$(squeue -h -j "$id" -o %u)" "the job's user is taken from the credential"
rid=$(sbatch --parsable -H --wrap true)
expect_eq "" "$(as_nobody squeue --me -h -o %i | grep -x "$rid")" "--me hides other users' jobs"
out=$(as_nobody scancel "$rid" 2>&1); rc=$?
expect_eq 1 "$rc" "a user cannot cancel another's job"
expect_contains "Access/permission denied" "$out" "and is told why"
expect_eq "PENDING" "$(job_state "$rid")" "the other user's job is untouched"
out=$(as_nobody scontrol update NodeName=n1 State=DRAIN Reason=x 2>&1); rc=$?
expect_eq 1 "$rc" "only admins drain nodes"
expect_contains "Access/permission denied" "$out" "and the user is told why"
scancel "$id"; expect_eq 0 $? "root (an admin) cancels anyone's job"
wait_for 10 state_is "$id" CANCELLED || fail "admin cancel did not take"
expect_eq "nobody" "$(head -1 "slurm-$id.out")" "the job's output file was written as the user"
expect_eq "nobody" "$(stat -c %U "slurm-$id.out")" "the output file belongs to the user"
