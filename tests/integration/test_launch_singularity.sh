#!/usr/bin/env bash
# The launch_singularity plugin on real node agents: `srun -G 1 singularity exec x.sif cmd` gets
# --nv and the GPU binding for the container; a job without GPUs keeps its command; nv = "warn"
# (after scontrol reconfigure) warns on the job's stderr instead. --container=IMAGE (srun, sbatch,
# #SBATCH, a job step) runs the job in the image in each mode; an image outside image_dirs is
# refused at submission (a step's too), a missing image and an unknown mode by the CLI, salloc
# --container by salloc; a runtime missing on the node fails the job with the reason and leaves the
# node up. Singularity and Apptainer are not packaged in Debian 12: the runtime here is the stand-in
# in tests/integration/standin, which records its command line and runs the inner command on the
# host.
source "$(dirname "$0")/lib.sh"
conf=$(mktemp /tmp/sluice-launch.XXXXXX.toml)
cat "$HERE/cluster.toml" - > "$conf" <<'TOML'

[plugins.launch]
library = "launch_singularity"
[plugins.launch.options]
binds = ["/tmp"]
TOML
cluster_up "$conf"
rm -f "$conf"
export PATH="$HERE/standin:$PATH" STANDIN_LOG="$WORK/runtime.log"
touch x.sif

out=$(srun -G 1 singularity exec x.sif sh -c 'echo inside CUDA_VISIBLE_DEVICES=$CUDA_VISIBLE_DEVICES' 2>&1)
expect_match "^inside CUDA_VISIBLE_DEVICES=[0-9]" "$out" "the inner command ran with its GPU"
expect_match "argv: singularity exec --nv --bind /tmp x.sif sh -c" "$(cat runtime.log)" \
  "a GPU job's singularity exec got --nv and the configured bind"
expect_match "SINGULARITYENV_CUDA_VISIBLE_DEVICES=[0-9]" "$(cat runtime.log)" "the GPU binding reaches the container"
expect_match "APPTAINERENV_CUDA_DEVICE_ORDER=PCI_BUS_ID" "$(cat runtime.log)" "also for Apptainer"
: > runtime.log
check 0 "" "a job without GPUs" srun singularity exec x.sif true
expect_eq "argv: singularity exec --bind /tmp x.sif true" "$(cat runtime.log)" "a job without GPUs keeps its command"
: > runtime.log
srun -G 1 apptainer exec --nv x.sif true >/dev/null 2>&1
expect_eq "argv: apptainer exec --bind /tmp --nv x.sif true" "$(head -1 runtime.log)" "--nv is not added twice"
: > runtime.log
srun -G 1 singularity build y.sif docker://alpine >/dev/null 2>&1
expect_eq "argv: singularity build y.sif docker://alpine" "$(head -1 runtime.log)" "other subcommands are left alone"

# An image that does not exist: the runtime's error, and srun fails.
out=$(srun singularity exec nosuch.sif true 2>&1); rc=$?
[ "$rc" -ne 0 ] && pass "a missing image fails the job" || fail "a missing image exited 0"
expect_contains "could not open image nosuch.sif" "$out" "the runtime says why"

# nv = "warn", swapped in at run time.
sed -i 's/^binds = \["\/tmp"\]$/nv = "warn"/' "$CLUSTER_CONF"
scontrol reconfigure >/dev/null || fail "reconfigure failed"
sleep 1
: > runtime.log
out=$(srun -G 1 singularity exec x.sif echo hi 2>&1)
expect_contains "singularity exec: warning: this job holds GPUs but the command lacks --nv" "$out" \
  "with nv = \"warn\" the job is told"
expect_contains "hi" "$out" "and runs as written"
expect_eq "argv: singularity exec x.sif echo hi" "$(head -1 runtime.log)" "without --nv"

# --container=IMAGE: the plugin starts the runtime itself. [plugins.launch.options] is the config's
# last table: options appended to the file land in it.
printf '%s\n' 'binds = ["/tmp"]' 'flags = ["--cleanenv"]' 'env = ["PROJECT"]' >> "$CLUSTER_CONF"
scontrol reconfigure >/dev/null || fail "reconfigure failed"
sleep 1
export PROJECT=p42
img=$WORK/x.sif
: > runtime.log
out=$(srun --container=x.sif sh -c 'echo inside $SLURM_JOB_ID' 2>&1)
expect_match "^inside [0-9]+$" "$out" "srun --container runs the command"
expect_eq "argv: singularity exec --bind /tmp --cleanenv $img sh -c echo inside \$SLURM_JOB_ID" "$(head -1 runtime.log)" \
  "in the image (made absolute), with the site's binds and flags"
expect_contains "SINGULARITYENV_PROJECT=p42" "$(cat runtime.log)" "env passes the job's PROJECT into the container"
expect_contains "APPTAINERENV_PROJECT=p42" "$(cat runtime.log)" "for Apptainer too"
: > runtime.log
check 0 "" "a GPU job in a container" srun -G 1 --container=x.sif true
expect_eq "argv: singularity exec --nv --bind /tmp --cleanenv $img true" "$(head -1 runtime.log)" \
  "--nv for a job with GPUs (whatever nv says about commands the job writes)"
expect_match "SINGULARITYENV_CUDA_VISIBLE_DEVICES=[0-9]" "$(cat runtime.log)" "and its GPU binding"
: > runtime.log
check 0 "" "srun --container-mode=shell needs no command" srun --container=x.sif --container-mode=shell < /dev/null
expect_eq "argv: singularity shell --bind /tmp --cleanenv $img" "$(head -1 runtime.log)" "shell: no command after the image"
: > runtime.log
check 0 "" "srun --container-mode=run needs no command" srun --container=x.sif --container-mode=run
expect_eq "argv: singularity run --bind /tmp --cleanenv $img" "$(head -1 runtime.log)" "run: the image's runscript"
check 1 "srun: error: No command given to execute." "exec mode still needs a command" srun --container=x.sif

# Batch jobs: the script runs inside the image; the directory holding it is bound.
: > runtime.log
id=$(sbatch --parsable --container=x.sif -o batch-%j.out --wrap 'echo batch inside $SLURM_JOB_ID')
wait_for 20 state_is "$id" COMPLETED || fail "sbatch --container job $id: $(job_state "$id")"
expect_eq "batch inside $id" "$(cat "batch-$id.out")" "sbatch --container ran the script"
line=$(head -1 runtime.log)
if [[ "$line" =~ ^argv:\ singularity\ exec\ --bind\ /tmp\ --bind\ (/[^ ]+)\ --cleanenv\ ([^ ]+)\ (/[^ ]+)/job$id\.sh$ ]] &&
  [ "${BASH_REMATCH[1]}" = "${BASH_REMATCH[3]}" ] && [ "${BASH_REMATCH[2]}" = "$img" ]; then
  pass "the script runs in the image, the directory holding it bound"
else
  fail "sbatch --container ran as [$line]"
fi
expect_eq "Container=$img ContainerID=(null)" "$(scontrol show job "$id" | grep -o 'Container=.*')" \
  "scontrol show job shows the image"
cat > contained.sh <<'SH'
#!/bin/sh
#SBATCH --container=x.sif
#SBATCH --container-mode=run
#SBATCH -o contained-%j.out
echo from the runscript
SH
: > runtime.log
id=$(sbatch --parsable contained.sh)
wait_for 20 state_is "$id" COMPLETED || fail "#SBATCH --container job $id: $(job_state "$id")"
expect_match "^argv: singularity run --bind /tmp --bind /[^ ]+ --cleanenv $img /[^ ]+/job$id\.sh$" "$(head -1 runtime.log)" \
  "#SBATCH --container and --container-mode"
expect_eq "from the runscript" "$(cat "contained-$id.out")" "the stand-in ran it"

# A job step (srun inside a batch script) in an image; salloc leaves --container to its steps.
cat > step.sh <<'SH'
#!/bin/sh
srun --container=x.sif sh -c 'echo step $SLURM_JOB_ID.$SLURM_STEP_ID inside'
SH
: > runtime.log
id=$(sbatch --parsable -o step-%j.out step.sh)
wait_for 20 state_is "$id" COMPLETED || fail "job $id with a step in an image: $(job_state "$id")"
expect_match "^step $id\.[0-9]+ inside$" "$(cat "step-$id.out")" "the step ran in the image, in the job"
expect_eq "argv: singularity exec --bind /tmp --cleanenv $img sh -c echo step \$SLURM_JOB_ID.\$SLURM_STEP_ID inside" \
  "$(head -1 runtime.log)" "started by the plugin"
check 1 "salloc: error: --container applies to srun and sbatch: give it to the srun steps inside the allocation" \
  "salloc --container is refused" salloc --container=x.sif true

# Refused by the CLI at once: a missing image, an unknown mode.
check 1 "sbatch: error: Unable to open container image $WORK/nosuch.sif: No such file or directory" \
  "a missing image" sbatch --container=nosuch.sif --wrap true
check 1 "srun: error: Unable to open container image $WORK/nosuch.sif: No such file or directory" \
  "a missing image (srun)" srun --container=nosuch.sif true
check 1 "srun: error: Invalid --container-mode argument: debug (exec, run or shell)" "an unknown mode" \
  srun --container=x.sif --container-mode=debug true
check 1 "sbatch: error: Batch job submission failed: --container-mode=shell starts an interactive shell and runs no script: use srun for it, or exec or run for a batch job" \
  "a batch job in shell mode" sbatch --container=x.sif --container-mode=shell --wrap true

# image_dirs: checked by the controller's copy of the plugin when the job is submitted.
mkdir -p images && touch images/ok.sif
echo "image_dirs = [\"$WORK/images\"]" >> "$CLUSTER_CONF"
scontrol reconfigure >/dev/null || fail "reconfigure failed"
sleep 1
jobs_before=$(squeue -h -t all | wc -l)
check 1 "sbatch: error: Batch job submission failed: container image $img is not in an allowed image directory (allowed: $WORK/images)" \
  "an image outside image_dirs" sbatch --container=x.sif --wrap true
check 1 "sbatch: error: Batch job submission failed: container image $WORK/images/../x.sif is not in an allowed image directory (allowed: $WORK/images)" \
  "'..' does not get out of them" sbatch --container=images/../x.sif --wrap true
expect_eq "$jobs_before" "$(squeue -h -t all | wc -l)" "no job was created"
check 0 "ok" "an image inside image_dirs" srun --container=images/ok.sif echo ok
id=$(sbatch --parsable -o outside-%j.out --wrap 'srun --container=x.sif true')
wait_for 20 state_is "$id" FAILED || fail "job $id with a step outside image_dirs: $(job_state "$id")"
expect_contains "container image $img is not in an allowed image directory" "$(cat "outside-$id.out")" \
  "a step's image is checked too"

# The runtime missing on the node: the job fails with the reason, the node stays up.
echo 'runtime = "nosuch-runtime"' >> "$CLUSTER_CONF"
scontrol reconfigure >/dev/null || fail "reconfigure failed"
sleep 1
out=$(srun --container=images/ok.sif true 2>&1); rc=$?
expect_eq 1 "$rc" "srun fails"
expect_match "sluiced: error: launch/launch_singularity: the container runtime \"nosuch-runtime\" is not installed on node n[0-9] \(not found in the job's PATH\)" \
  "$out" "naming the runtime and the node"
id=$(sbatch --parsable --container=images/ok.sif -o missing-%j.out --wrap true)
wait_for 20 state_is "$id" FAILED || fail "job $id: $(job_state "$id")"
node=$(squeue -h -t all -j "$id" -o %N)
expect_match "the container runtime \"nosuch-runtime\" is not installed on node $node " "$(cat "missing-$id.out")" \
  "the batch job's output says why"
show=$(scontrol show job "$id")
expect_contains "Reason=JobLaunchFailure" "$show" "a refused launch is JobLaunchFailure, not the script's exit"
expect_eq "ExitCode=0:0" "$(grep -o 'ExitCode=[0-9:]*' <<<"$show" | head -1)" "no exit code: it never ran"
expect_contains "SystemComment=launch/launch_singularity: the container runtime \"nosuch-runtime\" is not installed" \
  "$show" "scontrol show job says why"
expect_match "^(idle|mix)" "$(sinfo -h -n "$node" -o %t)" "node $node stays up"
expect_match "State=(IDLE|MIXED)" "$(scontrol show node "$node")" "scontrol show node agrees"
check 0 "still" "jobs without a container still run there" srun -w "$node" echo still
[ "$T_FAILS" -eq 0 ]
