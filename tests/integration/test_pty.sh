#!/usr/bin/env bash
# srun --pty through a real terminal: tmux runs a local shell in a terminal of its own, the test
# types into it (send-keys) and reads the screen (capture-pane) as a user would. Covered: commands
# and their answers, the terminal size at start and after a resize, Ctrl-C, Ctrl-Z and Ctrl-D on
# the node's terminal, the exit code, the local terminal restored after every way out, the guide's
# `srun --pty singularity shell x.sif` and `srun --pty --container=x.sif --container-mode=shell`
# (the launch_singularity plugin; stand-in runtime: see standin/singularity), and --pty without a
# terminal (Slurm's two errors, then the job runs without one).
source "$(dirname "$0")/lib.sh"
conf=$(mktemp /tmp/sluice-pty.XXXXXX.toml)
printf '%s\n' '' '[plugins.launch]' 'library = "launch_singularity"' | cat "$HERE/cluster.toml" - > "$conf"
cluster_up "$conf"
rm -f "$conf"

command -v tmux > /dev/null || { fail "tmux is missing (scripts/deps.sh installs it)"; exit 1; }
sock=$CLUSTER_DIR/tmux.sock
tm() { tmux -S "$sock" "$@"; }
screen() { tm capture-pane -p -t pty -S -200; }
# seen TEXT: TEXT is on the screen within 10 s.
seen() { wait_for 10 bash -c "tmux -S '$sock' capture-pane -p -t pty -S -200 | grep -qF -- \"\$1\"" _ "$1"; }
# expect_seen TEXT WHY: TEXT shows on the screen within 10 s, else WHY fails with the screen.
expect_seen() { if seen "$1"; then pass "the screen shows '$1'"; else fail "$2: $(screen)"; fi; }
type_line() { tm send-keys -t pty -l "$1"; tm send-keys -t pty Enter; }
# back_home: srun has ended, so what is typed next goes to the local shell (keys typed ahead while
# the node's shell is still there would be read, and dropped, by it, as on any terminal).
back_home() {
  local shell_pid
  shell_pid=$(tm display-message -p -t pty '#{pane_pid}')
  wait_for 15 bash -c "! pgrep -x -P $shell_pid srun > /dev/null" || fail "srun did not end: $(screen)"
}
cleanup_tmux() { tm kill-server 2> /dev/null; }
trap 'cleanup_tmux; cluster_down' EXIT

export PATH="$HERE/standin:$PATH" STANDIN_LOG="$WORK/standin.log"
tm -f /dev/null new-session -d -s pty -x 100 -y 30 "cd '$WORK' && PS1='local\$ ' bash --norc --noprofile"
tm set-option -t pty status off
expect_seen 'local$' "the local shell did not start"
type_line 'stty -g > before.stty'

# An interactive shell on the node: commands and answers, the size of srun's terminal.
# Prompts are arithmetic (node$((40+2))> shows as node42>), so the typed command never matches them.
type_line "srun --pty -J ptyjob env PS1='node\$((40+2))> ' bash --norc --noprofile"
expect_seen 'node42>' "no prompt from the node's shell"
type_line 'echo answer=$((6*7)) job=$SLURM_JOB_ID; tty'
expect_seen 'answer=42 job=' "no answer to a typed command"
expect_seen '/dev/pts/' "the job's stdin is not a terminal"
type_line 'stty size'
expect_seen '30 100' "the node's terminal does not have srun's size"
tm resize-window -t pty -x 90 -y 24
for _ in 1 2 3 4 5 6 7 8 9 10; do  # the new size travels srun -> node agent -> the node's terminal
  type_line 'stty size'
  tm capture-pane -p -t pty | grep -qF '24 90' && break
  sleep 0.5
done
expect_seen '24 90' "a resize did not reach the node's terminal"
tm resize-window -t pty -x 100 -y 30

# Ctrl-C interrupts the node's foreground command, not the job.
type_line 'sleep 300'
sleep 0.5
tm send-keys -t pty C-c
type_line 'echo after-interrupt'
expect_seen 'after-interrupt' "Ctrl-C did not interrupt the command on the node"
expect_eq "RUNNING" "$(squeue -h -n ptyjob -o %T)" "Ctrl-C leaves the job running"
# Ctrl-Z stops it under the node shell's job control.
type_line 'sleep 301'
wait_for 10 pgrep -x -f "sleep 301" || fail "the node's shell did not start sleep 301"
tm send-keys -t pty C-z
expect_seen 'Stopped' "Ctrl-Z did not stop the command on the node"
# (wait: reaped before `exit`, else bash answers "There are stopped jobs." and stays)
type_line 'kill %1; wait; echo killed-stopped'
expect_seen 'killed-stopped' "the shell did not take commands after Ctrl-Z"
# The exit code comes back.
type_line 'exit 3'
back_home
type_line 'echo "rc=$?"; stty -g > after.stty'
expect_seen 'rc=3' "srun did not exit with the job's exit code"
wait_for 5 test -s "$WORK/after.stty"
expect_eq "$(cat "$WORK/before.stty")" "$(cat "$WORK/after.stty")" "the local terminal is restored after the job exits"

# Ctrl-D ends the node's shell like a local one.
type_line "srun --pty env PS1='node\$((40+3))> ' bash --norc --noprofile"
expect_seen 'node43>' "no prompt from the second shell"
tm send-keys -t pty C-d
back_home
type_line 'echo "rc2=$?"'
expect_seen 'rc2=0' "Ctrl-D did not end the node's shell"

# The guide: srun --pty singularity shell x.sif (the stand-in starts /bin/sh with its prompt).
: > "$WORK/x.sif"
type_line 'srun --pty singularity shell x.sif'
expect_seen 'Singularity>' "no container shell prompt"
type_line 'echo in-container'
expect_seen 'in-container' "the container shell did not answer"
type_line 'exit'
back_home
type_line 'echo "rc3=$?"'
expect_seen 'rc3=0' "leaving the container shell"
expect_contains "argv: singularity shell x.sif" "$(cat "$WORK/standin.log")" "the runtime ran the guide's command"
# The same through --container: the plugin starts the image's shell on the node's terminal.
type_line 'srun --pty --container=x.sif --container-mode=shell'
expect_seen 'Singularity>' "no shell prompt from --container-mode=shell"
type_line 'echo in-image-$((6*7))'
expect_seen 'in-image-42' "the image's shell did not answer"
type_line 'exit 4'
back_home
type_line 'echo "rc4=$?"'
expect_seen 'rc4=4' "leaving the image's shell"
expect_contains "argv: singularity shell $WORK/x.sif" "$(cat "$WORK/standin.log")" "--container ran the image's shell"

# srun killed while the node's shell runs: the job ends and the terminal is restored.
rm -f "$WORK/after.stty"
type_line "srun --pty -J killed env PS1='node\$((40+4))> ' bash --norc --noprofile"
expect_seen 'node44>' "no prompt from the third shell"
pkill -TERM -f "srun --pty -J killed"
back_home
type_line 'echo back-home'
expect_seen 'back-home' "srun did not end on SIGTERM"
type_line 'stty -g > after.stty'
wait_for 5 test -s "$WORK/after.stty"
expect_eq "$(cat "$WORK/before.stty")" "$(cat "$WORK/after.stty")" "the local terminal is restored after srun is terminated"
wait_for 10 bash -c '[ -z "$(squeue -h -n killed -o %i)" ]' || fail "the job of a terminated srun kept running"

# --pty without a terminal: Slurm's two errors, and the job runs without one.
out=$(srun --pty bash -c 'test -t 0 && echo tty || echo no-tty' < /dev/null 2>&1)
expect_contains "srun: error: ioctl(TIOCGWINSZ): Inappropriate ioctl for device" "$out" "--pty without a terminal: the ioctl error"
expect_contains "srun: error: Not using a pseudo-terminal, disregarding --pty option" "$out" "and Slurm's notice"
expect_contains "no-tty" "$out" "the job still runs"
[ "$T_FAILS" -eq 0 ]
