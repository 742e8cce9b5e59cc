#!/usr/bin/env bash
# The node-side launch plugin: loaded by every sluiced, applied to every step, reconfigured with
# the controller (scontrol reconfigure), and validated before anything is swapped.
source "$(dirname "$0")/lib.sh"
fixture=$SLUICE_BIN/../fixtures/libfixture_tag_launch.so
[ -f "$fixture" ] || { echo "FATAL: $fixture not built"; exit 1; }
conf=$(mktemp /tmp/sluice-launch.XXXXXX.toml)
cat "$HERE/cluster.toml" > "$conf"
cat >> "$conf" <<TOML

[plugins.launch]
library = "$fixture"
[plugins.launch.options]
tag = "one"
TOML
cluster_up "$conf"
rm -f "$conf"
set_tag() { sed -i "s/^\( *\)tag = .*/\1tag = \"$1\"/" "$CLUSTER_CONF"; }

expect_eq "one" "$(srun printenv LAUNCH_TAG)" "the launch plugin rewrites the step"
id=$(sbatch --parsable --wrap 'printenv LAUNCH_TAG')
wait_for 10 state_is "$id" COMPLETED || fail "batch job under the launch plugin: $(job_state "$id")"
expect_eq "one" "$(cat "slurm-$id.out")" "batch jobs too"
out=$(srun -J refuse true 2>&1); rc=$?
[ "$rc" -ne 0 ] && pass "a refused step fails" || fail "refused step exited 0"
expect_contains "launch refused by fixture" "$out" "with the plugin's reason"

set_tag two
scontrol reconfigure; expect_eq 0 $? "reconfigure with a new launch option"
wait_for 10 bash -c "[ \$(grep -l 'reconfigured from' $CLUSTER_DIR/log/sluiced-*.log | wc -l) -eq 3 ]" \
  || fail "not every agent reconfigured"
expect_eq "two" "$(srun printenv LAUNCH_TAG)" "agents use the new launch plugin configuration"

sed -i "s/^\( *\)tag = .*/\1colour = \"red\"/" "$CLUSTER_CONF"
out=$(scontrol reconfigure 2>&1); rc=$?
expect_eq 1 "$rc" "a bad launch option is refused before anything is swapped"
expect_match "plugins.launch.options.colour: unknown key" "$out" "and named"
expect_eq "two" "$(srun printenv LAUNCH_TAG)" "the agents keep the old launch plugin"
