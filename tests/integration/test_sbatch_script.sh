#!/usr/bin/env bash
# Batch scripts as sbatch reads them: the scripts Slurm refuses are refused before the controller
# is asked (no job id is used up).
source "$(dirname "$0")/lib.sh"
cluster_up

check() {  # expected_rc expected_output what command...
  local rc_want=$1 want=$2 what=$3; shift 3
  local out rc
  out=$("$@" 2>&1); rc=$?
  expect_eq "$rc_want|$want" "$rc|$out" "$what"
}
# --- Scripts Slurm refuses, with its messages, exit 1 ---
printf '#!/bin/sh\r\necho hi\r\n' > dos.sh
printf '' > empty.sh
printf ' \n\t\n\n' > blank.sh
printf 'echo no shebang\n' > noshebang.sh
printf '#!/bin/sh\necho a\0b\n' > nul.sh
printf '\n#!/bin/sh\necho hi\n' > late.sh
printf '#!/bin/sh\necho one line in DOS style\r\n' > lastdos.sh
DOS=$'sbatch: error: Batch script contains DOS line breaks (\\r\\n)\nsbatch: error: instead of expected UNIX line breaks (\\n).'
EMPTY="sbatch: error: Batch script is empty!"
BLANK="sbatch: error: Batch script contains only whitespace!"
NOSHEBANG=$'sbatch: error: This does not look like a batch script.  The first\nsbatch: error: line must start with #! followed by the path to an interpreter.\nsbatch: error: For instance: #!/bin/sh'
NUL=$'sbatch: error: The Slurm controller does not allow scripts that\nsbatch: error: contain a NULL character \'\\0\'.'

first=$(sbatch --parsable -H --wrap true)
refusals() {
  check 1 "$DOS" "$1: DOS line breaks" sbatch dos.sh
  check 1 "$DOS" "$1: one DOS line break" sbatch lastdos.sh
  check 1 "$DOS" "$1: DOS line breaks on standard input" sbatch < dos.sh
  check 1 "$EMPTY" "$1: empty script" sbatch empty.sh
  check 1 "$EMPTY" "$1: empty standard input" sbatch < /dev/null
  check 1 "$BLANK" "$1: whitespace only" sbatch blank.sh
  check 1 "$NOSHEBANG" "$1: no #! line" sbatch noshebang.sh
  check 1 "$NOSHEBANG" "$1: #! not on the first line" sbatch late.sh
  check 1 "$NUL" "$1: NUL character" sbatch nul.sh
  check 1 "$DOS" "$1: checked before the options" sbatch -H -p batch -J x dos.sh
}
refusals "controller up"
# With the controller down the same answers come: sbatch refused them without asking it.
sed -e 's#^listen = .*#listen = "tcp://127.0.0.1:1"#' -e "s#^state_dir = .*#state_dir = \"$WORK/down\"#" \
  "$HERE/cluster.toml" > down.toml
SLUICE_CONF=$WORK/down.toml refusals "controller down"
second=$(sbatch --parsable -H --wrap true)
expect_eq "$((first + 1))" "$second" "refused scripts used up no job id"
# --wrap scripts are generated and need none of these checks.
expect_match "^[0-9]+$" "$(sbatch --parsable -H --wrap $'echo a\r')" "a --wrap command with a carriage return"
