#!/usr/bin/env bash
# GPU discovery through NVML (gpu_detect = "nvml"), with the stand-in NVML library the tests build
# (tests/fixtures/fake_nvml.cpp) loaded by every agent through [agent] nvml_library: a node that
# takes its GPUs from NVML and runs jobs on them, a node whose NVML disagrees with its entry
# (drained, reason naming both), a node whose NVML fails and one whose library is missing (the
# configured inventory stands, the agent logs why).
source "$(dirname "$0")/lib.sh"
STANDIN=$(cd "$SLUICE_BIN/../fixtures" && pwd)/libnvidia-ml-standin.so
[ -f "$STANDIN" ] || { echo "FATAL: no stand-in NVML library at $STANDIN"; exit 1; }
TMPD=$(mktemp -d /tmp/sluice-nvml.XXXXXX)
export SLUICE_FAKE_NVML=$TMPD/nvml.json
cat > "$SLUICE_FAKE_NVML" <<'JSON'
{"nodes": {
  "g1": {"devices": [
    {"name": "NVIDIA A40", "uuid": "GPU-a40-second", "bus_id": "00000000:81:00.0", "minor": 1, "memory_mb": 46068},
    {"name": "NVIDIA A40", "uuid": "GPU-a40-first", "bus_id": "00000000:41:00.0", "minor": 0, "memory_mb": 46068}]},
  "g2": {"devices": [{"name": "Tesla T4", "uuid": "GPU-t4", "bus_id": "00000000:3B:00.0", "memory_mb": 15360}]},
  "g3": {"fail": {"nvmlInit_v2": 9}, "devices": []}
}}
JSON
cat > "$TMPD/cluster.toml" <<TOML
[cluster]
name = "gputest"
[controller]
node_timeout = 3
heartbeat_interval = 1
kill_wait = 2
[agent]
nvml_library = "$STANDIN"
[[nodes]]
names = "g1"
cpus = 4
memory = "4G"
gpu_detect = "nvml"
[[nodes]]
names = "g2"
cpus = 4
memory = "4G"
gpus = { t4 = 2 }
gpu_detect = "nvml"
[[nodes]]
names = "g3"
cpus = 4
memory = "4G"
gpus = { a10 = 1 }
gpu_detect = "nvml"
[[partitions]]
name = "p"
nodes = "ALL"
default = true
[plugins.partition]
library = "partition"
[plugins.select]
library = "select_gpu"
TOML
cluster_up "$TMPD/cluster.toml"
rm -rf "$TMPD"  # the agents have read the answers (the file is read again only when sampling)
log_of() { cat "$CLUSTER_DIR/log/sluiced-$1.log" 2>/dev/null; }

# g1: no GPUs in its entry; NVML's two A40s, in PCI bus order.
wait_for 10 bash -c "scontrol show node g1 | grep -q 'Gres=gpu:a40:2'" && pass "g1 takes its GPUs from NVML" \
  || fail "g1's GPUs: $(scontrol show node g1 | grep Gres)"
expect_contains "gpu_detect=nvml: NVML found gpu:a40:2 (0=a40 \"NVIDIA A40\" 00000000:41:00.0 46068MB, 1=a40" \
  "$(log_of g1)" "the agent logs what it found, in PCI bus order"

# g2: its entry says two T4s, NVML finds one: drained with Slurm's reason, the entry's inventory kept.
reason="gres/gpu count reported lower than configured (1 < 2)"
wait_for 10 bash -c "sinfo -h -n g2 -o %t | grep -qx drain" && pass "g2 is drained" \
  || fail "g2 not drained: $(sinfo -h -n g2 -o %t)"
expect_contains "$reason" "$(sinfo -R -o '%60E %N')" "sinfo -R names the mismatch"
g2=$(scontrol show node g2)
expect_contains "Reason=$reason" "$g2" "scontrol show node names the mismatch"
expect_contains "Gres=gpu:t4:2" "$g2" "the configured inventory stands on a mismatch"
id=$(sbatch --parsable -w g2 --gres=gpu:t4:1 -o /dev/null --wrap true)
sleep 1
expect_eq "PENDING" "$(job_state "$id")" "no job lands on the drained node"
scancel "$id"

# g3: NVML fails to initialise: configured inventory, a log line, the node serves.
expect_contains "gpu_detect=nvml: NVML not usable (nvmlInit_v2 failed: Driver Not Loaded); the configured inventory stands (gpu:a10:1)" \
  "$(log_of g3)" "g3's agent says why NVML is not used"
expect_eq "idle" "$(sinfo -h -n g3 -o %t)" "g3 serves with its configured GPUs"
expect_contains "Gres=gpu:a10:1" "$(scontrol show node g3)" "g3 keeps its configured GPU"

# Jobs land on the discovered GPUs; each index goes to one job at a time.
a=$(sbatch --parsable --gres=gpu:a40:1 -o "$WORK/a.out" --wrap 'echo $SLURM_JOB_GPUS; sleep 30')
b=$(sbatch --parsable --gres=gpu:a40:1 -o "$WORK/b.out" --wrap 'echo $SLURM_JOB_GPUS; sleep 30')
c=$(sbatch --parsable --gres=gpu:a40:1 -o /dev/null --wrap true)
wait_for 10 test -s "$WORK/a.out" && wait_for 10 test -s "$WORK/b.out" || fail "a40 jobs did not start"
expect_eq "g1 g1" "$(squeue -h -j "$a" -o %N) $(squeue -h -j "$b" -o %N)" "a40 jobs run on g1"
expect_eq "0 1" "$(sort -n "$WORK/a.out" "$WORK/b.out" | xargs)" "they hold GPU 0 and GPU 1 (SLURM_JOB_GPUS)"
wait_for 5 bash -c "squeue -h -j $c -o %r | grep -qx Resources" && pass "a third a40 job waits" \
  || fail "job c: $(squeue -h -j "$c" -o '%T %r')"
out=$(srun --gres=gpu:a40:3 true 2>&1); rc=$?
expect_eq 1 "$rc" "three A40s can never be had: $out"
scancel "$a" "$b" "$c"

# A missing library: the configured inventory stands, the agent says why.
kill "$(cat "$CLUSTER_DIR/spool/g3/sluiced.pid")"
wait_for 10 bash -c "! kill -0 $(cat "$CLUSTER_DIR/spool/g3/sluiced.pid") 2>/dev/null"
sed -i "s|^nvml_library = .*|nvml_library = \"/nonexistent/libnvidia-ml.so.1\"|" "$CLUSTER_CONF"
sluiced -f "$SLUICE_CONF" -N g3 || fail "g3's agent did not restart"
wait_for 10 bash -c "grep -q 'cannot load /nonexistent/libnvidia-ml.so.1' '$CLUSTER_DIR/log/sluiced-g3.log'" \
  && pass "a missing library is logged" || fail "no log line for the missing library: $(log_of g3 | tail -3)"
wait_for 10 bash -c "sinfo -h -n g3 -o %t | grep -qx idle" || fail "g3 did not come back"
expect_contains "Gres=gpu:a10:1" "$(scontrol show node g3)" "without NVML g3 keeps its configured GPU"
