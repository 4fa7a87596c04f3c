# The original project's pipelines (DAGWOOD_ORIGINAL_CONFIGS; skipped when it
# is not set): every one that uses only built-ins validates, inspects and
# runs unchanged, on every executor, with the same output (PIPELINES 3:
# determinism); the WebAssembly ones validate or fail cleanly here (they run
# in test_originals_wasm.sh, from the build folder).
source "$(dirname "$0")/lib.sh"
need_originals

n=0
for f in "$ORIGINALS"/*.yaml "$ORIGINALS"/walkthrough/*.yaml; do
  [[ -f $f ]] || continue
  n=$((n + 1))
  name=${f#"$ORIGINALS"/}
  run_dw validate "$f"
  if grep -q 'type: wasm' "$f"; then
    if [[ $RC -eq 0 || ($RC -eq 2 && -n "$ERR") ]]; then
      ok "validate $name (wasm) exits cleanly ($RC)"
    else
      fail "validate $name (wasm): rc $RC"
    fi
    continue
  fi
  expect_eq "validate $name" 0 "$RC"
  run_dw inspect "$f" --graph dot
  if [[ $RC -eq 0 ]] && dot -Tsvg <<<"$OUT" >/dev/null 2>&1; then ok "inspect $name: DOT renders"; else fail "inspect $name: DOT"; fi
  run_dw inspect "$f" --graph mermaid
  expect_contains "inspect $name: mermaid" "flowchart" "$OUT"
  run_dw inspect "$f" --format json
  expect_eq "inspect $name: json lists every processor" "$(grep -c '^  - id:' "$f")" \
    "$(jq '.processors | length' <<<"$OUT")"

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
[[ $n -ge 10 ]] && ok "$n original pipelines" || fail "only $n pipelines in $ORIGINALS"

# Outputs worked out by hand from PIPELINES 2-3 for a few of them.
run_dw run "$ORIGINALS/simple-text-pipeline.yaml" --input "hello world" --format raw
expect_eq "simple-text-pipeline" "[DLROW OLLEH]" "$OUT"
run_dw run "$ORIGINALS/walkthrough/02-text-pipeline.yaml" --input "abc" --format raw
expect_eq "walkthrough 02" ">>> CBA <<<" "$OUT"
# parallel-analysis: proper -> (counts, freq, reverse) -> prefix; reverse is the only transform
run_dw run "$ORIGINALS/parallel-analysis-pipeline.yaml" --input "hello big world" --format raw
expect_eq "parallel-analysis" ">>> RESULT: dlroW giB olleH <<<" "$OUT"
# topological-ranking: final_formatter takes final_transform_highest_rank (rank 7)
run_dw run "$ORIGINALS/topological-ranking-demo.yaml" --input "the lord of the rings" --format raw
expect_eq "topological-ranking" "FINAL: THE LORD OF THE RINGS :END" "$OUT"
finish
