#!/usr/bin/env bash
# Drain/resume, -w placement, waiting for resources, an agent killed -> DOWN and NODE_FAIL.
source "$(dirname "$0")/lib.sh"
cluster_up

expect_eq "3 idle" "$(sinfo -h -p prioritized -o '%D %t')" "three idle nodes"
scontrol update NodeName=n1 State=DRAIN Reason="maint"
expect_eq "drain" "$(sinfo -h -n n1 -p batch -o %t)" "n1 drained"
expect_contains "Reason=maint" "$(scontrol show node n1)" "scontrol shows the drain reason"
out=$(scontrol update NodeName=n2 State=DRAIN 2>&1); rc=$?
expect_eq 1 "$rc" "draining without a reason is refused"
id=$(sbatch --parsable -w n1 --wrap true)
sleep 1
expect_eq "PENDING" "$(job_state "$id")" "a job pinned to a drained node waits"
scontrol update NodeName=n1 State=RESUME
wait_for 10 state_is "$id" COMPLETED || fail "job did not run after resume: $(job_state "$id")"

# Fill the cluster (4+4+8 CPUs): the next srun waits and says so.
ids=()
for n in n1 n2; do ids+=("$(sbatch --parsable -w $n -c 4 --wrap 'sleep 30')"); done
ids+=("$(sbatch --parsable -w n3 -c 8 --wrap 'sleep 30')")
wait_for 10 bash -c "[ \$(squeue -h -t R | wc -l) -eq 3 ]" || fail "fill jobs did not start"
expect_eq "alloc" "$(sinfo -h -p batch -o %t | sort -u)" "all nodes allocated"
srun hostname > "$WORK/srun.out" 2> "$WORK/srun.err" &
spid=$!
wait_for 10 grep -q "queued and waiting for resources" "$WORK/srun.err" || fail "srun did not report waiting"
wait_for 5 bash -c "squeue -h -n hostname -o %r | grep -q Resources" || fail "waiting job reason not Resources"
scancel "${ids[0]}"
wait $spid
expect_contains "has been allocated resources" "$(cat "$WORK/srun.err")" "srun reports the allocation"
expect_eq "$(hostname)" "$(cat "$WORK/srun.out")" "the waiting srun ran"

# Kill the agent of a node with a running job: node DOWN, job NODE_FAIL.
victim=${ids[1]}
kill -9 "$(cat "$CLUSTER_DIR/spool/n2/sluiced.pid")"
wait_for 15 state_is "$victim" NODE_FAIL || fail "job on dead node not NODE_FAIL: $(job_state "$victim")"
expect_match "down" "$(sinfo -h -n n2 -p batch -o %t)" "the silent node is down"
# The agent comes back: the node returns to service.
sluiced -f "$SLUICE_CONF" -N n2
wait_for 10 bash -c "sinfo -h -n n2 -p batch -o %t | grep -qx idle" || fail "n2 did not come back idle"
scancel "${ids[2]}"
