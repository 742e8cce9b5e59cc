#!/usr/bin/env bash
# A job that cannot start (a file it needs cannot be opened on the node) ends FAILED with reason
# JobLaunchFailure, ExitCode 0:0 and the path with the OS error in scontrol show job and sacct
# (SystemComment); a program that cannot be executed is the task's own failure, as in Slurm:
# "execve(): PROG: ERROR" on its stderr, exit code errno. The program is looked up with the job's
# own PATH. --export's precedence for ALL,VAR=value (core/slurm/export_env.hpp).
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

# The program is looked up with the job's PATH, not the node agent's.
mkdir -p "$WORK/bin" && printf '#!/bin/sh\necho mine\n' > "$WORK/bin/mytool" && chmod 755 "$WORK/bin/mytool"
expect_eq "mine" "$(PATH=$WORK/bin:$PATH srun mytool)" "a program in the job's own PATH runs"
out=$(srun --export=MYVAR=1 hostname 2>&1); rc=$?
expect_eq 2 "$rc" "srun --export=MYVAR=1 hostname: no PATH in the job, srun exits 2 as Slurm's"
expect_contains "execve(): hostname: No such file or directory" "$out" "the task says why"
expect_match "srun: error: n[0-9]+: task 0: Exited with exit code 2" "$out" "task exit code 2"
sid=$(squeue -h -t all -n hostname -o %i | tail -1)
expect_eq "FAILED NonZeroExitCode 2:0" "$(sacct -n -P -j "$sid" -o State,Reason,ExitCode | tr '|' ' ')" \
  "the task ran: FAILED with exit code 2, not a launch failure"
expect_eq "1" "$(srun --export=MYVAR=1 /usr/bin/printenv MYVAR)" "a program named by its path runs without PATH"
out=$(srun --export=PATH=/nonexistent hostname 2>&1); rc=$?
expect_eq 2 "$rc" "a PATH without the program: exit 2"
out=$(srun /nonexistent/prog 2>&1); rc=$?
expect_eq "2" "$rc" "srun of a missing path exits 2"
expect_contains "execve(): /nonexistent/prog: No such file or directory" "$out" "and names it"
printf 'data\n' > "$WORK/notexec" && chmod 644 "$WORK/notexec"
out=$(srun "$WORK/notexec" 2>&1); rc=$?
expect_eq 13 "$rc" "a file that is not executable: exit 13 (EACCES), as slurmstepd's exit(errno)"
expect_contains "execve(): $WORK/notexec: Permission denied" "$out" "and says so"

# --export=ALL,VAR=value: the caller's value wins for a variable it has (Slurm's man pages); one
# entry per variable. Without ALL the given value is the job's.
expect_eq "outer" "$(FOO=outer srun --export=ALL,FOO=inner printenv FOO)" "srun ALL,FOO=inner: the caller's FOO"
expect_eq "1" "$(FOO=outer srun --export=ALL,FOO=inner env | grep -c '^FOO=')" "srun: one FOO in the environment"
expect_eq "inner" "$(env -u FOO srun --export=ALL,FOO=inner printenv FOO)" "srun ALL,FOO=inner without a caller's FOO"
expect_eq "inner" "$(FOO=outer srun --export=FOO=inner /usr/bin/printenv FOO)" "srun FOO=inner without ALL: the given value"
expect_eq "outer" "$(FOO=outer srun --export=FOO,PATH /usr/bin/printenv FOO)" "srun --export=FOO: the caller's value"
id=$(FOO=outer sbatch --parsable --export=ALL,FOO=inner --wrap 'env | grep "^FOO="')
wait_for 10 state_is "$id" COMPLETED || fail "sbatch ALL,FOO=inner: $(job_state "$id")"
expect_eq "FOO=outer" "$(cat "slurm-$id.out")" "sbatch ALL,FOO=inner: one FOO, the caller's"
id=$(FOO=outer sbatch --parsable --export=FOO=inner,PATH --wrap 'env | grep "^FOO="')
wait_for 10 state_is "$id" COMPLETED || fail "sbatch FOO=inner: $(job_state "$id")"
expect_eq "FOO=inner" "$(cat "slurm-$id.out")" "sbatch FOO=inner without ALL: the given value"
