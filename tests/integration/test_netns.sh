#!/usr/bin/env bash
# Three node agents as separate hosts: each sluiced runs in its own network namespace behind a
# bridge; the controller and the CLI stay in the root namespace. Jobs really run in their node's
# namespace, and srun's I/O crosses the bridge.
source "$(dirname "$0")/lib.sh"
if [ "$(id -u)" -ne 0 ] || ! command -v ip >/dev/null || ! ip netns add "sltest$$" 2>/dev/null; then
  echo "SKIP: network namespaces are not available here"; exit 0
fi
ip netns del "sltest$$"
net="10.231.$((RANDOM % 200 + 20))"
br="slbr$$"
DIR=$(mktemp -d /tmp/sluice-netns.XXXXXX); chmod 755 "$DIR"
cleanup() {
  for f in "$DIR"/spool/*/sluiced.pid "$DIR"/state/sluicectld.pid "$DIR"/munge/munged.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null
  done
  sleep 0.3
  for i in 1 2 3; do ip netns del "sl$$-$i" 2>/dev/null; done
  ip link del "$br" 2>/dev/null
  if [ "$T_FAILS" -ne 0 ]; then tail -n 30 "$DIR"/log/*.log; fi
  rm -rf "$DIR"
  [ "$T_FAILS" -eq 0 ] || { echo "$T_NAME: $T_FAILS check(s) failed"; exit 1; }
}
trap cleanup EXIT
ip link add "$br" type bridge && ip addr add "$net.1/24" dev "$br" && ip link set "$br" up
for i in 1 2 3; do
  ns="sl$$-$i"
  ip netns add "$ns"
  ip link add "slv$$$i" type veth peer name eth0 netns "$ns"
  ip link set "slv$$$i" master "$br" up
  ip -n "$ns" addr add "$net.1$i/24" dev eth0
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set lo up
done

# A private munged, and the test config pointed at the bridge address.
mkdir -p "$DIR"/{munge,state,log,spool,work}; chmod 1777 "$DIR/work"
/usr/sbin/mungekey -c -k "$DIR/munge/munge.key"
/usr/sbin/munged --socket="$DIR/munge/munge.socket" --key-file="$DIR/munge/munge.key" \
  --pid-file="$DIR/munge/munged.pid" --log-file="$DIR/munge/munged.log" --seed-file="$DIR/munge/seed" --force
port=$((20000 + RANDOM % 20000))
sed -e "s|^listen = .*|listen = \"tcp://$net.1:$port\"|" -e "s|^state_dir = .*|state_dir = \"$DIR/state\"|" \
  "$HERE/cluster.toml" > "$DIR/sluice.toml"
sed -i "s|^\[controller\]|[controller]\nlog_file = \"$DIR/log/sluicectld.log\"|" "$DIR/sluice.toml"
cat >> "$DIR/sluice.toml" <<TOML
[agent]
spool_dir = "$DIR/spool/%n"
log_file = "$DIR/log/sluiced-%n.log"
[auth]
type = "munge"
socket = "$DIR/munge/munge.socket"
TOML
export SLUICE_CONF=$DIR/sluice.toml
sluicectld -f "$SLUICE_CONF" || { fail "sluicectld did not start"; exit 1; }
for i in 1 2 3; do ip netns exec "sl$$-$i" "$SLUICE_BIN/sluiced" -f "$SLUICE_CONF" -N "n$i" || fail "sluiced n$i"; done
wait_for 15 bash -c "[ \"\$(sinfo -h -p batch -o '%D %t')\" = '3 idle' ]" || fail "nodes did not register: $(sinfo)"
cd "$DIR/work"

expect_eq "NodeAddr=$net.12" "$(scontrol show node n2 | grep -o "NodeAddr=[0-9.]*")" \
  "the controller sees each agent at its own address"
for i in 1 2 3; do
  expect_match "inet $net.1$i/" "$(srun -w n$i ip -4 -o addr show dev eth0)" "a job on n$i runs in n$i's network"
done
id=$(sbatch --parsable -w n3 --wrap 'ip -4 -o addr show dev eth0')
wait_for 10 state_is "$id" COMPLETED || fail "batch job across hosts: $(job_state "$id")"
expect_match "inet $net.13/" "$(cat "slurm-$id.out")" "a batch job writes its output from its host"
out=$(srun -N 1 -w n1 bash -c 'echo out; echo err >&2; exit 3' 2>&1); rc=$?
expect_eq 3 "$rc" "srun's exit code crosses the bridge"
expect_contains "err" "$out" "and so does its stderr"
