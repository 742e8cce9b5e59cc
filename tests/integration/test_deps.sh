#!/usr/bin/env bash
# Dependencies: afterok ordering, afterany, afternotok never satisfied, unknown job.
source "$(dirname "$0")/lib.sh"
cluster_up

a=$(sbatch --parsable --wrap "sleep 2; echo A >> $WORK/order")
b=$(sbatch --parsable -d afterok:$a --wrap "echo B >> $WORK/order")
c=$(sbatch --parsable -d afternotok:$a --wrap "echo C >> $WORK/order")
d=$(sbatch --parsable --dependency=afterany:$a:$b --wrap "echo D >> $WORK/order")
expect_eq "(Dependency)" "$(squeue -h -j "$b" -o %R)" "a dependent job waits with reason Dependency"
wait_for 15 state_is "$d" COMPLETED || fail "afterany job did not run: $(job_state "$d")"
expect_eq "A B D" "$(tr '\n' ' ' < "$WORK/order" | xargs)" "dependencies order the jobs"
expect_eq "PD (DependencyNeverSatisfied)" "$(squeue -h -j "$c" -o '%t %R')" "afternotok on a success never runs"
scancel "$c"
out=$(sbatch -d afterok:99999 --wrap true 2>&1); rc=$?
expect_eq "1 sbatch: error: Batch job submission failed: Job dependency problem" "$rc $out" "unknown dependency"
