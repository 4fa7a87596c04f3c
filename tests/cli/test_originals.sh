# Every pipeline of the original project that uses only built-ins runs
# unchanged, on every executor, with the same output (SPEC 3: determinism).
source "$(dirname "$0")/lib.sh"

for f in "$SHARED"/*.yaml "$SHARED"/walkthrough/*.yaml; do
  grep -q 'type: wasm' "$f" && continue
  name=${f#"$SHARED"/}
  run_dw run "$f" --input "Hello World, hello DAGwood" --format json
  expect_eq "$name runs" 0 "$RC"
  first=$(jq -c '{output, s: [.processors[] | .status], m: .metadata | del(.initial_context)}' <<<"$OUT")
  for s in work_queue level reactive hybrid; do
    for c in 1 2 8; do
      run_dw run "$f" --input "Hello World, hello DAGwood" --format json --strategy $s --max-concurrency $c
      got=$(jq -c '{output, s: [.processors[] | .status], m: .metadata | del(.initial_context)}' <<<"$OUT")
      [[ "$got" == "$first" ]] || fail "$name: $s x$c differs: $got vs $first"
    done
  done
  ok "$name: identical on 4 executors x {1,2,8}"
done

# Outputs worked out by hand from SPEC 2-3 for a few of them.
run_dw run "$SHARED/simple-text-pipeline.yaml" --input "hello world" --format raw
expect_eq "simple-text-pipeline" "[DLROW OLLEH]" "$OUT"
run_dw run "$SHARED/walkthrough/02-text-pipeline.yaml" --input "abc" --format raw
expect_eq "walkthrough 02" ">>> CBA <<<" "$OUT"
# parallel-analysis: proper -> (counts, freq, reverse) -> prefix; reverse is the only transform
run_dw run "$SHARED/parallel-analysis-pipeline.yaml" --input "hello big world" --format raw
expect_eq "parallel-analysis" ">>> RESULT: dlroW giB olleH <<<" "$OUT"
# topological-ranking: final_formatter takes final_transform_highest_rank (rank 7)
run_dw run "$SHARED/topological-ranking-demo.yaml" --input "the lord of the rings" --format raw
expect_eq "topological-ranking" "FINAL: THE LORD OF THE RINGS :END" "$OUT"
finish
