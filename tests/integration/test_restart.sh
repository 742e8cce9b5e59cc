#!/usr/bin/env bash
# kill -9 the controller with jobs running and pending, restart it: nothing lost, nothing twice.
source "$(dirname "$0")/lib.sh"
cluster_up

ctld_pid() { cat "$CLUSTER_DIR/state/sluicectld.pid"; }
restart_ctld() { kill -9 "$(ctld_pid)"; sleep 0.2; sluicectld -f "$SLUICE_CONF" || fail "restart failed"; }

run=()
for i in 1 2 3; do run+=("$(sbatch --parsable -c 4 --wrap "echo ran >> $WORK/count.\$SLURM_JOB_ID; sleep 4")"); done
pend=$(sbatch --parsable -c 8 -w n3 -d afterany:${run[2]} --wrap "echo ran >> $WORK/count.\$SLURM_JOB_ID")
held=$(sbatch --parsable -H --wrap true)
wait_for 10 bash -c "[ \$(squeue -h -t R | wc -l) -eq 3 ]" || fail "jobs did not start"
restart_ctld
expect_eq "RUNNING RUNNING RUNNING" "$(for j in "${run[@]}"; do job_state "$j"; done | xargs)" \
  "running jobs survive a controller kill -9"
expect_eq "PD (JobHeldUser)" "$(squeue -h -j "$held" -o '%t %R')" "held job survives"
for j in "${run[@]}" "$pend"; do
  wait_for 20 state_is "$j" COMPLETED || fail "job $j did not complete: $(job_state "$j")"
done
for j in "${run[@]}" "$pend"; do
  expect_eq 1 "$(wc -l < "$WORK/count.$j")" "job $j ran exactly once"
done

# A submission is durable once its id is printed: kill -9 right after sbatch returns.
id=$(sbatch --parsable -H --wrap true)
kill -9 "$(ctld_pid)"
sluicectld -f "$SLUICE_CONF"
expect_eq "PENDING" "$(job_state "$id")" "an acknowledged submission survives an immediate kill -9"
nid=$(sbatch --parsable -H --wrap true)
[ "$nid" -gt "$id" ] && pass "job ids keep increasing after a restart" || fail "id $nid after $id"

# Jobs that end while the controller is down are recorded when it returns.
j=$(sbatch --parsable --wrap 'sleep 1')
wait_for 10 state_is "$j" RUNNING || fail "job did not start"
kill -9 "$(ctld_pid)"
sleep 2
sluicectld -f "$SLUICE_CONF"
wait_for 10 state_is "$j" COMPLETED || fail "job that ended during the outage: $(job_state "$j")"
