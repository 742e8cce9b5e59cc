#!/usr/bin/env bash
# GPU sampling through the stand-in NVML library (tests/fixtures/fake_nvml.cpp): `sluice jobstats` /
# `seff` for running and finished jobs (kept across a controller restart), a node without NVML
# (no samples, said so), and the idle-GPU policy: warn (reason GpusIdle, a line in the job's
# output, a controller log line; cleared when the GPU works again), then cancel.
source "$(dirname "$0")/lib.sh"
STANDIN=$(cd "$SLUICE_BIN/../fixtures" && pwd)/libnvidia-ml-standin.so
[ -f "$STANDIN" ] || { echo "FATAL: no stand-in NVML library at $STANDIN"; exit 1; }
TMPD=$(mktemp -d /tmp/sluice-nvml.XXXXXX)
export SLUICE_FAKE_NVML=$TMPD/nvml.json
answers() {  # util_of_gpu0 util_of_gpu1: the stand-in's answers, replaced in one rename
  cat > "$TMPD/next.json" <<JSON
{"nodes": {
  "g1": {"devices": [
    {"name": "NVIDIA A40", "bus_id": "00000000:41:00.0", "memory_mb": 46068, "util": $1, "mem_used_mb": 2048},
    {"name": "NVIDIA A40", "bus_id": "00000000:81:00.0", "memory_mb": 46068, "util": $2, "mem_used_mb": 512}]},
  "c1": {"fail": {"nvmlInit_v2": 9}}
}}
JSON
  mv "$TMPD/next.json" "$SLUICE_FAKE_NVML"
}
answers 80 0
cat > "$TMPD/cluster.toml" <<TOML
[controller]
node_timeout = 3
heartbeat_interval = 1
kill_wait = 2
[agent]
nvml_library = "$STANDIN"
gpu_sample_interval = 1
[gpu_idle]
action = "warn"
threshold = 5
after = 2
[[nodes]]
names = "g1"
cpus = 4
memory = "4G"
gpu_detect = "nvml"
[[nodes]]
names = "c1"
cpus = 4
memory = "4G"
gpus = { t4 = 1 }
[[partitions]]
name = "p"
nodes = "ALL"
default = true
TOML
cluster_up "$TMPD/cluster.toml"
trap 'rm -rf "$TMPD"; cluster_down' EXIT
wait_for 10 bash -c "scontrol show node g1 | grep -q 'Gres=gpu:a40:2'" || fail "g1 did not discover its GPUs"
expect_contains "GPU sampling off: NVML not usable (nvmlInit_v2 failed: Driver Not Loaded)" \
  "$(cat "$CLUSTER_DIR/log/sluiced-c1.log")" "c1's agent says why it cannot sample"

# A busy GPU: sampled, summed up by jobstats while the job runs; never flagged.
busy=$(sbatch --parsable --gres=gpu:a40:1 -o /dev/null --wrap 'sleep 60')
wait_for 10 bash -c "sluice jobstats $busy | grep -q 'samples:'" || fail "no samples for job $busy: $(sluice jobstats "$busy")"
out=$(sluice jobstats "$busy")
expect_contains "State: RUNNING" "$out" "jobstats shows the running job"
expect_contains "GPUs: 1 (g1: 0)" "$out" "jobstats names the job's GPU"
expect_contains "GPU 0 on g1 (a40)" "$out" "jobstats has a line per sampled GPU"
expect_contains "Utilization: mean 80.00%, max 80%" "$out" "mean and max utilisation"
expect_contains "Memory Utilized: mean 2.00 GB, max 2.00 GB (4.45% of 44.99 GB)" "$out" "mean and max memory"
expect_contains "WARNING: Efficiency statistics may be misleading for RUNNING jobs." "$out" "seff's warning"

# An idle GPU: flagged after 2 s (action warn), visible in squeue and scontrol, told in its output.
idle=$(sbatch --parsable --gres=gpu:a40:1 -o "$WORK/idle.out" --wrap 'sleep 60')
wait_for 10 bash -c "squeue -h -j $idle -o %r | grep -qx GpusIdle" && pass "squeue shows the idle job's reason" \
  || fail "idle job not flagged: $(squeue -h -j "$idle" -o '%T %r')"
expect_contains "Reason=GpusIdle" "$(scontrol show job "$idle")" "scontrol show job shows it"
wait_for 5 grep -q "sluice: warning: job $idle: GPUs g1:1 idle (below 5% utilisation)" "$WORK/idle.out" \
  && pass "a warning line in the job's output" || fail "no warning in the output: $(cat "$WORK/idle.out")"
expect_contains "job=$idle" "$(grep 'idle (below 5% utilisation)' "$CLUSTER_DIR/log/sluicectld.log")" \
  "the controller logs the idle job"
expect_eq "RUNNING None" "$(squeue -h -j "$busy" -o '%T %r')" "the busy job is not flagged"
answers 80 50
wait_for 10 bash -c "squeue -h -j $idle -o %r | grep -qx None" && pass "a GPU at work again clears the flag" \
  || fail "flag not cleared: $(squeue -h -j "$idle" -o %r)"

# Policy cancel (scontrol reconfigure): the idle job is cancelled, with a line in its output.
sed -i 's/^action = "warn"/action = "cancel"/' "$CLUSTER_CONF"
scontrol reconfigure >/dev/null || fail "reconfigure to action cancel refused"
answers 80 0
wait_for 15 state_is "$idle" CANCELLED && pass "an idle job is cancelled" || fail "idle job: $(job_state "$idle")"
expect_contains "cancelling it" "$(cat "$WORK/idle.out")" "the job's output says why it was cancelled"
expect_eq "RUNNING" "$(job_state "$busy")" "the busy job runs on"

# A finished job keeps its statistics, also after a controller restart (SQLite).
scancel "$busy"
wait_for 10 state_is "$busy" CANCELLED || fail "busy job not cancelled"
kill -9 "$(cat "$CLUSTER_DIR/state/sluicectld.pid")"; sleep 0.2
sluicectld -f "$SLUICE_CONF" || fail "controller restart failed"
out=$(seff "$busy" 2>&1)
expect_contains "State: CANCELLED (exit code 0)" "$out" "seff shows the finished job"
expect_contains "Utilization: mean 80.00%, max 80%" "$out" "a finished job keeps its GPU statistics"

# No NVML on c1: the job's statistics say there are no samples.
c=$(sbatch --parsable --gres=gpu:t4:1 -o /dev/null --wrap 'sleep 3')
wait_for 10 state_is "$c" RUNNING || fail "job on c1 did not start"
sleep 2
expect_contains "GPU usage: no samples" "$(sluice jobstats "$c")" "without NVML jobstats says so"
check 1 "jobstats: error: Invalid job id specified" "an unknown job" sluice jobstats 999999
check 1 "Usage: seff JOBID" "seff without a job id" seff
scancel "$c"
