#!/usr/bin/env bash
# The launch_singularity plugin on real node agents: `srun -G 1 singularity exec x.sif cmd` gets
# --nv and the GPU binding for the container; a job without GPUs keeps its command; nv = "warn"
# (after scontrol reconfigure) warns on the job's stderr instead. Singularity and Apptainer are not
# packaged in Debian 12: the runtime here is the stand-in in tests/integration/standin, which
# records its command line and runs the inner command on the host.
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
[ "$T_FAILS" -eq 0 ]
