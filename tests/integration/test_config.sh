#!/usr/bin/env bash
# The admin's loop: the cluster runs from the file named to `sluice local up`; edit it, then
# `scontrol reconfigure`. Commands read only what a client needs from the config, so a mistake in a
# partition does not stop them, while the controller refuses the file with every error.
# `scontrol show config` names the plugin of each extension point that is loaded.
source "$(dirname "$0")/lib.sh"
cluster_up
conf=$CLUSTER_CONF
setting() { scontrol show config | sed -n "s/^$1 *= //p"; }

expect_eq "partition/partition" "$(setting PartitionType)" "show config names the partition plugin"
expect_eq "select/select_gpu" "$(setting SelectType)" "and the select plugin"
expect_eq "" "$(scontrol show config | grep -E '^(Preempt|Requeue|Launch)Type')" \
  "and no plugin for a point nothing loads"

# The daemons read the admin's file itself: the file `sluice local up` writes only adds ports and paths.
expect_eq "" "$(grep -E '^\[\[?(nodes|partitions|plugins)' "$SLUICE_CONF")" "no copy of the cluster's config"
sed -i 's/^max_time = "12:00:00"/max_time = "2:00:00"/' "$conf"
scontrol reconfigure; expect_eq 0 $? "reconfigure after editing the file named to sluice local up"
expect_eq "2:00:00" "$(sinfo -h -p batch -o %l)" "the edit takes effect"
cp "$conf" "$conf.good"

# Typos in a partition: the controller refuses the file with every error; commands keep working.
sed -i -e 's/^max_time = "2:00:00"/max_time = "2:00:0O"/' -e 's/^priority_tier = 1$/priority_tier = -1/' "$conf"
l1=$(grep -n '2:00:0O' "$conf" | cut -d: -f1); l2=$(grep -n 'priority_tier = -1' "$conf" | cut -d: -f1)
out=$(squeue 2>&1); rc=$?
expect_eq "0|JOBID" "$rc|$(echo "$out" | awk 'NR == 1 { print $1 }')" "squeue works with a broken partition"
expect_eq "ok" "$(srun -p batch echo ok)" "srun too"
expect_eq "2:00:00" "$(sinfo -h -p batch -o %l)" "the controller keeps the last good config"
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 1 "$rc" "scontrol reconfigure fails"
expect_eq "$conf:$l1:12: partitions[1].max_time: invalid time \"2:00:0O\"
$conf:$l2:17: partitions[1].priority_tier: must be >= 0" "$out" "and prints every error the controller found"

# A TOML syntax error in a partition: the same.
cp "$conf.good" "$conf"
sed -i 's/^name = "batch"$/name = "batch/' "$conf"
line=$(grep -n '^name = "batch$' "$conf" | cut -d: -f1)
out=$(squeue -h -t all -o %T 2>&1); rc=$?
expect_eq "0|COMPLETED" "$rc|$(echo "$out" | sort -u)" "squeue works with a syntax error in a partition"
expect_eq "select/select_gpu" "$(setting SelectType)" "and so does show config"
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 1 "$rc" "scontrol reconfigure fails on a syntax error"
expect_match "^$conf:$line:[0-9]+: " "$out" "and prints it with its position"

cp "$conf.good" "$conf"
scontrol reconfigure; expect_eq 0 $? "reconfigure succeeds once the file is fixed"
expect_eq "ok" "$(srun -p batch echo ok)" "and the cluster runs jobs"
