#!/usr/bin/env bash
# Preemption and requeue end to end: a checkpointing `batch` job is preempted by a `prioritized`
# one, gets its --signal, checkpoints, comes back under the same id and finishes; its output holds
# every number exactly once. Also: cancel mode, nothing preempts `prioritized`, no victims when
# stopping them would not help, time-limit requeue, and kill -9 of the controller mid-preemption.
source "$(dirname "$0")/lib.sh"
conf=$(mktemp /tmp/sluice-preempt.XXXXXX.toml)
sed 's/^preempt_mode = "requeue"$/&\ngrace_time = 4/' "$HERE/cluster.toml" > "$conf"
cat >> "$conf" <<'TOML'

[plugins.preempt]
library = "preempt"

[plugins.requeue]
library = "requeue"
[plugins.requeue.options]
delay = 1
requeue_on = ["preempted", "node_fail", "timeout"]
TOML
cluster_up "$conf"
rm -f "$conf"

# The checkpointing job of examples/checkpoint/count.sh: counts to $1, one number per 0.2 s,
# remembering the last number printed; on USR1 or TERM it saves that and exits.
count_script() {
  cat <<'SH'
#!/bin/bash
ckpt=$SLURM_JOB_ID.ckpt
done_n=$(cat "$ckpt" 2>/dev/null || echo 0)
echo "start restart=${SLURM_RESTART_COUNT:-0} from=$done_n"
trap 'echo "$done_n" > "$ckpt"; echo "checkpoint at $done_n"; exit 0' USR1 TERM
i=$done_n
while [ "$i" -lt "$1" ]; do
  i=$((i + 1))
  echo "count $i"
  done_n=$i
  sleep 0.2 &
  wait $!
done
echo "$done_n" > "$ckpt"
echo finished
SH
}
count_script > count.sh
# count_limit.sh: the variant for time limits: USR1 (before the limit) only saves a checkpoint and
# the job goes on until the limit's SIGTERM.
sed 's/^trap .* USR1 TERM$/trap '"'"'echo "$done_n" > "$ckpt"; echo "checkpoint at $done_n"'"'"' USR1\n&/; s/ USR1 TERM$/ TERM/' \
  count.sh > count_limit.sh
chmod +x count.sh count_limit.sh
numbers_once() {  # job id, N: every number 1..N exactly once in its output
  local want got
  want=$(seq 1 "$2" | xargs)
  got=$(grep '^count ' "slurm-$1.out" | awk '{print $2}' | xargs)
  expect_eq "$want" "$got" "job $1 printed every number exactly once"
}

# 1. Preemption with requeue: the batch job holds n3's only a10.
victim=$(sbatch --parsable -p batch --requeue --signal=B:USR1@5 --gres=gpu:a10:1 -c 8 count.sh 40)
wait_for 10 grep -q "count 3" "slurm-$victim.out" || fail "victim did not start counting"
hi=$(sbatch --parsable --gres=gpu:a10:1 -J hi --wrap 'echo hi ran; sleep 2')
wait_for 10 grep -q "checkpoint at" "slurm-$victim.out" || fail "victim not signalled: $(job_state "$victim")"
wait_for 10 grep -q "hi ran" "slurm-$hi.out" || fail "prioritized job did not start: $(job_state "$hi")"
expect_match "^(PENDING|RUNNING)$" "$(job_state "$victim")" "the victim is requeued, not ended"
expect_match "Restarts=1" "$(scontrol show job "$victim")" "the victim's restart count is 1"
wait_for 30 state_is "$victim" COMPLETED || fail "victim did not finish: $(job_state "$victim")"
out=$(cat "slurm-$victim.out")
expect_match "sluiced: error: \*\*\* JOB $victim ON n3 CANCELLED AT [0-9T:-]+ DUE TO PREEMPTION \*\*\*" "$out" \
  "the victim's output says it was preempted, the line whole although the job wrote after it"
expect_contains "checkpoint at" "$out" "the victim got USR1 and checkpointed"
expect_contains "start restart=1" "$out" "the second run sees SLURM_RESTART_COUNT=1"
expect_contains "finished" "$out" "the victim finished after its requeue"
numbers_once "$victim" 40
expect_eq "$victim PREEMPTED $victim COMPLETED" \
  "$(sacct -n -D -j "$victim" -o JobID,State | awk '{print $1, $2}' | xargs)" "sacct -D shows both runs"
expect_contains "hi ran" "$(cat "slurm-$hi.out")" "the prioritized job ran"

# 2. Cancel mode: a --no-requeue victim ends PREEMPTED with a reason.
norq=$(sbatch --parsable -p batch --no-requeue --gres=gpu:a10:1 -c 8 --wrap 'sleep 300')
wait_for 10 state_is "$norq" RUNNING || fail "norq did not start"
hi2=$(sbatch --parsable --gres=gpu:a10:1 --wrap 'sleep 1')
wait_for 15 state_is "$norq" PREEMPTED || fail "--no-requeue victim not PREEMPTED: $(job_state "$norq")"
expect_eq "PR n3" "$(squeue -h -t all -j "$norq" -o '%t %R')" "squeue shows PR on its node, as Slurm"
expect_match "JobState=PREEMPTED Reason=Preempted_by_job_$hi2" "$(scontrol show job "$norq")" \
  "scontrol show job says which job preempted it"
wait_for 10 state_is "$hi2" COMPLETED || fail "second prioritized job did not run"

# 2b. scancel of a victim in its grace time: it ends CANCELLED and does not come back.
gr=$(sbatch --parsable -p batch --requeue --gres=gpu:a10:1 -c 8 --wrap 'trap "" TERM; echo ready; sleep 300')
wait_for 10 grep -q ready "slurm-$gr.out" || fail "job $gr did not start"  # its trap is set
hi3=$(sbatch --parsable --gres=gpu:a10:1 --wrap 'sleep 1')
wait_for 5 state_is "$gr" COMPLETING || fail "victim $gr not stopping: $(job_state "$gr")"
check 0 "" "scancel of a victim during its grace time" scancel "$gr"
wait_for 15 state_is "$gr" CANCELLED || fail "victim cancelled in its grace time: $(job_state "$gr")"
expect_match "Restarts=0" "$(scontrol show job "$gr")" "a victim cancelled in its grace time is not requeued"
wait_for 15 state_is "$hi3" COMPLETED || fail "the preemptor did not run: $(job_state "$hi3")"

# 3. Nothing preempts `prioritized`; no victims where they would not help.
p1=$(sbatch --parsable --gres=gpu:a10:1 -c 8 --wrap 'sleep 300')
wait_for 10 state_is "$p1" RUNNING || fail "p1 did not start"
b1=$(sbatch --parsable -p batch -w n1 --gres=gpu:t4:2 -c 4 --wrap 'sleep 300')
wait_for 10 state_is "$b1" RUNNING || fail "b1 did not start"
p2=$(sbatch --parsable --gres=gpu:a10:1 --wrap 'true')
sleep 3
expect_eq "RUNNING RUNNING PD (Resources)" "$(job_state "$p1") $(job_state "$b1") $(squeue -h -j "$p2" -o '%t %R')" \
  "a prioritized job is never preempted, and a batch job with other GPUs is not stopped in vain"
scancel "$p2"
# scontrol whatif: which jobs the live preempt policy would stop for a hypothetical job, and that a
# candidate without preemption would stop none.
sed '/^\[plugins.preempt\]$/,+1d' "$CLUSTER_CONF" > "$WORK/nopreempt.toml"
out=$(scontrol whatif -f "$WORK/nopreempt.toml" --job '--gres=gpu:t4:2 -w n1')
expect_match "1 +PD \(Preempting $b1\) +PD \(Resources\)" "$out" "whatif names the victim the live policy would stop"
expect_eq "RUNNING" "$(job_state "$b1")" "whatif stopped nothing"
scancel "$p1" "$b1"
wait_for 10 bash -c "[ -z \"\$(squeue -h -t R,CG)\" ]" || fail "jobs did not end"

# 4. A time limit with a requeue policy: the job is requeued after each TIMEOUT until it finishes.
tl=$(sbatch --parsable -p batch --requeue -t 0:03 --signal=B:USR1@1 count_limit.sh 25)
wait_for 40 state_is "$tl" COMPLETED || fail "time-limited job did not finish: $(job_state "$tl")"
numbers_once "$tl" 25
runs=$(sacct -n -D -j "$tl" -o State | xargs)
expect_match "^TIMEOUT( TIMEOUT)* COMPLETED$" "$runs" "each run but the last ended TIMEOUT and was requeued"

# 5. A node failure requeues a --requeue job, which finishes elsewhere; a --no-requeue one ends NODE_FAIL.
nf=$(sbatch --parsable -p batch --requeue -w n2 count.sh 30)
nf_no=$(sbatch --parsable -p batch --no-requeue -w n2 --wrap 'sleep 300')
wait_for 10 grep -q "count 2" "slurm-$nf.out" || fail "job $nf did not start on n2"
wait_for 10 state_is "$nf_no" RUNNING || fail "job $nf_no did not start on n2"
kill -9 "$(cat "$CLUSTER_DIR/spool/n2/sluiced.pid")"
wait_for 15 state_is "$nf_no" NODE_FAIL || fail "--no-requeue job on the dead node: $(job_state "$nf_no")"
wait_for 15 bash -c "scontrol show job $nf | grep -q Restarts=1" || fail "job $nf was not requeued after NODE_FAIL"
expect_eq "PD" "$(squeue -h -j "$nf" -o %t)" "pinned by -w to the dead node, the requeued job waits"
sluiced -f "$SLUICE_CONF" -N n2
wait_for 40 state_is "$nf" COMPLETED || fail "requeued job $nf did not finish: $(job_state "$nf")"
expect_eq "$nf NODE_FAIL $nf COMPLETED" "$(sacct -n -D -j "$nf" -o JobID,State | awk '{print $1, $2}' | xargs)" \
  "sacct -D shows the NODE_FAIL run and the completed one"
# A dead node gives no warning: this job had saved no checkpoint, so its second run starts over.
expect_eq "start restart=0 from=0|start restart=1 from=0" "$(grep '^start' "slurm-$nf.out" | paste -sd'|')" \
  "the requeued run starts again, with SLURM_RESTART_COUNT=1"
expect_contains "finished" "$(cat "slurm-$nf.out")" "and finishes"

# 6. kill -9 of the controller during a preemption: the victim is never lost nor run twice.
ctld_pid() { cat "$CLUSTER_DIR/state/sluicectld.pid"; }
for when in 0 2 6; do
  v=$(sbatch --parsable -p batch --requeue --signal=B:USR1@5 --gres=gpu:a10:1 -c 8 count.sh 30)
  wait_for 10 grep -q "count 2" "slurm-$v.out" || fail "victim $v did not start"
  h=$(sbatch --parsable --gres=gpu:a10:1 --wrap 'sleep 1')
  sleep "$when"
  kill -9 "$(ctld_pid)"
  sleep 0.3
  sluicectld -f "$SLUICE_CONF" || fail "controller restart failed"
  expect_match "^(RUNNING|COMPLETING|PENDING|COMPLETED)$" "$(job_state "$v")" "kill -9 after ${when}s: victim kept"
  wait_for 20 state_is "$h" COMPLETED || fail "kill -9 after ${when}s: preemptor did not run: $(job_state "$h")"
  wait_for 40 state_is "$v" COMPLETED || fail "kill -9 after ${when}s: victim did not finish: $(job_state "$v")"
  numbers_once "$v" 30
  expect_eq 2 "$(grep -c '^start' "slurm-$v.out")" "kill -9 after ${when}s: the victim ran twice, one after the other"
done
[ "$T_FAILS" -eq 0 ]
