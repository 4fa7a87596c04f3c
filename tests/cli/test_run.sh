# End-to-end runs of the dagwood command: inputs, formats, exit statuses.
source "$(dirname "$0")/lib.sh"
EX=$SRC/examples/pipelines

run_dw run "$EX/chain.yaml" --input "hello world" --format raw
expect_eq "raw output of the chain" "[DLROW OLLEH]" "$OUT"
expect_eq "exit 0 on success" 0 "$RC"

run_dw run "$EX/chain.yaml" --input "hello world"
expect_contains "text report shows the output" "[DLROW OLLEH]" "$OUT"
expect_contains "text report lists processors" "reverse" "$OUT"

OUT=$(printf 'hello world' | "$DAGWOOD" run "$EX/chain.yaml" --format raw) && RC=0 || RC=$?
expect_eq "input from stdin" "[DLROW OLLEH]" "$OUT"
OUT=$(printf 'abc' | "$DAGWOOD" run "$EX/chain.yaml" - --format raw)
expect_eq "input from '-'" "[CBA]" "$OUT"
printf 'straße' >"$TMP/in.txt"
run_dw run "$EX/chain.yaml" --input-file "$TMP/in.txt" --format raw
expect_eq "input from a file, full case mapping" "[ESSARTS]" "$OUT"

run_dw "$EX/chain.yaml" "hello world" --format raw
expect_eq "the original's form CONFIG INPUT" "[DLROW OLLEH]" "$OUT"

# raw keeps only the run's output (PIPELINES 3.6): a chain of four 1 MB
# outputs passes a 3 MiB limit only when each is released once the next
# one has taken it; json keeps them all and the fourth fails with 507
head -c 1000000 /dev/zero | tr '\0' 'm' >"$TMP/mib.txt"
{
  printf 'executor_options: {max_run_memory_mb: 3}\nprocessors:\n'
  for i in 0 1 2 3; do
    printf '  - {id: s%d, type: local, processor: prefix_suffix_adder, options: {prefix: "%d", suffix: ""}' $i $i
    if ((i)); then printf ', depends_on: [s%d]' $((i - 1)); fi
    printf '}\n'
  done
} >"$TMP/fourmib.yaml"
for s in work_queue level reactive; do
  run_dw run "$TMP/fourmib.yaml" --input-file "$TMP/mib.txt" --strategy $s --format raw
  expect_eq "raw releases outputs ($s): exit 0" 0 "$RC"
  # (compared by digest: a failure must not print a megabyte)
  expect_eq "raw releases outputs ($s): the run's output" \
    "$({ printf 3210; cat "$TMP/mib.txt"; } | sha256sum)" "$(printf %s "$OUT" | sha256sum)"
done
run_dw run "$TMP/fourmib.yaml" --input-file "$TMP/mib.txt" --format json
expect_eq "json keeps every output: the fourth passes the limit" "succeeded succeeded succeeded 507" \
  "$(jq -r '[.processors[] | if .status == "succeeded" then .status else (.error.code | tostring) end] | join(" ")' <<<"$OUT")"

# JSON report (PIPELINES 7)
run_dw run "$EX/demo.yaml" --input "the lord of the rings" --format json
expect_eq "json: run status" succeeded "$(jq -r .status <<<"$OUT")"
expect_eq "json: output" "<< The Lord of the Rings >>" "$(jq -r .output <<<"$OUT")"
expect_eq "json: processors in canonical order" "normalize count frequencies title frame" \
  "$(jq -r '[.processors[].id] | join(" ")' <<<"$OUT")"
expect_eq "json: line count" "1" "$(jq -r '.metadata.count.line_count' <<<"$OUT")"
expect_eq "json: word count" "5" "$(jq -r '.metadata.count.word_count' <<<"$OUT")"
expect_eq "json: char count" "21" "$(jq -r '.metadata.count.char_count' <<<"$OUT")"
expect_eq "json: word frequency" "2" "$(jq -r '.metadata.frequencies.word_freq_the' <<<"$OUT")"
expect_eq "json: initial_context input" "the lord of the rings" \
  "$(jq -r '.metadata.initial_context.input_text' <<<"$OUT")"
expect_eq "json: hybrid reports its choice" "true" "$(jq -r '.strategy != "hybrid"' <<<"$OUT")"
expect_eq "json: error null on success" "null" "$(jq -c '.processors[0].error' <<<"$OUT")"

# a failing processor: invalid UTF-8 fails the built-ins with 400
printf 'ab\xffcd' >"$TMP/bad.txt"
run_dw run "$EX/chain.yaml" --input-file "$TMP/bad.txt" --format json
expect_eq "exit 1 when a processor fails" 1 "$RC"
expect_eq "json: failed run" failed "$(jq -r .status <<<"$OUT")"
expect_eq "json: error code 400" 400 "$(jq -r '.processors[0].error.code' <<<"$OUT")"
expect_eq "json: later processors cancelled" "cancelled cancelled" \
  "$(jq -r '[.processors[1:][].status] | join(" ")' <<<"$OUT")"
expect_eq "json: invalid UTF-8 output as base64" "YWL/Y2Q=" "$(jq -r .output_base64 <<<"$OUT")"
expect_contains "failure named on stderr" "processor 'upper' failed" "$ERR"
run_dw run "$EX/chain.yaml" --input-file "$TMP/bad.txt"
expect_contains "text report escapes bytes that are not UTF-8" 'ab\xffcd' "$OUT"

run_dw run "$EX/branches.yaml" --input "Mixed Case" --format raw
expect_eq "input_from picks the named dependency" "whisper: mixed case" "$OUT"

# overrides and usage errors
for s in work_queue level reactive hybrid; do
  run_dw run "$EX/demo.yaml" --input "a b a" --strategy $s --max-concurrency 3 --format raw
  expect_eq "--strategy $s gives the same output" "<< A B a >>" "$OUT"
done
run_dw run "$EX/chain.yaml" --input x --strategy fastest
expect_eq "unknown strategy is a usage error" 2 "$RC"
expect_contains "unknown strategy lists valid ones" "work_queue, level, reactive, hybrid" "$ERR"
run_dw run "$EX/chain.yaml" --input x --max-concurrency 0
expect_eq "--max-concurrency 0 is a usage error" 2 "$RC"
run_dw run "$TMP/missing.yaml" --input x
expect_eq "missing config: exit 2" 2 "$RC"
expect_contains "missing config named" "missing.yaml" "$ERR"
run_dw run "$TMP" --input x
expect_eq "a directory as config: exit 2" 2 "$RC"
run_dw run /dev/zero --input x
expect_eq "a device as config: exit 2" 2 "$RC"
run_dw frobnicate
expect_eq "unknown command: exit 2" 2 "$RC"
run_dw --version
expect_contains "--version" "dagwood " "$OUT"
run_dw --help
expect_contains "--help" "usage: dagwood" "$OUT"

# protobuf report: length-delimited, decodes with protoc
run_dw run "$EX/chain.yaml" --input "hi" --format protobuf
expect_eq "protobuf: exit 0" 0 "$RC"

# trace file
run_dw run "$EX/demo.yaml" --input "x y" --trace "$TMP/trace.json" --format raw
expect_eq "trace: one event per processor" 5 "$(jq '[.traceEvents[] | select(.ph == "X")] | length' "$TMP/trace.json")"

# processors list
run_dw processors
expect_eq "eight built-ins listed" 8 "$(wc -l <<<"$OUT")"

# WebAssembly between built-ins (the pipeline of `make run`), from the build's
# examples folder where the modules sit beside the pipelines
BEX=${DW_BUILD_DIR:-build}/examples
run_dw run "$BEX/wasm.yaml" --input "Hello WASM World" --format raw
expect_eq "wasm pipeline: lower, append ::WASM, run-length encode, frame" \
  "rle: 1h1e2l1o1 1w1a1s1m1 1w1o1r1l1d2:1W1A1S1M" "$OUT"
run_dw run "$BEX/wasm.yaml" --input "" --format json
expect_eq "wasm_appender fails on empty input, as the original's" failed "$(jq -r '.processors[1].status' <<<"$OUT")"

# demo (not a terminal: runs straight through)
run_dw demo </dev/null
expect_eq "demo runs" 0 "$RC"
expect_contains "demo shows a result" "[DLROW OLLEH]" "$OUT"
run_dw --demo-mode </dev/null
expect_eq "--demo-mode runs the demo" 0 "$RC"
finish
