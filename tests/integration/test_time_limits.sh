#!/usr/bin/env bash
# Time limits: --signal's warning before the limit (batch shell only, or the whole job), --time-min,
# the partition's max_time (refused, or clipped with over_time_limit = "clip"), and
# scontrol update JobId= TimeLimit= by the owner (lower; raise while pending) and by an admin,
# with the deadline and the warning moved on the node.
source "$(dirname "$0")/lib.sh"
cluster_up
public_cli
as_nobody() { runuser -u nobody -- env PATH="$PUBLIC_BIN:/usr/bin:/bin" SLUICE_CONF="$SLUICE_CONF" SLUICE_TIMEOUT=5 "$@"; }

# The epoch seconds of the "CANCELLED AT <time> DUE TO TIME LIMIT" notice in a job's output.
notice_time() { date -d "$(sed -n 's/.*CANCELLED AT \(.*\) DUE TO TIME LIMIT.*/\1/p' "$1")" +%s; }
# A number of the line "<word> <epoch>" in a job's output.
stamp() { sed -n "s/^$1 \\([0-9]*\\)\$/\\1/p" "$2" | head -1; }
# between LOW HIGH VALUE WHAT
between() {
  if [ -n "$3" ] && [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; then pass "$4 ($3 s)"; else fail "$4: [$3] not in $1..$2"; fi
}

# The warning: a script that traps USR1 and starts a child that traps it too. With "B:" the batch
# shell alone gets it, 3 s before the limit; then the limit's SIGTERM, the notice, TIMEOUT.
cat > warned.sh <<'EOF'
#!/bin/bash
trap 'echo "shell $(date +%s)"' USR1
echo "start $(date +%s)"
bash -c 'trap "echo child \$(date +%s)" USR1; sleep 30 & wait; sleep 30 & wait' &
while :; do wait; done
EOF
batch=$(sbatch --parsable -t 0:06 --signal=B:USR1@3 warned.sh)
whole=$(sbatch --parsable -t 0:06 --signal=SIGUSR1@3 warned.sh)
# #SBATCH lines read the same option.
printf '#!/bin/bash\n#SBATCH --time=0:06\n#SBATCH --signal=USR2@4\n#SBATCH --time-min=0:05\ntrap "echo usr2 \\$(date +%%s)" USR2\necho "start $(date +%%s)"\nsleep 30 & wait\nsleep 30 & wait\n' > directive.sh
direc=$(sbatch --parsable directive.sh)
expect_eq "TimeMin=00:00:05" "$(scontrol show job "$direc" | grep -o 'TimeMin=[^ ]*')" "--time-min from #SBATCH shows in scontrol show job"
for id in "$batch" "$whole" "$direc"; do
  wait_for 20 state_is "$id" TIMEOUT || fail "job $id did not end TIMEOUT: $(job_state "$id")"
done
out=$(cat "slurm-$batch.out")
start=$(stamp start "slurm-$batch.out")
shell=$(stamp shell "slurm-$batch.out")
between 2 4 "$((shell - start))" "B:USR1@3 reaches the batch shell 3 s before a 6 s limit"
between 2 4 "$(($(notice_time "slurm-$batch.out") - shell))" "the TIMEOUT notice follows the warning 3 s later"
expect_eq "" "$(grep '^child' "slurm-$batch.out")" "with B: the batch shell's child does not get it"
expect_eq 1 "$(grep -c '^shell' "slurm-$batch.out")" "the warning comes once"
expect_match "shell [0-9]+
.*DUE TO TIME LIMIT" "$out" "the warning comes before the notice"
start=$(stamp start "slurm-$whole.out")
between 2 4 "$(($(stamp shell "slurm-$whole.out") - start))" "without B: the batch shell gets it"
between 2 4 "$(($(stamp child "slurm-$whole.out") - start))" "without B: its child gets it too"
between 1 3 "$(($(stamp usr2 "slurm-$direc.out") - $(stamp start "slurm-$direc.out")))" "#SBATCH --signal=USR2@4"
expect_eq "TIMEOUT" "$(sacct -n -X -j "$batch" -o State | xargs)" "sacct shows TIMEOUT"

# A warning time past the limit: sent at the start.
early=$(sbatch --parsable -t 0:03 --signal=B:USR1@30 warned.sh)
wait_for 15 state_is "$early" TIMEOUT || fail "job $early did not end TIMEOUT: $(job_state "$early")"
between 0 2 "$(($(stamp shell "slurm-$early.out") - $(stamp start "slurm-$early.out")))" "@30 with a 3 s limit: at the start"

# Bad --signal forms: Slurm's line, exit 1, nothing submitted.
for bad in FOO USR1@ USR1@65536 USR1@-1 B:USR1@3x X:USR1 0 SIGFOO ""; do
  check 255 "sbatch: error: Invalid --signal specification" "--signal=$bad refused" sbatch --signal="$bad" --wrap true
done
check 255 "srun: error: Invalid --signal specification" "srun has no batch shell for B:" srun --signal=B:USR1 true
# A malformed time exits 255, as Slurm's option parser (exit(-1)); sbatch and srun alike.
check 255 "sbatch: error: Invalid --time-min specification" "bad --time-min" sbatch --time-min=abc --wrap true
for bad in abc -5 1:2:3:4 5- 1.5 ""; do
  check 255 "sbatch: error: Invalid --time specification" "bad --time '$bad'" sbatch --time="$bad" --wrap true
done
check 255 "srun: error: Invalid --time specification" "srun: bad --time" srun -t soon true
check 255 "sbatch: error: Invalid --time specification" "a bad #SBATCH --time" \
  sbatch <(printf '#!/bin/sh\n#SBATCH --time=1:2:3:4\ntrue\n')
printf '#!/bin/bash\n#SBATCH --signal=USR1@soon\ntrue\n' > badsig.sh
check 255 "sbatch: error: Invalid --signal specification" "a bad #SBATCH --signal" sbatch badsig.sh

# --time-min and the partition's max_time ("batch": 12:00:00).
tmin="sbatch: error: Batch job submission failed: Invalid time-min specification (exceeds job's time or other limits)"
check 1 "$tmin" "--time-min above --time" sbatch -t 1:00 --time-min=2:00 --wrap true
check 1 "$tmin" "--time-min above the partition's max_time" sbatch -p batch -t 1:00:00 --time-min=13:00:00 --wrap true
check 1 "$tmin" "--time-min above the partition's max_time (no -t)" sbatch -p batch --time-min=13:00:00 --wrap true
check 1 "sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)" \
  "--time over the partition's max_time" sbatch -p batch -t 13:00:00 --wrap true
check 1 "srun: error: Unable to allocate resources: Requested time limit is invalid (missing or exceeds some limit)" \
  "srun --time over the partition's max_time" srun -p batch -t 12:00:01 true
# -1, UNLIMITED and 0 all ask for no limit, and meet the partition's max_time like any request.
for t in -1 UNLIMITED infinite 0; do
  check 1 "sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)" \
    "-t $t is no limit: over the partition's max_time" sbatch -p batch -t "$t" --wrap true
done
expect_eq "0" "$(squeue -h -t all -o %i | grep -c -v -x -e "$batch" -e "$whole" -e "$direc" -e "$early")" \
  "refused submissions leave no job"

# scontrol update TimeLimit: the owner lowers a pending job's limit, and may raise it up to the
# partition's max_time while it is pending.
held=$(as_nobody sbatch --parsable -H -p batch -t 10:00 --time-min=2:00 --wrap true)
check 0 "" "the owner lowers a pending job's limit" as_nobody scontrol update JobId="$held" TimeLimit=5:00
expect_eq "5:00" "$(squeue -h -j "$held" -o %l)" "squeue %l shows the new limit"
check 0 "" "the owner raises a pending job's limit within max_time" as_nobody scontrol update jobid="$held" TimeLimit=+1:00:00
expect_eq "1:05:00" "$(squeue -h -j "$held" -o %l)" "TimeLimit=+1:00:00 adds an hour"
check 0 "" "TimeLimit=-5:00 takes five minutes" as_nobody scontrol update JobId="$held" TimeLimit=-5:00
expect_eq "TimeLimit=01:00:00" "$(scontrol show job "$held" | grep -o 'TimeLimit=[^ ]*')" "scontrol show job shows it"
check 1 "Access/permission denied for job $held"$'\n'"slurm_update error: Access/permission denied" \
  "the owner cannot raise past the partition's max_time" as_nobody scontrol update JobId="$held" TimeLimit=13:00:00
check 1 "Invalid time-min specification (exceeds job's time or other limits) for job $held"$'\n'"slurm_update error: Invalid time-min specification (exceeds job's time or other limits)" \
  "nor lower below --time-min" as_nobody scontrol update JobId="$held" TimeLimit=1:00
check 1 "scontrol: error: TimeLimit decrement larger than current time limit (120 > 60)" \
  "a decrement past zero" as_nobody scontrol update JobId="$held" TimeLimit=-2:00:00
check 0 "" "an admin may set any limit" scontrol update JobId="$held" TimeLimit=UNLIMITED
expect_eq "UNLIMITED" "$(squeue -h -j "$held" -o %l)" "an admin's UNLIMITED"
check 1 "scontrol: error: Cannot increment/decrement TimeLimit when set to UNLIMITED." \
  "no relative change of UNLIMITED" scontrol update JobId="$held" TimeLimit=+10
scancel "$held"

# A running job: the owner lowers its limit, and the deadline and the warning move with it; raising
# is for admins. Someone else's job is not the caller's to change.
run=$(as_nobody sbatch --parsable -t 10:00 --signal=B:USR1@3 warned.sh)
wait_for 10 state_is "$run" RUNNING || fail "job $run did not start: $(job_state "$run")"
check 1 "Access/permission denied for job $run"$'\n'"slurm_update error: Access/permission denied" \
  "the owner cannot raise a running job's limit" as_nobody scontrol update JobId="$run" TimeLimit=20:00
check 0 "" "an admin raises it" scontrol update JobId="$run" TimeLimit=20:00
check 1 "Invalid user id for job $run"$'\n'"slurm_update error: Invalid user id" \
  "another user's job" runuser -u daemon -- env PATH="$PUBLIC_BIN:/usr/bin:/bin" SLUICE_CONF="$SLUICE_CONF" scontrol update JobId="$run" TimeLimit=1:00
check 0 "" "the owner lowers a running job's limit to 8 s" as_nobody scontrol update JobId="$run" TimeLimit=0:08
expect_eq "0:08" "$(squeue -h -j "$run" -o %l)" "squeue %l of the running job"
wait_for 20 state_is "$run" TIMEOUT || fail "job $run did not end TIMEOUT after its limit was lowered: $(job_state "$run")"
start=$(stamp start "slurm-$run.out")
between 4 6 "$(($(stamp shell "slurm-$run.out") - start))" "the warning moved with the limit (8 s - 3 s)"
between 7 9 "$(($(notice_time "slurm-$run.out") - start))" "the job ended at its new limit"
check 1 "Job has already finished for job $run"$'\n'"slurm_update error: Job has already finished" \
  "a finished job keeps its limit" scontrol update JobId="$run" TimeLimit=1:00
check 1 $'Invalid job id specified for job 999999\nslurm_update error: Invalid job id specified' \
  "an unknown job" scontrol update JobId=999999 TimeLimit=1:00
check 1 "scontrol: error: Invalid TimeLimit value" "a bad TimeLimit" scontrol update JobId="$run" TimeLimit=soon
check 1 "No changes specified" "nothing to change" scontrol update JobId="$run"

# over_time_limit = "clip": a --time over max_time is lowered to it instead of refused.
printf '\n[plugins.partition.options]\nover_time_limit = "clip"\n' >> "$CLUSTER_CONF"
scontrol reconfigure >/dev/null || fail "reconfigure with over_time_limit = \"clip\" failed"
clipped=$(sbatch --parsable -H -p batch -t 13:00:00 --wrap true)
expect_eq "12:00:00" "$(squeue -h -j "$clipped" -o %l)" "clip: --time over max_time becomes max_time"
check 1 "$tmin" "clip: --time-min over max_time is still refused" sbatch -p batch -t 13:00:00 --time-min=12:30:00 --wrap true
scancel "$clipped"
for t in -1 UNLIMITED 0; do
  clipped=$(sbatch --parsable -H -p batch -t "$t" --wrap true)
  expect_eq "12:00:00" "$(squeue -h -j "$clipped" -o %l)" "clip: -t $t (no limit) becomes max_time"
  scancel "$clipped"
done

# Slurm keeps limits in whole minutes: seconds round up (controller.time_resolution = 60, the
# default; this test cluster keeps seconds so that the tests above run fast).
sed -i 's/^time_resolution = 1 .*/time_resolution = 60/' "$CLUSTER_CONF"
scontrol reconfigure >/dev/null || fail "reconfigure with time_resolution = 60 failed"
for pair in "10:30 00:11:00" "5-1:2:3 5-01:03:00" "0:01 00:01:00" "0:90 00:02:00" "1:59:59 02:00:00" "90 01:30:00"; do
  set -- $pair
  id=$(sbatch --parsable -H -p prioritized -t "$1" --wrap true)
  expect_eq "TimeLimit=$2" "$(scontrol show job "$id" | grep -o 'TimeLimit=[^ ]*')" "-t $1 is kept as $2"
  scancel "$id"
done
id=$(srun -p prioritized -t 10:30 bash -c 'echo $SLURM_JOB_ID')
expect_eq "11:00" "$(squeue -h -t all -j "$id" -o %l)" "srun -t 10:30 runs with 11:00"
id=$(sbatch --parsable -H -p prioritized -t 10 --time-min=0:30 --wrap true)
expect_eq "TimeMin=00:01:00" "$(scontrol show job "$id" | grep -o 'TimeMin=[^ ]*')" "--time-min=0:30 is a minute"
check 0 "" "scontrol update TimeLimit=4:30" scontrol update JobId="$id" TimeLimit=4:30
expect_eq "TimeLimit=00:05:00" "$(scontrol show job "$id" | grep -o 'TimeLimit=[^ ]*')" "an updated limit rounds up too"
scancel "$id"
