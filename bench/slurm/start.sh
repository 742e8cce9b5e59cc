#!/bin/bash
# Start a private, freshly wiped Slurm cluster for the benchmark, adapted from
# shared/reference/slurm-anchor/start.sh: munged on a private socket (started only if not already running
# for this run dir), slurmctld, and 4 slurmd (n1..n4, one per fake node), loopback only.
# Usage: start.sh RUN_DIR
# Env: CPUS_PER_NODE (default 8), SLURM_CTLD_PORT (default 26817), SLURM_NODE_PORT (first slurmd port,
#      default 27001; nodes use 4 consecutive ports).
# Everything (config, state, logs, pid files, munge socket) lives under RUN_DIR; nothing is written to /etc.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
R=${1:?usage: start.sh RUN_DIR}
mkdir -p "$R"
R=$(cd "$R" && pwd)
[[ $R != / ]] || { echo "start.sh: RUN_DIR must not be /" >&2; exit 1; }
C=${CPUS_PER_NODE:-8}
CP=${SLURM_CTLD_PORT:-26817}
NP=${SLURM_NODE_PORT:-27001}
NODES=(n1 n2 n3 n4)
export SLURM_CONF=$R/etc/slurm.conf

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$CP" $(seq "$NP" $((NP + 3))); do
  if port_busy "$p"; then echo "start.sh: port $p is already in use (set SLURM_CTLD_PORT/SLURM_NODE_PORT)" >&2; exit 1; fi
done

# Fresh state every time: job ids restart at 1 and no finished-job records are carried over.
rm -rf "${R:?}/ctld" "${R:?}/spool" "${R:?}/log" "${R:?}/etc"
mkdir -p "$R"/{etc,ctld,log,munge}
for n in "${NODES[@]}"; do mkdir -p "$R/spool/$n"; done
sed -e "s|@RUN@|$R|g" -e "s|@HOST@|$(hostname -s)|g" -e "s|@CPUS@|$C|g" \
    -e "s|@CTLD_PORT@|$CP|g" -e "s|@NODE_PORTS@|[$NP-$((NP + 3))]|g" "$HERE/slurm.conf" > "$SLURM_CONF"

# munged on a private socket (does not touch /run/munge). It uses /etc/munge/munge.key when that exists
# (the munge package creates it), else a key made for this run dir.
M=$R/munge
chown munge:munge "$M"; chmod 755 "$M"
if ! { [[ -f $M/munged.pid ]] && kill -0 "$(cat "$M/munged.pid")" 2>/dev/null; }; then
  key=/etc/munge/munge.key
  if [[ ! -f $key ]]; then
    key=$M/munge.key
    [[ -f $key ]] || /usr/sbin/mungekey --create --keyfile="$key"
    chown munge:munge "$key"; chmod 600 "$key"
  fi
  (cd "$M" && runuser -u munge -- /usr/sbin/munged --socket="$M/munge.socket.2" --key-file="$key" \
     --pid-file="$M/munged.pid" --log-file="$M/munged.log" --seed-file="$M/munged.seed" --origin=127.0.0.1)
  for _ in $(seq 1 50); do [[ -S $M/munge.socket.2 ]] && break; sleep 0.1; done
fi
/usr/bin/munge -S "$M/munge.socket.2" -n | /usr/bin/unmunge -S "$M/munge.socket.2" >/dev/null

cd "$R"
/usr/sbin/slurmctld -f "$SLURM_CONF"     # daemonizes; pid -> $R/slurmctld.pid
for _ in $(seq 1 100); do /usr/bin/scontrol ping 2>/dev/null | grep -q UP && break; sleep 0.2; done
if ! /usr/bin/scontrol ping 2>/dev/null | grep -q UP; then
  echo "start.sh: slurmctld did not come up; see $R/log/slurmctld.log" >&2; tail -n 5 "$R/log/slurmctld.log" >&2; exit 1
fi
for n in "${NODES[@]}"; do /usr/sbin/slurmd -f "$SLURM_CONF" -N "$n"; done
for _ in $(seq 1 100); do
  [[ $(/usr/bin/sinfo -h -p prioritized -t idle -o %D 2>/dev/null || true) == "${#NODES[@]}" ]] && break; sleep 0.3
done
if [[ $(/usr/bin/sinfo -h -p prioritized -t idle -o %D 2>/dev/null || true) != "${#NODES[@]}" ]]; then
  echo "start.sh: not all ${#NODES[@]} nodes became idle within 30 s:" >&2; /usr/bin/sinfo >&2 || true; exit 1
fi
echo "slurm up in $R: munged $(cat "$M/munged.pid"), slurmctld $(cat "$R/slurmctld.pid"), slurmd $(cat "$R"/slurmd-n*.pid | tr '\n' ' ')" >&2
