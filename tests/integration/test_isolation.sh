#!/usr/bin/env bash
# An isolated plugin that crashes or hangs: the controller keeps serving, jobs wait with reason
# PluginError, the host is restarted, and scheduling resumes.
source "$(dirname "$0")/lib.sh"
fixture=$SLUICE_BIN/../fixtures/libfixture_crashy_select.so
[ -f "$fixture" ] || { echo "FATAL: $fixture not built"; exit 1; }
conf=$(mktemp /tmp/sluice-iso.XXXXXX.toml)
sed -e "/^\[plugins.select\]/,\$d" "$HERE/cluster.toml" > "$conf"
cat >> "$conf" <<TOML
[plugins.select]
library = "$fixture"
isolate = true
deadline_ms = 500
TOML
cluster_up "$conf"
rm -f "$conf"
ctld=$(cat "$CLUSTER_DIR/state/sluicectld.pid")

# The host logs into the controller's log, in its format: the host's own "plugin loaded" line.
expect_match "^\[[0-9-]+T[0-9:.]+\] info: plugin loaded: point=select name=fixture/crashy_select" \
  "$(grep 'point=select name=fixture/crashy_select' "$CLUSTER_DIR/log/sluicectld.log" | head -1)" \
  "the plugin host logs in the controller's format"
id=$(sbatch --parsable -J ok --wrap true)
wait_for 10 state_is "$id" COMPLETED || fail "a normal job did not run: $(job_state "$id")"

boom=$(sbatch --parsable -J boom --wrap true)
wait_for 10 bash -c "squeue -h -j $boom -o %r | grep -qx PluginError" || fail "crash: reason $(squeue -h -j "$boom" -o %r)"
expect_contains "crashed" "$(cat "$CLUSTER_DIR/log/sluicectld.log")" "the crash is logged"
kill -0 "$ctld" && pass "the controller survives a crashing plugin" || fail "controller died"
expect_eq "PENDING" "$(job_state "$boom")" "the job that crashed the plugin waits"
scancel "$boom"
id=$(sbatch --parsable -J after-crash --wrap true)
wait_for 15 state_is "$id" COMPLETED || fail "no scheduling after the host restarted: $(job_state "$id")"

hang=$(sbatch --parsable -J hang --wrap true)
wait_for 10 bash -c "squeue -h -j $hang -o %r | grep -qx PluginError" || fail "hang: reason $(squeue -h -j "$hang" -o %r)"
expect_contains "missed its 500 ms deadline" "$(cat "$CLUSTER_DIR/log/sluicectld.log")" "the deadline is enforced"
scancel "$hang"
id=$(sbatch --parsable -J after-hang --wrap true)
wait_for 15 state_is "$id" COMPLETED || fail "no scheduling after a hung host: $(job_state "$id")"
expect_eq "$ctld" "$(cat "$CLUSTER_DIR/state/sluicectld.pid")" "the same controller served throughout"
