#!/usr/bin/env bash
# The demo: installs dependencies, builds, starts a local cluster from etc/sluice.toml (one
# controller, one node agent per node; plus the launch plugin for containers) and walks through the
# user guide's commands with their real output, preemption and requeue of a checkpointing job
# included, then the container commands where Singularity or Apptainer is installed, and stops
# the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
bash scripts/deps.sh
bash scripts/build.sh release >/dev/null
export PATH="$root/build/bin:$PATH"
dir=$(mktemp -d /tmp/sluice-demo.XXXXXX)
chmod 755 "$dir"
trap 'sluice local down --dir "$dir"; rm -rf "$dir"' EXIT
# etc/sluice.toml, and the launch plugin that runs --container jobs with the runtime installed here
# (docs/containers.md), images allowed only from work/images.
runtime=$(command -v singularity || command -v apptainer || true)
cat > "$dir/demo.toml" <<TOML
include = "$root/etc/sluice.toml"
[plugins.launch]
library = "launch_singularity"
[plugins.launch.options]
runtime = "$(basename "${runtime:-singularity}")"
image_dirs = ["$dir/work/images"]
TOML
eval "$(sluice local up -f "$dir/demo.toml" --dir "$dir")"
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
# Interactive work (docs/interactive.md): srun forwards its stdin; salloc holds an allocation in
# which srun runs job steps (an interactive `salloc` gives a shell; here it is given a command).
show "printf 'hello from stdin\\n' | srun cat"
show salloc -G 1 bash -c "'echo allocation \$SLURM_JOB_ID on \$SLURM_JOB_NODELIST; srun printenv SLURM_JOB_ID SLURM_STEP_ID CUDA_VISIBLE_DEVICES; srun hostname'"
for id in $(squeue -h -o %i); do show scancel "$id"; done
sleep 1
show squeue
show sacct

# Running longer jobs (docs/checkpointing.md): a checkpointing job of the preemptible batch
# partition is preempted by a prioritized job, comes back under the same job id and continues
# from its checkpoint.
wait_state() {  # JOBID STATE SECONDS: until squeue shows the job in STATE (false after SECONDS)
  local i
  for ((i = 0; i < $3 * 5; i++)); do
    [ "$(squeue -h -t all -j "$1" -o %T 2>/dev/null)" = "$2" ] && return 0
    sleep 0.2
  done
  echo "(job $1 not $2 after $3 s)"
  return 1
}
submit() {  # shows the sbatch command and its answer, and keeps the job id in $job
  local out
  printf '\n$ %s\n' "$*"
  out=$(eval "$@")
  echo "$out"
  job=${out##* }
}
cp "$root/examples/checkpoint/count.sh" .
show "grep '^#SBATCH' count.sh"
submit sbatch count.sh 60 0.25
victim=$job
wait_state "$victim" RUNNING 10 || true
sleep 3
show squeue
# A prioritized job that needs every T4 of the node the batch job runs on.
submit sbatch -J urgent -w "$(squeue -h -j "$victim" -o %N)" --gres=gpu:t4:6 \
  --wrap "'echo urgent ran on \$SLURMD_NODENAME; sleep 5'"
urgent=$job
sleep 1
show squeue
show "grep -v '^count ' count-$victim.out"
wait_state "$victim" PENDING 30 || true
show squeue
show "scontrol show job $victim | grep -E 'JobState|Restarts'"
wait_state "$victim" RUNNING 30 || true
show squeue
wait_state "$victim" COMPLETED 60 || true
show "grep -v '^count ' count-$victim.out"
show "grep '^count ' count-$victim.out | awk '{print \$2}' | xargs"
show sacct -D -j "$victim,$urgent" -o JobID,JobName,Partition,State,ExitCode,Start,End,NodeList

# Containers (docs/containers.md): the guide's container commands, run by the node's own runtime.
containers() {
  local rt image
  if [ -z "$runtime" ]; then
    printf '\nContainers: SKIPPED. Neither singularity nor apptainer is installed on this machine (Debian 12\n'
    printf 'packages neither), so the container commands of the guide do not run here. The tests run them\n'
    printf 'with a stand-in runtime instead (tests/integration/standin, docs/containers.md).\n'
    return
  fi
  rt=$(basename "$runtime")
  printf '\nContainers, with %s:\n' "$runtime"
  mkdir -p images
  if [ -n "${SLUICE_DEMO_IMAGE:-}" ]; then
    image=images/$(basename "$SLUICE_DEMO_IMAGE")
    ln "$SLUICE_DEMO_IMAGE" "$image" 2>/dev/null || cp -r "$SLUICE_DEMO_IMAGE" "$image"
  else
    image=images/alpine.sif
    show "$rt pull $image docker://alpine:3.19"
    if [ ! -e "$image" ]; then
      printf '\nContainers: SKIPPED. No image: pulling docker://alpine:3.19 failed (no network?).\n'
      printf 'Set SLUICE_DEMO_IMAGE=/path/to/image.sif to use an image of your own.\n'
      return
    fi
  fi
  show srun "$rt" exec "$image" cat /etc/os-release
  # A GPU job: the launch plugin adds --nv and passes the job's GPUs into the container.
  show srun --gres=gpu:t4:1 "$rt" exec "$image" sh -c "'echo CUDA_VISIBLE_DEVICES=\$CUDA_VISIBLE_DEVICES'"
  show srun --container="$image" cat /etc/os-release
  submit sbatch --container="$image" -o container-%j.out --wrap "'echo batch job inside; head -1 /etc/os-release'"
  wait_state "$job" COMPLETED 30 || true
  show "scontrol show job $job | grep Container="
  show cat "container-$job.out"
  # The image policy: images only from the allowed directories (image_dirs), checked at submission.
  touch elsewhere.sif
  show "grep -A2 'plugins.launch.options' $dir/demo.toml"
  show sbatch --container=elsewhere.sif --wrap true
}
containers
printf '\nThe cluster stops now. Start your own with:\n  sluice local up -f etc/sluice.toml --dir DIR\n'
