#!/usr/bin/env bash
# Batch scripts as sbatch reads them: the scripts Slurm refuses are refused before the controller
# is asked (no job id is used up); #SBATCH lines are split into words as Slurm splits them and a
# stray word refuses the script; options apply in Slurm's order: the script's #SBATCH lines, then
# SBATCH_* variables, then the command line, which wins.
source "$(dirname "$0")/lib.sh"
cluster_up

# job ID: "PARTITION NAME REASON" of a job, as squeue prints them.
job() { squeue -h -t all -j "$1" -o "%P %j %r"; }

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

# --- #SBATCH words ---
printf '#!/bin/sh\n#SBATCH --job-name=Big simulation\n#SBATCH -p prioritized\necho hi\n' > stray.sh
before=$(squeue -h -t all -o %i | wc -l)
check 255 "sbatch: error: Invalid directive found in batch script: simulation" \
  "a stray word refuses the script" sbatch -H --parsable -p batch stray.sh
printf '#!/bin/sh\n#SBATCH -t 10 (ten minutes)\necho hi\n' > note.sh
check 255 "sbatch: error: Invalid directive found in batch script: (ten" "a note in parentheses" sbatch -H note.sh
printf '#!/bin/sh\n#SBATCH -J ok\n#SBATCH -J "my job\n#SBATCH -p batch\n' > quote.sh
check 1 'sbatch: fatal: quote.sh: line 3: Unmatched `"` in [ "my job]' "an unterminated quote" sbatch -H quote.sh
check 1 "sbatch: fatal: stdin: line 3: Unmatched \`\"\` in [ \"my job]" "an unterminated quote on standard input" \
  sbatch -H < quote.sh
printf '#!/bin/sh\n#SBATCH -J\necho hi\n' > dangling.sh
out=$(sbatch -H dangling.sh 2>&1); rc=$?
expect_eq 1 "$rc" "an option without its value at the end of the directives"
expect_contains "option requires an argument" "$out" "the missing value is named, not taken from the command line"
expect_eq "$before" "$(squeue -h -t all -o %i | wc -l)" "refused scripts leave no job"

cat > words.sh <<'EOF'
#!/bin/bash
# a comment line does not end the directives
#SBATCH --job-name="two words"   # the name
  #SBATCH -p batch
# SBATCH -p batch
#SBATCH --comment='a # b' -p prioritized

#SBATCH -H
hostname
#SBATCH -p batch
EOF
id=$(sbatch --parsable words.sh)
expect_eq "prioritized two words JobHeldUser" "$(job "$id")" "quotes, comments, column 1, the first command stops"
expect_eq "a # b" "$(squeue -h -j "$id" -o %k)" "a quoted # is kept"

# --- Order: script, then SBATCH_* variables, then the command line ---
printf '#!/bin/sh\n#SBATCH -p prioritized -J fromscript -t 30\necho hi\n' > order.sh
id=$(sbatch -H --parsable -p batch order.sh)
expect_eq "batch fromscript JobHeldUser" "$(job "$id")" "the command line beats the script, and is kept whole"
id=$(SBATCH_PARTITION=batch SBATCH_JOB_NAME=fromenv sbatch -H --parsable order.sh)
expect_eq "batch fromenv JobHeldUser" "$(job "$id")" "SBATCH_* variables beat the script"
id=$(SBATCH_PARTITION=batch sbatch -H --parsable -p prioritized order.sh)
expect_eq "prioritized fromscript JobHeldUser" "$(job "$id")" "the command line beats SBATCH_* variables"
expect_eq "30:00" "$(squeue -h -j "$id" -o %l)" "the script's other options stay"
id=$(SBATCH_TIMELIMIT=5 SBATCH_REQUEUE= sbatch -H --parsable order.sh)
expect_eq "5:00" "$(squeue -h -j "$id" -o %l)" "SBATCH_TIMELIMIT"
check 255 "sbatch: error: Invalid --time specification" "a bad SBATCH_TIMELIMIT" env SBATCH_TIMELIMIT=abc sbatch -H order.sh
printf '#!/bin/sh\n#SBATCH --mem-per-cpu=1G\necho hi\n' > mem.sh
id=$(sbatch -H --parsable -c 2 mem.sh)
expect_eq "2G" "$(squeue -h -j "$id" -o %m)" "--mem-per-cpu in the script times -c on the command line"
