#!/usr/bin/env bash
# Reconfigure under running jobs: a config that shrinks a node below what its running jobs hold
# (CPUs, a GPU index) is refused with the job named, and nothing changes; node usage comes from the
# running jobs, so a GPU a job holds is never handed to a second job.
source "$(dirname "$0")/lib.sh"
cluster_up
conf=$CLUSTER_CONF
cp "$conf" "$conf.good"
gpus_of() { cat "$WORK/$1.gpus" 2>/dev/null; }
gpu_job() {  # name [cpus]
  sbatch --parsable -J "$1" -w n1 -c "${2:-1}" --gres=gpu:t4:1 -o /dev/null --wrap "echo \$SLURM_JOB_GPUS > $WORK/$1.gpus; sleep 60"
}

a=$(gpu_job a); wait_for 10 test -s "$WORK/a.gpus" || fail "job a did not start"
b=$(gpu_job b 2); wait_for 10 test -s "$WORK/b.gpus" || fail "job b did not start"
expect_eq "0 1" "$(gpus_of a) $(gpus_of b)" "two jobs hold GPUs 0 and 1 of n1"
scancel "$a"; wait_for 10 state_is "$a" CANCELLED || fail "job a was not cancelled"

# n[1-2] shrink to one GPU each: job b holds GPU 1 of n1.
sed -i 's/^gpus = { t4 = 2 }/gpus = { t4 = 1 }/' "$conf"
grep -q "t4 = 1" "$conf" || fail "the test could not edit $conf"
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 1 "$rc" "shrinking a node below a running job's GPUs is refused"
expect_contains "node n1: no GPU 1 while job $b holds it" "$out" "the refusal names the node, the GPU and the job"

# Job b holds 2 of n1's 4 CPUs: 1 CPU is refused, 2 are fine.
cp "$conf.good" "$conf"
sed -i '0,/^cpus = 4/s//cpus = 1/' "$conf"
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 1 "$rc" "shrinking a node below a running job's CPUs is refused"
expect_contains "node n1: 2 CPUs asked, 1 free while job $b holds it" "$out" "the refusal names the CPUs and the job"
expect_eq "4" "$(scontrol show node n1 | grep -o 'CPUTot=[0-9]*' | cut -d= -f2)" "a refused config changes nothing"
cp "$conf.good" "$conf"
sed -i '0,/^cpus = 4/s//cpus = 2/' "$conf"
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 0 "$rc" "a node that still holds its running jobs may shrink: $out"
c=$(sbatch --parsable -w n1 -c 1 -o /dev/null --wrap true)
wait_for 5 bash -c "squeue -h -j $c -o %r | grep -qx Resources" && pass "n1's 2 CPUs are all job b's" \
  || fail "n1's 2 CPUs are job b's, yet: $(squeue -h -j "$c" -o '%T %r')"
cp "$conf.good" "$conf"
scontrol reconfigure >/dev/null || fail "putting the config back was refused"
wait_for 10 state_is "$c" COMPLETED || fail "job c did not run once n1 had CPUs again"

# Back to two GPUs: GPU 1 is still job b's. The next GPU job gets GPU 0; the one after waits for a
# GPU (n1 still has a free CPU for it), never getting job b's.
d=$(gpu_job d); wait_for 10 test -s "$WORK/d.gpus" || fail "job d did not start"
expect_eq "0" "$(gpus_of d)" "the free GPU is handed out, not the one job b holds"
e=$(gpu_job e)
wait_for 5 bash -c "squeue -h -j $e -o %r | grep -qx Resources" && pass "a third GPU job waits for a GPU" || fail "job e did not wait: $(squeue -h -j "$e" -o '%T %r') gpus=$(gpus_of e)"
expect_eq "RUNNING RUNNING" "$(job_state "$b") $(job_state "$d")" "running jobs are untouched"
scancel "$b" "$d" "$e"
