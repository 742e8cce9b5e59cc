#!/usr/bin/env bash
# scontrol reconfigure / SIGHUP swap the plugin set between passes: placements change, running and
# pending jobs are untouched, a broken set is refused with every error and the old one stays.
source "$(dirname "$0")/lib.sh"
cluster_up
conf=$CLUSTER_CONF
set_strategy() { sed -i "s/^\( *\)strategy = .*/\1strategy = \"$1\"/" "$conf"; }
node_of() { squeue -h -j "$1" -o %N; }

# pack: both jobs share the first node.
a=$(sbatch --parsable --wrap 'sleep 30'); b=$(sbatch --parsable --wrap 'sleep 30')
wait_for 10 bash -c "[ \$(squeue -h -t R | wc -l) -eq 2 ]" || fail "pack jobs did not start"
expect_eq "$(node_of "$a")" "$(node_of "$b")" "pack places both jobs on one node"
held=$(sbatch --parsable -H --wrap true)

set_strategy spread
scontrol reconfigure; expect_eq 0 $? "scontrol reconfigure accepts a good config"
c=$(sbatch --parsable --wrap 'sleep 30')
wait_for 10 state_is "$c" RUNNING || fail "job after reconfigure did not start"
[ "$(node_of "$c")" != "$(node_of "$a")" ] && pass "spread places the next job on another node" \
  || fail "spread placed $c on $(node_of "$c") beside $a"
expect_eq "RUNNING RUNNING" "$(job_state "$a") $(job_state "$b")" "running jobs are untouched"
expect_eq "PD (JobHeldUser)" "$(squeue -h -j "$held" -o '%t %R')" "pending jobs are untouched"

# A broken plugin set is refused, with the reason, and the old one stays.
cp "$conf" "$conf.good"
sed -i 's/^library = .select_gpu./library = "no_such_plugin"/' "$conf"
set_strategy random
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 1 "$rc" "a broken plugin set is refused"
expect_contains "plugin library not found" "$out" "the missing library is named"
cp "$conf.good" "$conf"
set_strategy random
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 1 "$rc" "bad plugin options are refused"
line=$(grep -n '^ *strategy = ' "$conf" | cut -d: -f1)
expect_match "\.toml:$line:[0-9]+: plugins.select.options.strategy: " "$out" "the option error is positioned in $conf"
d=$(sbatch --parsable --wrap true)
wait_for 10 state_is "$d" COMPLETED || fail "the old plugin set stopped scheduling"
expect_eq "RUNNING RUNNING RUNNING" "$(job_state "$a") $(job_state "$b") $(job_state "$c")" \
  "nothing was lost by the refused reconfigures"

# SIGHUP does the same: back to pack.
cp "$conf.good" "$conf"; set_strategy pack
kill -HUP "$(cat "$CLUSTER_DIR/state/sluicectld.pid")"
wait_for 5 grep -q "reconfigured from" "$CLUSTER_DIR/log/sluicectld.log" || fail "SIGHUP did not reconfigure"
scancel "$a" "$b" "$c" "$held"

# Reload under load: submissions racing with repeated swaps lose nothing.
ids=()
for i in $(seq 60); do
  ids+=("$(sbatch --parsable --wrap true)")
  if (( i % 6 == 0 )); then
    if (( i % 12 == 0 )); then set_strategy spread; else set_strategy pack; fi
    scontrol reconfigure || fail "reconfigure $i failed"
  fi
done
for id in "${ids[@]}"; do wait_for 20 state_is "$id" COMPLETED || fail "job $id lost: $(job_state "$id")"; done
expect_eq 60 "$(sacct -n -X -j "$(IFS=,; echo "${ids[*]}")" -o State | grep -c COMPLETED)" \
  "all 60 jobs submitted during reconfigures completed"

# What-if: a candidate config run against the live queue; nothing changes.
fill=()
for n in n1 n2; do fill+=("$(sbatch --parsable -w $n -c 4 --wrap 'sleep 30')"); done
fill+=("$(sbatch --parsable -w n3 -c 8 --wrap 'sleep 30')")
wait_for 10 bash -c "[ \$(squeue -h -t R | wc -l) -eq 3 ]" || fail "fill jobs did not start"
p=$(sbatch --parsable -c 4 --wrap true)
sleep 0.5
expect_eq "PD (Resources)" "$(squeue -h -j "$p" -o '%t %R')" "a job waits for resources"
sed 's/^max_time = .6-00:00:00./max_time = "0:30"/' "$conf" > "$WORK/candidate.toml"
out=$(scontrol whatif -f "$WORK/candidate.toml"); rc=$?
expect_eq 0 "$rc" "scontrol whatif runs"
expect_match "$p +root +wrap +PD \(Resources\) +rejected: Requested time limit is invalid" "$out" \
  "what-if shows the job the candidate would refuse"
expect_eq "PD (Resources)" "$(squeue -h -j "$p" -o '%t %R')" "what-if changed nothing"
sed -i 's/^library = .select_gpu./library = "no_such_plugin"/' "$WORK/candidate.toml"
out=$(scontrol whatif -f "$WORK/candidate.toml" 2>&1); rc=$?
expect_eq 1 "$rc" "what-if of a broken candidate fails"
expect_contains "plugin library not found" "$out" "and says why"
scancel "${fill[@]}" "$p"
