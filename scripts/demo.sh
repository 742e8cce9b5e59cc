#!/usr/bin/env bash
# The demo: installs dependencies, builds, starts a local cluster from etc/sluice.toml (one
# controller, one node agent per node) and walks through the user guide's commands with their
# real output, then stops the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/deps.sh
bash scripts/build.sh release >/dev/null
export PATH="$root/build/bin:$PATH"
dir=$(mktemp -d /tmp/sluice-demo.XXXXXX)
chmod 755 "$dir"
trap 'sluice local down --dir "$dir"; rm -rf "$dir"' EXIT
eval "$(sluice local up -f etc/sluice.toml --dir "$dir")"
mkdir -p "$dir/work" && cd "$dir/work"

show() { printf '\n$ %s\n' "$*"; eval "$@" || true; }

show nodesummary
show sinfo
show squeue
show srun hostname
cat > job.sh <<'SH'
#!/bin/bash
#SBATCH -J demo
#SBATCH -o demo-%j.out
echo "job $SLURM_JOB_ID on $SLURMD_NODENAME in partition $SLURM_JOB_PARTITION, GPUs: ${CUDA_VISIBLE_DEVICES:-none}"
sleep 30
SH
show cat job.sh
show sbatch --gres=gpu:1 job.sh
show sbatch -p batch --gres=gpu:t4:1 job.sh
show sbatch -p batch --wrap '"sleep 60"'
sleep 1
show squeue
show squeue --me
show nodesummary
show sinfo
show scontrol -d show node a256-t4-01
show squeue -o "'%.8i %.9P %.8j %.8T %b'"
# GPU usage of the first GPU job. This machine has no NVML, so there are no samples, and jobstats
# says so (docs/gpu.md).
show sluice jobstats "$(squeue -h -o %i | sort -n | head -1)"
show srun --gres=gpu:a10:1 bash -c "'echo CUDA_VISIBLE_DEVICES=\$CUDA_VISIBLE_DEVICES on \$SLURMD_NODENAME'"
show cat demo-*.out
show srun -p nosuch hostname
for id in $(squeue -h -o %i); do show scancel "$id"; done
sleep 1
show squeue
show sacct
printf '\nThe cluster stops now. Start your own with:\n  sluice local up -f etc/sluice.toml --dir DIR\n'
