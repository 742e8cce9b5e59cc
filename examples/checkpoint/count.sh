#!/bin/bash
# A checkpointing batch job in plain bash (docs/checkpointing.md).
#
# It counts from 1 to N, one number every STEP seconds, and survives being stopped: when it is
# preempted or reaches its time limit it writes the last number it printed to a checkpoint file,
# and when the job is requeued it starts again from there. Nothing is lost and nothing is printed
# twice.
#
#   sbatch count.sh            # 1..600, one a second (about ten minutes)
#   sbatch count.sh 60 0.25    # 1..60, four a second (fifteen seconds)
#
# The #SBATCH lines ask for what such a job needs:
#   -p batch             the preemptible partition (jobs of "prioritized" may stop it)
#   --requeue            after a preemption (or a time limit, where the cluster requeues those) the
#                        job goes back to the queue under the same job id instead of ending
#   --signal=B:USR1@60   a warning: SIGUSR1 to this script 60 seconds before the time limit, and
#                        at once when the job is preempted (SIGTERM follows after the partition's
#                        grace time). "B:" sends it to the batch shell only, which is this script
#   --gres=gpu:t4:1      a GPU of one type: a checkpoint resumes on the kind of GPU it was written on
#   -o count-%j.out      one output file per job; a requeued run appends to it
#
#SBATCH -J count
#SBATCH -p batch
#SBATCH --requeue
#SBATCH --signal=B:USR1@60
#SBATCH --gres=gpu:t4:1
#SBATCH -t 1:00:00
#SBATCH -o count-%j.out

n=${1:-600}
step=${2:-1}

# The checkpoint lives in the directory the job was submitted from, named after the job id: a
# requeued job keeps its id, so its next run finds it; another job never does.
ckpt=${SLURM_SUBMIT_DIR:-.}/count-${SLURM_JOB_ID:-local}.ckpt

# 1-3. Look for a checkpoint; continue from it if there is one, else start from scratch.
done_n=0
if [ -s "$ckpt" ]; then
  done_n=$(cat "$ckpt")
fi
# SLURM_RESTART_COUNT is unset in the first run and 1, 2, ... in the runs after a requeue.
echo "start restart=${SLURM_RESTART_COUNT:-0} from=$done_n on $(hostname) at $(date +%T)"

# Writes the checkpoint: to a temporary file first, then renamed over the old one, so that a kill
# in the middle of the write never leaves a half-written checkpoint behind.
checkpoint() {
  echo "$done_n" > "$ckpt.tmp" && mv -f "$ckpt.tmp" "$ckpt"
  echo "checkpoint at $done_n ($1)"
}

# 4. Save when told to. The traps only take note; the loop acts on the note at the end of the
#    piece of work it is in, when the counter and the output agree.
#   USR1 is the warning (--signal): save now and keep working. The job is about to be stopped,
#        but not yet: after a preemption the partition's grace time is left, before a time limit
#        the 60 seconds asked for, and what is done meanwhile is saved when TERM comes.
#   TERM means stop: save and leave. SIGKILL follows the controller's kill_wait seconds later
#        (30 by default), so this must be quick.
warned=
stop=
trap 'warned=1' USR1
trap 'stop=1' TERM

# The work. Each piece runs in the background and the script waits for it: bash runs a trap only
# between commands, so while a long command runs in the foreground (a plain `sleep 600`, or a
# program that trains for an hour) a signal would wait for that command to end, and the SIGKILL
# after the grace time would come first. A trapped signal interrupts `wait` at once instead: the
# trap runs, `wait` returns, and the loop checks its notes.
i=$done_n
while [ "$i" -lt "$n" ]; do
  i=$((i + 1))
  echo "count $i"
  done_n=$i
  sleep "$step" &
  wait $!
  if [ -n "$warned" ]; then
    warned=
    checkpoint "warned by USR1"
  fi
  if [ -n "$stop" ]; then
    checkpoint "stopped by TERM"
    exit 143
  fi
done

# 5. Done: keep the result where it belongs and remove the checkpoint, so that a later requeue
#    (scontrol requeue) starts over instead of finding the work finished.
echo "finished: counted to $done_n"
rm -f "$ckpt" "$ckpt.tmp"
