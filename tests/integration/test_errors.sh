#!/usr/bin/env bash
# Bad input: one Slurm-style line and exit 1, nothing lost; a controller that is down.
source "$(dirname "$0")/lib.sh"
cluster_up

check 1 $'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified' \
  "unknown partition" sbatch -p nosuch --wrap true
check 1 $'srun: error: invalid partition specified: nosuch\nsrun: error: Unable to allocate resources: Invalid partition name specified' \
  "srun unknown partition" srun -p nosuch hostname
check 255 "sbatch: error: Invalid --time specification" "bad time (exit 255 as Slurm's)" sbatch --time=abc --wrap true
check 1 "sbatch: error: Batch job submission failed: Requested node configuration is not available" \
  "more GPUs of a type than any node has" sbatch --gres=gpu:t4:5 --wrap true
check 1 "sbatch: error: Batch job submission failed: Requested node configuration is not available" \
  "unknown GPU type" sbatch --gres=gpu:a100:1 --wrap true
check 1 "sbatch: error: Batch job submission failed: Requested node configuration is not available" \
  "more CPUs than any node has" sbatch -c 9 --wrap true
check 1 "sbatch: error: Invalid generic resource (gres) specification" "bad gres" sbatch --gres=foo:1 --wrap true
check 1 "sbatch: error: Unable to open file /nonexistent.sh" "missing script" sbatch /nonexistent.sh
check 1 "sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)" \
  "time over the partition limit" sbatch -p batch -t 13:00:00 --wrap true
out=$(sbatch --no-such-option 2>&1); rc=$?
expect_eq 1 "$rc" "unknown option exits 1"
expect_contains "unrecognized option '--no-such-option'" "$out" "unknown option is named"
printf 'echo no shebang\n' > noshebang.sh
out=$(sbatch noshebang.sh 2>&1); rc=$?
expect_eq 1 "$rc" "a script without #! is refused"
check 1 "slurm_load_jobs error: Invalid job id specified" "squeue of an unknown job" squeue -j 99999
check 1 "Node nosuch not found" "unknown node" scontrol show node nosuch

# Failed submissions leave nothing behind; the controller still serves.
expect_eq "" "$(squeue -h -t all -o %i)" "no job was created by bad submissions"
expect_eq "ok" "$(srun echo ok)" "the controller still runs jobs"

# Bad config: the daemons refuse it with every error, with file:line:col, exit 1. The commands
# read only the controller's address and authentication: errors elsewhere do not stop them, an
# error in those is reported the same way.
cat > bad.toml <<'TOML'
[controller]
node_timeout = "soon"
address = 6817

[[nodes]]
names = "x[1-2]"
cpus = -4
memory = "8G"

[[partitions]]
name = "p"
nodes = "x[1-3]"
max_time = "forever"
TOML
out=$(sluicectld -f "$WORK/bad.toml" -D 2>&1); rc=$?
expect_eq 1 "$rc" "sluicectld refuses a bad config"
expect_match "bad.toml:2:[0-9]+: controller.node_timeout: " "$out" "node_timeout error is positioned"
expect_match "bad.toml:3:[0-9]+: controller.address: " "$out" "address error is positioned"
expect_match "bad.toml:7:[0-9]+: nodes\[0\].cpus: " "$out" "cpus error is positioned"
expect_match "bad.toml:13:[0-9]+: partitions\[0\].max_time: " "$out" "max_time error is positioned"
out=$(SLUICE_CONF=$WORK/bad.toml squeue 2>&1); rc=$?
expect_eq "1|squeue: error: $WORK/bad.toml:3:11: controller.address: expected string, got integer" "$rc|$out" \
  "squeue reports only the error in what it connects with"

# A controller that is down: a clear message within seconds.
kill -9 "$(cat "$CLUSTER_DIR/state/sluicectld.pid")"
start=$SECONDS
out=$(squeue 2>&1); rc=$?
expect_eq 1 "$rc" "squeue exits 1 when the controller is down"
expect_contains "Unable to contact sluice controller" "$out" "and says so"
out=$(sbatch --wrap true 2>&1); rc=$?
expect_eq "1" "$rc" "sbatch exits 1 when the controller is down"
[ $((SECONDS - start)) -le 5 ] && pass "no hang" || fail "took $((SECONDS - start)) s"
