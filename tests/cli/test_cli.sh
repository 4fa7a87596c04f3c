# The command line itself (issue 13): honest exits when output cannot be
# written, raw output only of a run that succeeded, several configs with
# separated reports, each command's --help, suggestions for mistyped
# commands and options, and hybrid's reason in plain words.
source "$(dirname "$0")/lib.sh"
EX=$SRC/examples/pipelines
[[ -w /dev/full ]] || skip_test "no writable /dev/full to make writes fail"

# --- a report or trace that cannot be written: exit 2, saying what and why
for f in text json raw protobuf; do
  OUT=$("$DAGWOOD" run "$EX/chain.yaml" --input x --format $f 2>&1 >/dev/full) && RC=0 || RC=$?
  expect_eq "--format $f to a full disk: exit 2" 2 "$RC"
  expect_contains "--format $f to a full disk: says what and why" \
    "cannot write the $f report of $EX/chain.yaml to standard output: No space left on device" "$OUT"
done
run_dw run "$EX/chain.yaml" --input x --format raw --trace /dev/full
expect_eq "--trace to a full disk: exit 2" 2 "$RC"
expect_contains "--trace to a full disk: says what and why" \
  "cannot write the trace file /dev/full: No space left on device" "$ERR"
expect_eq "--trace to a full disk: the report still written" "[X]" "$OUT"
run_dw run "$EX/chain.yaml" --input x --trace "$TMP/no/such/dir/t.json"
expect_eq "--trace into a missing folder: exit 2" 2 "$RC"
expect_contains "--trace into a missing folder: why" "No such file or directory" "$ERR"
for cmd in "validate $EX/chain.yaml" "inspect $EX/chain.yaml" "inspect $EX/chain.yaml --format json" \
  "inspect $EX/chain.yaml --graph dot" processors "processors --format json" "--help" "run --help" \
  "--version"; do
  # shellcheck disable=SC2086
  OUT=$("$DAGWOOD" $cmd 2>&1 >/dev/full) && RC=0 || RC=$?
  expect_eq "'dagwood $cmd' to a full disk: exit 2" 2 "$RC"
  expect_contains "'dagwood $cmd' to a full disk: says so" "No space left on device" "$OUT"
done
# the first write error stops the run: no second pipeline, one message
OUT=$("$DAGWOOD" run "$EX/chain.yaml" "$EX/demo.yaml" --input x 2>&1 >/dev/full) && RC=0 || RC=$?
expect_eq "several configs to a full disk: exit 2" 2 "$RC"
expect_eq "several configs to a full disk: one message" 1 "$(grep -c 'cannot write' <<<"$OUT")"

# --- raw: the output of a run that succeeded, and nothing else
printf 'ab\xffcd' >"$TMP/bad.txt"
run_dw run "$EX/chain.yaml" --input-file "$TMP/bad.txt" --format raw
expect_eq "raw, failed run: exit 1" 1 "$RC"
expect_eq "raw, failed run: nothing on stdout" "" "$OUT"
expect_contains "raw, failed run: the failure on stderr" "processor 'upper' failed: error 400" "$ERR"
expect_contains "raw, failed run: says no output was written" "run failed: no output written" "$ERR"
run_dw run "$EX/branches.yaml" --input-file "$TMP/bad.txt" --format raw
expect_eq "raw, partial run: exit 1" 1 "$RC"
expect_eq "raw, partial run: nothing on stdout" "" "$OUT"
run_dw run "$EX/chain.yaml" --input-file "$TMP/bad.txt" --format raw --quiet
expect_eq "raw, failed run, --quiet: nothing on stderr" "" "$ERR"

# --- several configs
run_dw run "$EX/chain.yaml" "$EX/branches.yaml" --input "Hi"
expect_eq "text, two configs: exit 0" 0 "$RC"
expect_eq "text, two configs: a heading each, in order" \
  "=== $EX/chain.yaml (1 of 2) ===|=== $EX/branches.yaml (2 of 2) ===" \
  "$(grep '^===' <<<"$OUT" | paste -sd'|')"
run_dw run "$EX/chain.yaml" "$TMP/missing.yaml" --input "Hi"
expect_eq "text, a config that does not load: exit 2" 2 "$RC"
expect_contains "text, a config that does not load: said under its heading" \
  "=== $TMP/missing.yaml (2 of 2) ===

not run: the pipeline did not load" "$OUT"
run_dw run "$EX/chain.yaml" "$EX/branches.yaml" "$EX/demo.yaml" --input "Hi" --format json
expect_eq "json, three configs: three lines" 3 "$(wc -l <<<"$OUT")"
expect_eq "json, three configs: one object per line, in order" \
  "$EX/chain.yaml $EX/branches.yaml $EX/demo.yaml" \
  "$(while IFS= read -r l; do jq -r .config <<<"$l"; done <<<"$OUT" | paste -sd' ')"
run_dw run "$EX/chain.yaml" "$EX/branches.yaml" --input "Hi" --format raw
expect_eq "raw, two configs: refused" 2 "$RC"
expect_eq "raw, two configs: nothing written" "" "$OUT"
expect_contains "raw, two configs: says why" "--format raw writes one run's output bytes" "$ERR"
run_dw "$EX/chain.yaml" "$EX/branches.yaml" "Hi" --format raw
expect_eq "raw, the original's form with two configs: refused" 2 "$RC"
run_dw run "$EX/chain.yaml" "$EX/branches.yaml" --input "Hi" --trace "$TMP/t.json"
expect_eq "--trace with two configs: refused" 2 "$RC"
expect_contains "--trace with two configs: says why" "--trace writes one run" "$ERR"

# --- help: each command's own, on stdout, exit 0
for cmd in run validate inspect processors cache demo help; do
  run_dw $cmd --help
  expect_eq "$cmd --help: exit 0" 0 "$RC"
  expect_contains "$cmd --help: its usage line" "usage: dagwood $cmd" "$OUT"
  [[ $cmd == help ]] && continue
  expect_contains "$cmd --help: options" "options:" "$OUT"
  expect_contains "$cmd --help: examples" "examples:" "$OUT"
  run_dw help $cmd
  expect_contains "help $cmd: the same text" "usage: dagwood $cmd" "$OUT"
done
run_dw run --help
expect_contains "run --help: names --format" "--format FORMAT" "$OUT"
run_dw validate -h
expect_contains "validate -h: its own text" "usage: dagwood validate" "$OUT"
run_dw --help
expect_contains "--help: the overview" "usage: dagwood COMMAND" "$OUT"
expect_contains "--help: points at the commands' help" "'dagwood COMMAND --help'" "$OUT"
run_dw help
expect_contains "help: the overview" "usage: dagwood COMMAND" "$OUT"
run_dw help rnu
expect_eq "help of no command: exit 2" 2 "$RC"
expect_contains "help of no command: suggests" "did you mean 'run'?" "$ERR"

# --- suggestions
run_dw rnu "$EX/chain.yaml" --input x
expect_eq "unknown command: exit 2" 2 "$RC"
expect_contains "unknown command suggested" "unknown command 'rnu'; did you mean 'run'?" "$ERR"
run_dw valdiate "$EX/chain.yaml"
expect_contains "transposed command suggested" "did you mean 'validate'?" "$ERR"
run_dw frobnicate
expect_contains "unknown command far from all: lists them" "commands: run, validate, inspect" "$ERR"
run_dw run "$EX/chain.yaml" --input x --formt json
expect_eq "unknown option: exit 2" 2 "$RC"
expect_contains "unknown option suggested" "unknown option '--formt'; did you mean '--format'?" "$ERR"
expect_contains "unknown option: points at the command's help" "run 'dagwood run --help'" "$ERR"
run_dw run "$EX/chain.yaml" --input x --stratgy=level
expect_contains "unknown option with =value suggested" \
  "unknown option '--stratgy'; did you mean '--strategy'?" "$ERR"
run_dw run "$EX/chain.yaml" -format json --input x
expect_contains "one dash for a long option" "unknown option '-format'; did you mean '--format'?" "$ERR"
run_dw run "$EX/chain.yaml" --input x --format
expect_contains "missing value named" "option '--format' needs a value" "$ERR"
run_dw run "$EX/chain.yaml" --in x
expect_contains "ambiguous prefix named" "ambiguous option '--in': it could be --input, --input-file" "$ERR"
run_dw cache lsit
expect_contains "cache action suggested" "unknown cache action 'lsit'; did you mean 'list'?" "$ERR"

# --- hybrid's reason, a sentence a user understands
run_dw inspect "$EX/demo.yaml" --max-concurrency 2
expect_contains "inspect: hybrid's choice and reason in words" \
  "hybrid choice:    reactive, because no processor has more than 64 dependents, so" "$OUT"
run_dw run "$EX/demo.yaml" --input "a b" --max-concurrency 2
expect_contains "text report: who chose and why" \
  "executor  reactive (chosen by hybrid because no processor has more than 64 dependents" "$OUT"
run_dw run "$EX/demo.yaml" --input "a b" --max-concurrency 8 --format json
reason=$(jq -r .strategy_reason <<<"$OUT")
expect_contains "json: the reason for a wide enough pool" "never more processors ready at once than workers" "$reason"
[[ $reason != *deque* && $reason != *"<="* && $reason != *steal* ]] && ok "json: no jargon in the reason" ||
  fail "json: jargon in the reason: $reason"
finish
