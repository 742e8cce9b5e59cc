#!/usr/bin/env bash
# GPU binding on the node: the GPU variables of Slurm's environment, and device isolation through
# the step's cgroup where the machine offers it. Device files are made here with mknod for
# NVIDIA's character major (195): without a driver behind them, opening one the job may use fails
# with "No such device or address", one it may not with "Operation not permitted".
source "$(dirname "$0")/lib.sh"
cluster_up

env_of() { srun "$@" sh -c 'env | grep -E "^(CUDA_DEVICE|CUDA_VISIBLE|GPU_DEVICE|SLURM_.*GPU)" | sort | tr "\n" " "'; }
isolation=$(grep -h "GPU device isolation" "$CLUSTER_DIR/log/sluiced-n1.log" | head -1)
[ -n "$isolation" ] && pass "the agent says whether it isolates devices" || fail "no isolation line in the agent log"
if [[ $isolation == *"isolation is off"* ]]; then isolated=0; else isolated=1; fi

out=$(env_of -w n1 --gres=gpu:t4:1)
expect_contains "CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=0 GPU_DEVICE_ORDINAL=0" "$out" "CUDA sees its one GPU"
expect_contains "SLURM_GPUS_ON_NODE=1 SLURM_GPUS_PER_NODE=t4:1 SLURM_JOB_GPUS=0 SLURM_STEP_GPUS=0" "$out" \
  "Slurm's GPU variables for --gres"
expect_contains "SLURM_GPUS=t4:2" "$(env_of -G t4:2)" "-G sets SLURM_GPUS as requested"
expect_eq "[]" "$(srun -w n2 sh -c 'echo "[${CUDA_VISIBLE_DEVICES-unset}]"')" \
  "a job without GPUs on a GPU node sees no device through CUDA"

# GPU 0 of n1 is held by a batch job: the next job gets GPU 1.
id=$(sbatch --parsable -w n1 --gres=gpu:t4:1 -o /dev/null --wrap 'sleep 30')
wait_for 10 state_is "$id" RUNNING || fail "holder did not start"
if [ "$isolated" = 1 ]; then
  expect_contains "SLURM_JOB_GPUS=1" "$(env_of -w n1 --gres=gpu:t4:1)" "the second job holds GPU 1"
  expect_contains "CUDA_VISIBLE_DEVICES=0 " "$(env_of -w n1 --gres=gpu:t4:1)" \
    "with isolation CUDA numbers the job's own GPUs from 0 (as Slurm's ConstrainDevices)"
  dev=$CLUSTER_DIR/dev && mkdir -p "$dev" && chmod 755 "$dev"
  mknod "$dev/nvidia0" c 195 0 && mknod "$dev/nvidia1" c 195 1 && chmod 666 "$dev"/nvidia*
  opens="for m in 0 1; do if cat $dev/nvidia\$m 2>/dev/null; then echo \$m:open; else (cat $dev/nvidia\$m 2>&1 | grep -q 'not permitted') && echo \$m:denied || echo \$m:allowed; fi; done | tr '\n' ' '"
  expect_eq "0:denied 1:allowed " "$(srun -w n1 --gres=gpu:t4:1 sh -c "$opens")" "a job opens only its own GPU's device"
  expect_eq "0:denied 1:denied " "$(srun -w n1 sh -c "$opens")" "a job without GPUs opens none"
  cg=${isolation##* under }; cg=${cg%% (*}
  wait_for 10 bash -c "! ls -d $cg/job_* 2>/dev/null | grep -v job_$id" && pass "ended jobs leave no cgroup" \
    || fail "cgroups left: $(ls -d "$cg"/job_* 2>&1)"
  if [ -e "$cg/job_$id/cgroup.kill" ]; then
    srun -w n1 sh -c 'setsid sleep 3171 >/dev/null 2>&1 < /dev/null & echo started' >/dev/null
    wait_for 5 bash -c "! pgrep -f 'sleep 317[1]'" && pass "a setsid() child does not outlive its job" \
      || { fail "setsid child survived"; pkill -f 'sleep 317[1]'; }
  fi
else
  pass "device isolation is off here: $isolation"
fi
scancel "$id"
