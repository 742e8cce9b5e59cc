#!/usr/bin/env bash
# The admin's loop: the cluster runs from the file named to `sluice local up`; edit it, then
# `scontrol reconfigure`.
source "$(dirname "$0")/lib.sh"
cluster_up
conf=$CLUSTER_CONF

# The daemons read the admin's file itself: the file `sluice local up` writes only adds ports and paths.
expect_eq "" "$(grep -E '^\[\[?(nodes|partitions|plugins)' "$SLUICE_CONF")" "no copy of the cluster's config"
sed -i 's/^max_time = "12:00:00"/max_time = "2:00:00"/' "$conf"
scontrol reconfigure; expect_eq 0 $? "reconfigure after editing the file named to sluice local up"
expect_eq "2:00:00" "$(sinfo -h -p batch -o %l)" "the edit takes effect"
cp "$conf" "$conf.good"
