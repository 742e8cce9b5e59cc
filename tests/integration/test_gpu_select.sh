#!/usr/bin/env bash
# Placement policy through the real CLI and daemons: node features and -C, CPU-only jobs on CPU
# nodes first, refusals at submission with Slurm's messages (and waiting when a job only has to
# wait), and scontrol whatif --job previewing where hypothetical jobs would go under a candidate.
source "$(dirname "$0")/lib.sh"
conf=$(mktemp /tmp/sluice-gpu-select.XXXXXX.toml)
cat > "$conf" <<'EOF'
[cluster]
name = "gpuselect"
[controller]
listen = "tcp://127.0.0.1:6817"
state_dir = "/tmp/sluice-test"
node_timeout = 3
heartbeat_interval = 1
kill_wait = 2
[[nodes]]
names = "t1"
cpus = 4
memory = "8G"
gpus = { t4 = 2 }
features = ["gpu", "t4"]
[[nodes]]
names = "a1"
cpus = 4
memory = "8G"
gpus = { a40 = 2 }
features = "gpu,a40"
[[nodes]]
names = "c1"
cpus = 4
memory = "8G"
features = ["cpu"]
[[partitions]]
name = "prioritized"
nodes = "ALL"
default = true
max_time = "1:00:00"
[plugins.partition]
library = "partition"
[plugins.select]
library = "select_gpu"
[plugins.select.options]
strategy = "pack"
EOF
cluster_up "$conf"
rm -f "$conf"

submit_fails() {  # message what sbatch-options...
  local want=$1 what=$2; shift 2
  check 1 "sbatch: error: Batch job submission failed: $want" "$what" sbatch "$@" -o /dev/null --wrap true
}
submit_fails "Requested node configuration is not available" "more GPUs of a type than any node has" \
  --gres=gpu:a40:9
submit_fails "Requested node configuration is not available" "a GPU type no node has" --gres=gpu:h100:1
submit_fails "Invalid feature specification" "a feature no node has" -C nosuch
submit_fails "Requested node configuration is not available" "features no node has together" -C 'a40&t4'

node_of() { squeue -h -t all -j "$1" -o %N; }
cpu=$(sbatch --parsable -o /dev/null --wrap 'sleep 20')
wait_for 10 state_is "$cpu" RUNNING || fail "CPU-only job did not start"
expect_eq c1 "$(node_of "$cpu")" "a CPU-only job goes to the node without GPUs"
feat=$(sbatch --parsable -C 'a40|nosuch_too' -o /dev/null --wrap 'sleep 20' 2>&1)
expect_eq "sbatch: error: Batch job submission failed: Invalid feature specification" "$feat" \
  "an OR naming an unknown feature is refused too"
feat=$(sbatch --parsable -C 'gpu&a40' -o /dev/null --wrap 'sleep 20')
wait_for 10 state_is "$feat" RUNNING || fail "-C job did not start"
expect_eq a1 "$(node_of "$feat")" "-C gpu&a40 runs on the a40 node"
hold=$(sbatch --parsable -G a40:2 -o /dev/null --wrap 'sleep 20')
wait_for 10 state_is "$hold" RUNNING || fail "a40 holder did not start"
wait=$(sbatch --parsable --gres=gpu:a40:1 -o /dev/null --wrap true)
sleep 0.5
expect_eq "PD Resources" "$(squeue -h -j "$wait" -o '%t %r')" "a job that only has to wait stays pending"

# whatif --job: the live policy (pack, CPU-only jobs on c1 first) against a spreading candidate that
# lets CPU-only jobs onto GPU nodes and prefers a40s (all busy). Each job sees the ones before it.
sed 's/^strategy = "pack"/strategy = "spread"\ngpu_type_order = ["a40", "t4"]\ncpu_jobs_avoid_gpu_nodes = false/' \
  "$CLUSTER_CONF" > "$WORK/candidate.toml"
out=$(scontrol whatif -f "$WORK/candidate.toml" --job '-G 1' --job '-C cpu -c 2' --job '--gres=gpu:a40:9' \
  --job '-C nosuch' --job '-c 1'); rc=$?
expect_eq 0 "$rc" "whatif --job runs"
expect_match "1 +R t1\(t4:0\) +R t1\(t4:0\) +-G 1" "$out" "an untyped GPU job: the a40s are busy, both say t4"
expect_match "2 +R c1 +R c1 +-C cpu -c 2" "$out" "a constrained job"
expect_match "3 +rejected: Requested node configuration is not available +rejected: Requested node" "$out" \
  "an impossible job is rejected under both"
expect_match "4 +rejected: Invalid feature specification +rejected: Invalid feature specification" "$out" \
  "an unknown feature is rejected under both"
expect_match "5 +R c1 +R t1 +-c 1  \(moves\)" "$out" "a CPU job the candidate spreads onto a GPU node moves"
expect_eq "PD" "$(squeue -h -j "$wait" -o '%t')" "whatif changed nothing"
scancel "$hold"
started() { [[ "$(job_state "$1")" =~ ^(RUNNING|COMPLETED)$ ]]; }  # `true` may end before a poll sees it run
wait_for 10 started "$wait" || fail "the waiting job did not start once GPUs were free"
# A candidate that adds a partition: its nodes belong to it in the preview, not only once live.
printf '[[partitions]]\nname = "cpuonly"\nnodes = "c1"\n' >> "$WORK/candidate.toml"
out=$(scontrol whatif -f "$WORK/candidate.toml" --job '-p cpuonly -c 1')
expect_match "1 +rejected: Invalid partition name specified +R c1 " "$out" "a partition only the candidate has places on its node"
out=$(scontrol whatif -f "$WORK/candidate.toml" --job '--nosuchflag' 2>&1); rc=$?
expect_eq 1 "$rc" "whatif --job with a bad option fails"
expect_contains "invalid options" "$out" "and says so"
scancel "$cpu" "$feat" "$wait"
