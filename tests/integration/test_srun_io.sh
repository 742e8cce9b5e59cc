#!/usr/bin/env bash
# srun's I/O as Slurm's: stdin forwarded to the job, stdout and stderr apart, -i/-o/-e, -u, -l,
# large output complete and in order, a vanished srun ends its job, Ctrl-C twice within a second
# aborts the step.
source "$(dirname "$0")/lib.sh"
cluster_up

expect_eq "hi" "$(echo hi | srun cat)" "stdin is forwarded: echo hi | srun cat"
expect_eq "3" "$(printf 'a\nb\nc\n' | srun wc -l)" "the job sees the end of its input"
expect_eq "" "$(srun cat < /dev/null)" "an empty stdin ends at once"
expect_eq "" "$(echo hi | srun -i none cat)" "-i none: the job's stdin is /dev/null"
expect_eq "hi" "$(echo hi | srun --input=0 cat)" "-i 0: task 0 gets stdin"
echo "from a file" > "$WORK/in.txt"
expect_eq "from a file" "$(srun -i in.txt cat < /dev/null)" "-i FILE: read on the node, relative to the working directory"

# stdout and stderr stay apart.
srun bash -c 'echo out; echo err >&2' > "$WORK/o" 2> "$WORK/e"
expect_eq "out" "$(cat "$WORK/o")" "stdout alone on srun's stdout"
expect_eq "err" "$(cat "$WORK/e")" "stderr alone on srun's stderr"

# -o/-e for srun: files opened on the node (patterns expanded); stderr follows -o unless -e.
srun -o "out-%j.txt" bash -c 'echo to-file; echo err-too >&2' > "$WORK/o"
expect_eq "" "$(cat "$WORK/o")" "-o: nothing comes back to srun's stdout"
f=$(ls "$WORK"/out-*.txt 2>/dev/null | head -1)
expect_eq "to-file err-too" "$(tr '\n' ' ' < "${f:-/dev/null}" | xargs)" "-o FILE gets stdout and stderr"
srun -o "$WORK/o2" -e "$WORK/e2" bash -c 'echo A; echo B >&2'
expect_eq "A" "$(cat "$WORK/o2")" "-o with -e: stdout in one file"
expect_eq "B" "$(cat "$WORK/e2")" "-e: stderr in the other"
expect_eq "x" "$(srun -u echo x)" "-u is accepted"
expect_eq "0: a|0: b" "$(printf 'a\nb\n' | srun -l cat | paste -sd'|')" "-l labels forwarded lines"

# 100 MB through stdin and back, complete and in order.
head -c 100000000 /dev/urandom > "$WORK/big"
want=$(md5sum < "$WORK/big")
expect_eq "$want" "$(srun cat < "$WORK/big" | md5sum)" "100 MB through srun's stdin and stdout arrive intact"
expect_eq "$want" "$(srun cat "$WORK/big" | md5sum)" "100 MB of output arrives intact"
rm -f "$WORK/big"

# A vanished srun ends its job (Slurm: the step ends with the srun that owns it).
srun -J vanish sleep 300 > /dev/null 2>&1 &
spid=$!
wait_for 10 bash -c "squeue -h -n vanish -t R -o %i | grep -q ." || fail "the job did not start"
id=$(squeue -h -n vanish -o %i)
kill -9 "$spid"
wait_for 15 bash -c "[ -z \"\$(squeue -h -j $id -o %i 2>/dev/null)\" ]" || fail "job $id kept running after srun was killed"
expect_match "^(FAILED|CANCELLED)" "$(sacct -n -X -j "$id" -o State | xargs)" "the job of a killed srun ended"

# Ctrl-C once: a status line; twice within a second: the step is aborted (SIGINT, then cancelled).
# (The job ignores the SIGTERM that follows the SIGINT at once, so that its INT trap surely runs;
# SIGKILL ends it after the kill wait.)
srun -J ctrlc bash -c 'trap "echo got-INT" INT; trap "" TERM; sleep 300 & wait; sleep 300 & wait' > "$WORK/c.out" 2> "$WORK/c.err" &
spid=$!
wait_for 10 bash -c "squeue -h -n ctrlc -t R -o %i | grep -q ." || fail "the ctrl-c job did not start"
sleep 1
kill -INT "$spid"
sleep 0.3
expect_contains "srun: interrupt (one more within 1 sec to abort)" "$(cat "$WORK/c.err")" "one Ctrl-C reports"
expect_match "srun: StepId=[0-9]+\.0 task 0: running" "$(cat "$WORK/c.err")" "with the task's state"
kill -INT "$spid"
wait_for 15 bash -c "! kill -0 $spid 2>/dev/null" || fail "srun did not end after two Ctrl-C"
wait "$spid"; rc=$?
expect_contains "srun: sending Ctrl-C to StepId=" "$(cat "$WORK/c.err")" "the second Ctrl-C is sent to the step"
expect_contains "got-INT" "$(cat "$WORK/c.out")" "the job got SIGINT"
[ "$rc" -ne 0 ] && pass "srun exits non-zero" || fail "srun exited 0 after an abort"
id=$(sacct -n -X --name ctrlc -o JobID | xargs)
expect_eq "CANCELLED" "$(sacct -n -X -j "$id" -o State | xargs | cut -d' ' -f1)" "the aborted job is CANCELLED"

# While the job waits for resources, Ctrl-C gives the allocation up.
busy=$(sbatch --parsable -w n1 -c 4 --wrap 'sleep 60')
wait_for 10 state_is "$busy" RUNNING || fail "job $busy did not start"
srun -J waiting -w n1 true 2> "$WORK/w.err" &
spid=$!
wait_for 10 bash -c "squeue -h -n waiting -t PD -o %i | grep -q ." || fail "the srun job is not pending"
id=$(squeue -h -n waiting -o %i)
kill -INT "$spid"
wait "$spid"; rc=$?
expect_eq 1 "$rc" "srun exits 1"
expect_match "srun: Job allocation [0-9]+ has been revoked" "$(cat "$WORK/w.err")" "and says so"
expect_eq "CANCELLED" "$(job_state "$id")" "the pending job is cancelled"
scancel "$busy"
[ "$T_FAILS" -eq 0 ]
