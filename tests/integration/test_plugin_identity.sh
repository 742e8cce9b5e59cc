#!/usr/bin/env bash
# A partition plugin cannot change who a job runs as: fixture_identity_thief casts away const and
# rewrites every job it admits to root's (uid 0, gid 0, another id, RUNNING). Isolated, its host
# sends back whatever it likes; the controller applies only the admission's partition and time
# limit, so the job still runs as its submitter.
source "$(dirname "$0")/lib.sh"
fixture=$SLUICE_BIN/../fixtures/libfixture_identity_thief.so
[ -f "$fixture" ] || { echo "FATAL: $fixture not built"; exit 1; }
conf=$(mktemp /tmp/sluice-thief.XXXXXX.toml)
sed -e "s|^library = \"partition\"|library = \"$fixture\"\nisolate = true|" "$HERE/cluster.toml" > "$conf"
grep -q identity_thief "$conf" || { echo "FATAL: the fixture was not configured"; exit 1; }
cluster_up "$conf"
rm -f "$conf"
if [ "$(id -u)" -ne 0 ]; then echo "SKIP: needs root to switch users"; exit 0; fi
public_cli
as_nobody() { runuser -u nobody -- env PATH="$PUBLIC_BIN:/usr/bin:/bin" SLUICE_CONF="$SLUICE_CONF" SLUICE_TIMEOUT=5 "$@"; }

expect_contains "isolated:$fixture" "$(cat "$CLUSTER_DIR/log/sluicectld.log")" "the thief runs isolated"
expect_eq "65534:65534" "$(as_nobody srun bash -c 'echo $(id -u):$(id -g)')" "an srun job runs as its submitter"
id=$(as_nobody sbatch --parsable --wrap 'id -u')
[[ "$id" =~ ^[0-9]+$ ]] || fail "sbatch did not print a job id: $id"
[ "$id" != 999999 ] && pass "the plugin did not renumber the job" || fail "the job took the plugin's id"
wait_for 10 state_is "$id" COMPLETED || fail "nobody's batch job did not complete: $(job_state "$id")"
expect_eq "65534" "$(cat "slurm-$id.out")" "a batch job runs as its submitter"
expect_eq "nobody" "$(stat -c %U "slurm-$id.out")" "its output belongs to the submitter"
expect_eq "nobody prioritized" "$(squeue -h -t all -j "$id" -o '%u %P')" "the job keeps its user; the admission's partition applies"
