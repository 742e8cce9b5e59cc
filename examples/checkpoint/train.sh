#!/bin/bash
# The batch script for train.py (docs/checkpointing.md). Submit it from the directory that holds
# train.py; the job starts there, and the checkpoint and model are written there:
#
#   sbatch train.sh                    # 20 epochs
#   sbatch train.sh --epochs 100       # arguments after the script go to train.py
#
# It needs PyTorch where the job runs: on Debian 12 `apt install python3-torch`, elsewhere
# `pip install torch` (or a container, or a virtual environment activated below).
#
#   -p batch              the preemptible partition
#   --requeue             come back under the same job id after a preemption (or a time limit,
#                         where the cluster requeues those); the checkpoint is named after the id
#   --signal=B:USR1@120   SIGUSR1 120 seconds before the time limit, and at once on preemption,
#                         to the batch shell only; train.py saves a checkpoint when it gets it
#   --gres=gpu:t4:1       one GPU of one type, so that a run resumes on the kind of GPU the
#                         checkpoint was written on
#
#SBATCH -J train
#SBATCH -p batch
#SBATCH --requeue
#SBATCH --signal=B:USR1@120
#SBATCH --gres=gpu:t4:1
#SBATCH -c 4
#SBATCH -t 12:00:00
#SBATCH -o train-%j.out

echo "job $SLURM_JOB_ID run ${SLURM_RESTART_COUNT:-0} on $SLURMD_NODENAME, GPUs: ${CUDA_VISIBLE_DEVICES:-none}"

# `B:` sends the signal to this shell and to nothing else. Were python run in the foreground here,
# it would never hear of it: without a trap USR1 kills the shell (its default action), and the
# job's other processes are killed when the batch shell ends; with a trap, bash runs it only once
# the foreground command has ended. `exec` replaces the shell with python (the same process), so
# python is the batch shell and gets the signal itself. -u: unbuffered output, so the job's
# output file shows each line as it is printed.
exec python3 -u train.py "$@"

# When the script must do more after python (copy results, clean up), forward the signals
# instead of exec:
#
#   python3 -u train.py "$@" &
#   pid=$!
#   trap 'kill -USR1 $pid' USR1
#   trap 'kill -TERM $pid' TERM
#   # A trapped signal interrupts `wait`: wait again while python still runs, else the shell
#   # would end first, and the job's other processes are killed when the batch shell ends.
#   wait $pid; status=$?
#   while kill -0 $pid 2>/dev/null; do wait $pid; status=$?; done
#   ... what comes after ...
#   exit $status
