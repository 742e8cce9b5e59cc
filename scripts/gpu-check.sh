#!/bin/bash
# Real-GPU check: a one-node local Sluice cluster on a machine with one NVIDIA GPU (and PyTorch),
# jobs bound to the GPU through CUDA_VISIBLE_DEVICES. Run it from a folder holding bin/ (sluice,
# sluicectld, sluiced, sluice-plugin-host and the command links), plugins/ and lib/ (the shared
# libraries the daemons need, copied from this machine: `ldd build/bin/sluicectld`). It uses
# peer-credential auth, so no munged is needed there. Output of a run: docs/gpu-check.md.
cd "$(dirname "$0")"
export LD_LIBRARY_PATH=$PWD/lib PATH=$PWD/bin:$PATH
OUT=${OUT:-/tmp}
show() { printf '\n$ %s\n' "$*"; eval "$@" 2>&1; }
show nvidia-smi -L
cat > /tmp/gpu.toml <<'TOML'
[cluster]
name = "gpucheck"
[controller]
state_dir = "/tmp/gc-state"
[[nodes]]
names = "gpu01"
cpus = 16
memory = "64G"
gpus = { h200 = 1 }
[[partitions]]
name = "prioritized"
nodes = "ALL"
default = true
max_time = "6-00:00:00"
TOML
show sluice local up --no-munge -f /tmp/gpu.toml --dir /tmp/gc
export SLUICE_CONF=/tmp/gc/sluice.toml
mkdir -p /tmp/gcw && cd /tmp/gcw
show sinfo -o '"%P %a %l %D %t %N %G"'
show srun -G 1 bash -c "'echo CUDA_VISIBLE_DEVICES=\$CUDA_VISIBLE_DEVICES SLURM_STEP_GPUS=\$SLURM_STEP_GPUS; nvidia-smi -L'"
show srun --gres=gpu:h200:1 python3 -c "'import torch; x=torch.ones(2048,2048,device=\"cuda\"); print(torch.cuda.device_count(), torch.cuda.get_device_name(0), float((x@x).sum()))'"
show srun python3 -c "'import torch, os; print(\"no GPU requested: CUDA_VISIBLE_DEVICES=\", os.environ.get(\"CUDA_VISIBLE_DEVICES\"), \"devices:\", torch.cuda.device_count())'"
show srun -G 2 hostname
show sbatch -J gpujob --gres=gpu:1 --wrap "'python3 -c \"import torch; print(torch.cuda.get_device_name(0))\"'"
show sbatch -J waits --gres=gpu:1 --wrap true
sleep 1
show squeue
for i in $(seq 60); do [ -z "$(squeue -h)" ] && break; sleep 0.5; done
show cat slurm-*.out
show sacct -o JobID,JobName,State,ExitCode
cd /; sluice local down --dir /tmp/gc
cp /tmp/gc/log/*.log "$OUT/" 2>/dev/null
