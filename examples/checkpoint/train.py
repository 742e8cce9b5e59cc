#!/usr/bin/env python3
"""A PyTorch training loop that survives preemption and time limits (docs/checkpointing.md).

It trains a small network on synthetic data (a noisy linear function, generated here), so it runs
anywhere, on a GPU when there is one and on the CPU otherwise. What matters is the checkpointing:

  * At start it looks for its checkpoint and, if there is one, restores the model, the optimizer
    and the position in training (epoch and step) and continues from there.
  * It saves a checkpoint at the end of every epoch, and when it gets a signal: SIGUSR1 (the
    warning asked for with sbatch --signal) saves and keeps training, SIGTERM (the job is being
    stopped) saves and exits.
  * A checkpoint is written to a temporary file in the same directory and renamed over the old
    one (os.replace), so a job killed while saving still has its previous checkpoint.
  * When training is done it saves the final model and removes the checkpoint.

The signal handler only takes note of the signal; the loop acts on it between two steps, when the
model and the optimizer are consistent with the step counter.

Run it by hand to try it (Debian 12: apt install python3-torch; elsewhere: pip install torch):

    python3 train.py --epochs 5 --slow 0.05 &
    sleep 3; kill -USR1 %1; sleep 1; kill -TERM %1; wait
    python3 train.py --epochs 5        # continues where it stopped

In a batch job, train.sh runs it.
"""

import argparse
import os
import signal
import sys
import time

import torch
from torch import nn

# The signal that arrived since the loop last looked: "USR1", "TERM" or None.
pending_signal = None


def on_signal(signum, frame):
    global pending_signal
    name = signal.Signals(signum).name[3:]
    # A TERM is never overwritten by a later USR1: stopping wins.
    if pending_signal != "TERM":
        pending_signal = name


def default_checkpoint():
    # Beside the job's output, named after the job id: a requeued job keeps its id and finds its
    # checkpoint; a new job (another id) starts afresh.
    directory = os.environ.get("SLURM_SUBMIT_DIR", ".")
    return os.path.join(directory, "train-%s.ckpt.pt" % os.environ.get("SLURM_JOB_ID", "local"))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--samples", type=int, default=4096, help="size of the synthetic data set")
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--checkpoint", default=default_checkpoint(), help="default: %(default)s")
    p.add_argument("--output", default="model.pt", help="the trained model (default: %(default)s)")
    p.add_argument("--slow", type=float, default=0.0, help="seconds to pause after each step, to make "
                   "the run long enough to try stopping it")
    return p.parse_args()


def make_data(samples, seed):
    # The same data in every run: generated from the seed, not from the global random state.
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(samples, 32, generator=g)
    w = torch.randn(32, 1, generator=g)
    y = x @ w + 0.1 * torch.randn(samples, 1, generator=g)
    return x, y


def make_model():
    return nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 1))


def save_atomically(obj, path):
    # Same directory, so that the rename stays on one file system and is atomic.
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        torch.save(obj, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_checkpoint(path, model, optimizer, epoch, step, why):
    save_atomically({"epoch": epoch, "step": step,
                     "model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
    print("checkpoint at epoch %d step %d (%s)" % (epoch, step, why), flush=True)


def main():
    global pending_signal
    args = parse_args()
    signal.signal(signal.SIGUSR1, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.manual_seed(args.seed)
    x, y = make_data(args.samples, args.seed)
    x, y = x.to(device), y.to(device)
    model = make_model().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    loss_fn = nn.MSELoss()
    steps_per_epoch = (args.samples + args.batch_size - 1) // args.batch_size

    # Look for a checkpoint; continue from it if there is one, else start from scratch.
    epoch, step = 0, 0
    if os.path.exists(args.checkpoint):
        # It holds tensors and plain values only, so it also loads where torch.load reads nothing
        # else by default (weights_only, PyTorch 2.6 and later).
        ckpt = torch.load(args.checkpoint, map_location=device)
        model.load_state_dict(ckpt["model"])
        optimizer.load_state_dict(ckpt["optimizer"])
        epoch, step = ckpt["epoch"], ckpt["step"]
    print("start restart=%s at epoch %d step %d on %s (%s)"
          % (os.environ.get("SLURM_RESTART_COUNT", "0"), epoch, step, os.uname().nodename, device), flush=True)

    while epoch < args.epochs:
        # The order of an epoch's samples depends only on the seed and the epoch, so a run that
        # resumes in the middle of an epoch skips exactly the batches the last run trained on.
        order = torch.randperm(args.samples, generator=torch.Generator().manual_seed(args.seed * 1000 + epoch))
        model.train()
        total, steps = 0.0, 0
        while step < steps_per_epoch:
            idx = order[step * args.batch_size:(step + 1) * args.batch_size].to(device)
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
            total, steps = total + loss.item(), steps + 1
            step += 1
            if args.slow:
                time.sleep(args.slow)
            # Between two steps: act on a signal that came meanwhile.
            if pending_signal == "USR1":
                pending_signal = None
                save_checkpoint(args.checkpoint, model, optimizer, epoch, step, "warned by USR1")
            elif pending_signal == "TERM":
                save_checkpoint(args.checkpoint, model, optimizer, epoch, step, "stopped by TERM")
                return 143
        print("epoch %d loss %.4f" % (epoch, total / max(steps, 1)), flush=True)
        epoch, step = epoch + 1, 0
        save_checkpoint(args.checkpoint, model, optimizer, epoch, step, "end of epoch")

    # Done: save the result the way it is normally saved, then remove the checkpoint.
    save_atomically(model.state_dict(), args.output)
    os.remove(args.checkpoint)
    print("finished: model saved to %s" % args.output, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
