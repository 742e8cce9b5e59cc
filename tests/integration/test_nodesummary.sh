#!/usr/bin/env bash
# nodesummary and the GPU fields of scontrol, squeue, sinfo and sacct on a running cluster, before
# and while GPU jobs run (n[1-2]: 4 CPUs, 8G, two T4s each; n3: 8 CPUs, 16G, one A10).
source "$(dirname "$0")/lib.sh"
cluster_up

row() { nodesummary --no-color | grep -E "^$1 "; }

out=$(nodesummary)
expect_eq 0 $? "nodesummary runs"
expect_contains "NODE" "$out" "a heading for the nodes"
expect_match "^n1 +idle +\[\.+\] +0/4 \[\.+\] +0M/8G \[\.+\] +0/2 t4$" "$(row n1)" "n1 idle before any job"
expect_match "^cluster +3/3 .* 0/5 t4,a10$" "$(row cluster)" "the cluster's total"
[[ $out == *$'\x1b'* ]] && fail "colour codes when piped" || pass "plain text when piped"
longest=$(nodesummary | awk '{ print length }' | sort -n | tail -1)
[ "$longest" -le 80 ] && pass "fits 80 columns ($longest)" || fail "a line of $longest columns"

id1=$(sbatch --parsable -w n1 --gres=gpu:t4:2 -c 2 --mem=2G -o /dev/null --wrap 'sleep 60')
id2=$(sbatch --parsable -w n3 -G a10:1 -o /dev/null --wrap 'sleep 60')
wait_for 15 state_is "$id1" RUNNING || fail "the T4 job did not start"
wait_for 15 state_is "$id2" RUNNING || fail "the A10 job did not start"

expect_match "^n1 +mix +\[#+\.*\] +2/4 \[#+\.*\] +2G/8G \[#+\] +2/2 t4$" "$(row n1)" "n1 shows the job's CPUs, memory and GPUs"
expect_match "^n3 +mix +.* 1/8 .* 1/1 a10$" "$(row n3)" "n3 shows its A10 in use"
expect_match "^cluster +3/3 .* 3/5 t4,a10$" "$(row cluster)" "the cluster's GPUs in use"
expect_match "^t4 +2 +\[#+\.*\] +2/4$" "$(nodesummary | grep -E '^t4 ')" "two T4s free, two in use"
expect_match "^a10 +0 +\[#+\] +1/1$" "$(nodesummary | grep -E '^a10 ')" "no A10 free"

colored=$(script -qec "nodesummary" /dev/null)
[[ $colored == *$'\x1b['* ]] && pass "colour on a terminal" || fail "no colour on a terminal: $colored"
plain=$(NO_COLOR=1 script -qec "nodesummary" /dev/null)
[[ $plain == *$'\x1b['* ]] && fail "colour despite NO_COLOR" || pass "NO_COLOR turns colour off"
plain=$(script -qec "nodesummary --no-color" /dev/null)
[[ $plain == *$'\x1b['* ]] && fail "colour despite --no-color" || pass "--no-color turns colour off"

json=$(nodesummary --json)
expect_eq "2 2 t4" "$(jq -r '.nodes[] | select(.name=="n1") | "\(.gpus.used) \(.gpu_types[0].used) \(.gpu_types[0].type)"' <<<"$json")" \
  "JSON: n1's GPUs"
expect_eq "3 5" "$(jq -r '"\(.cluster.gpus.used) \(.cluster.gpus.total)"' <<<"$json")" "JSON: the cluster's GPUs"
expect_eq "n3" "$(nodesummary --no-color -n n3 | awk 'NR==2 { print $1 }')" "-n keeps the named nodes"
expect_eq "n[1-2]" "$(nodesummary --json -n 'n[1-2]' | jq -r '[.nodes[].name] | join(",")' | sed 's/n1,n2/n[1-2]/')" \
  "-n takes a hostlist"
expect_eq "batch" "$(nodesummary --json -p batch | jq -r '[.partitions[].name] | join(",")')" "-p keeps one partition"
check 1 "nodesummary: error: no partition named nosuch (partitions: prioritized, batch)" "an unknown partition" \
  nodesummary -p nosuch
out=$(nodesummary -n 'n[1-' 2>&1); rc=$?
expect_eq 1 "$rc" "a bad hostlist is refused"
expect_contains "nodesummary: error: invalid node list n[1-" "$out" "and named"

# The GPU fields of the Slurm commands.
node=$(scontrol -d show node n1)
expect_contains "Gres=gpu:t4:2 GresUsed=gpu:t4:2(IDX:0-1)" "$node" "scontrol -d show node: GresUsed"
expect_contains "CfgTRES=cpu=4,mem=8G,billing=4,gres/gpu=2,gres/gpu:t4=2" "$node" "CfgTRES counts the GPUs"
expect_contains "AllocTRES=cpu=2,mem=2G,gres/gpu=2,gres/gpu:t4=2" "$node" "AllocTRES counts the GPUs in use"
[[ $(scontrol show node n1) == *GresUsed* ]] && fail "GresUsed without -d" || pass "GresUsed only with -d, as Slurm"
expect_eq "gres:gpu:t4:2" "$(squeue -h -j "$id1" -o %b)" "squeue %b"
expect_eq "gres:gpu:a10:1" "$(squeue -h -j "$id2" -O tres-per-job | xargs)" "squeue -O tres-per-job"
job=$(scontrol -d show job "$id1")
expect_contains "TresPerNode=gres:gpu:t4:2" "$job" "scontrol show job: TresPerNode"
expect_contains ",gres/gpu=2,gres/gpu:t4=2" "$job" "scontrol show job: TRES with the GPUs"
expect_contains "GRES=gpu:t4:2(IDX:0-1)" "$job" "scontrol -d show job: the GPU indices"
expect_contains "TresPerJob=gres:gpu:a10:1" "$(scontrol show job "$id2")" "scontrol show job: TresPerJob"
expect_match "gpu:t4:2\(IDX:0-1\)" "$(sinfo -h -n n1 -O GresUsed:40)" "sinfo -O GresUsed"
expect_contains "gres/gpu:t4=2" "$(sacct -n -P -j "$id1" -o AllocTRES)" "sacct AllocTRES records the GPUs"
scancel "$id1" "$id2"
