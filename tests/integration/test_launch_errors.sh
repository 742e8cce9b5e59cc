#!/usr/bin/env bash
# A job that cannot start (a file it needs cannot be opened on the node) ends FAILED with reason
# JobLaunchFailure, ExitCode 0:0 and the path with the OS error in scontrol show job and sacct
# (SystemComment).
source "$(dirname "$0")/lib.sh"
cluster_up

# launch_failed ID PATH WHAT: job ID ended FAILED/JobLaunchFailure/0:0 blaming PATH.
launch_failed() {
  local id=$1 path=$2 what=$3
  wait_for 10 state_is "$id" FAILED || fail "$what: job $id is $(job_state "$id")"
  local show
  show=$(scontrol show job "$id")
  expect_contains "Reason=JobLaunchFailure" "$show" "$what: scontrol show job says JobLaunchFailure"
  expect_contains "ExitCode=0:0" "$show" "$what: no exit code (it never ran)"
  expect_contains "SystemComment=Could not open $path: No such file or directory" "$show" \
    "$what: scontrol show job names the path and the OS error"
  expect_eq "FAILED|JobLaunchFailure|0:0|Could not open $path: No such file or directory" \
    "$(sacct -n -P -j "$id" -o State,Reason,ExitCode,SystemComment)" "$what: and sacct"
}
id=$(sbatch --parsable -o "$WORK/missing/out-%j.txt" --wrap 'echo hi')
launch_failed "$id" "stdout file $WORK/missing/out-$id.txt" "sbatch -o into a missing directory"
id=$(sbatch --parsable -o relative/out.txt --wrap 'echo hi')
launch_failed "$id" "stdout file $WORK/relative/out.txt" "a relative -o is named as the node resolved it"
id=$(sbatch --parsable -e "$WORK/missing/err.txt" --wrap 'echo hi')
launch_failed "$id" "stderr file $WORK/missing/err.txt" "sbatch -e into a missing directory"
id=$(sbatch --parsable -i "$WORK/no-such-input" --wrap 'cat')
launch_failed "$id" "stdin file $WORK/no-such-input" "sbatch -i of a missing file"
out=$(srun -J nowhere -o "$WORK/missing/srun.out" true 2>&1); rc=$?
expect_eq 1 "$rc" "srun -o into a missing directory exits 1"
expect_contains "Could not open stdout file $WORK/missing/srun.out: No such file or directory" "$out" \
  "srun prints why the launch failed"
sid=$(squeue -h -t all -n nowhere -o %i)
launch_failed "$sid" "stdout file $WORK/missing/srun.out" "srun -o into a missing directory"
id=$(sbatch --parsable --wrap 'echo fine')
wait_for 10 state_is "$id" COMPLETED || fail "an ordinary job after them: $(job_state "$id")"
expect_eq "None" "$(scontrol show job "$id" | grep -o 'Reason=[^ ]*' | cut -d= -f2)" "an ordinary job keeps Reason=None"
expect_eq "" "$(scontrol show job "$id" | grep SystemComment)" "and shows no SystemComment"
