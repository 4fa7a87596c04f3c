# The original project's WebAssembly pipelines (DAGWOOD_ORIGINAL_CONFIGS;
# skipped when it is not set), run unchanged from the build folder (their
# module paths, wasm_components/..., resolve against the working directory
# there). Expected outputs worked out from PIPELINES 2-3 and
# the modules' documented behaviour (append "::WASM"; run-length encode).
# rle_rust.wasm and rle_js.wasm are preview1-adapter components (the shape
# of Rust and JS output) that log to stdout and stderr; the pipelines grant
# them nothing, so their lines in the log show the components' defaults.
source "$(dirname "$0")/lib.sh"
need_originals
BUILD=${DW_BUILD_DIR:?}
DAGWOOD=$(cd "$(dirname "$DAGWOOD")" && pwd)/$(basename "$DAGWOOD")
cd "$BUILD" || exit 1

check() { # NAME CONFIG EXPECTED-OUTPUT
  run_dw run "$ORIGINALS/$2" --input "hello world" --format json
  expect_eq "$1: exit 0" 0 "$RC"
  expect_eq "$1: output" "$3" "$(jq -r .output <<<"$OUT")"
}
check "wasm-fuel-demo" wasm-fuel-demo.yaml "HELLO WORLD::WASM::WASM::WASM"
check "wasm-hello-world-demo-reactive" wasm-hello-world-demo-reactive.yaml "MSAW::DLROW OLLEH"
check "wasm-hello-world-demo (an analyzer RLE)" wasm-hello-world-demo.yaml "MSAW::DLROW OLLEH"
check "walkthrough 04" walkthrough/04-wasm-integration.yaml "🦀 Rust + WASM: hello world::WASM ✨"
check "rle_rust (a component)" rle_rust.yaml "1h1e2l1o1 1w1o1r1l1d"
expect_contains "rle_rust: its stdout line in the log, no capabilities granted" \
  "[rle_rust stdout] rle_rust: 11 bytes -> 20 bytes (dagwood-component)" "$ERR"
expect_contains "rle_rust: its stderr line in the log" "[rle_rust stderr] rle_rust: 10 runs" "$ERR"
# rle_js.yaml: an analyzer (options.intent: analyze), so the run's output is
# its input; the encoding shows in its metadata and its log line
check "rle_js (a component, an analyzer)" rle_js.yaml "hello world"
expect_eq "rle_js: succeeded" succeeded "$(jq -r '.processors[0].status' <<<"$OUT")"
expect_eq "rle_js: output_length of the encoding" 20 \
  "$(jq -r '.metadata.run_length_encoder.output_length' <<<"$OUT")"
expect_contains "rle_js: its stdout line in the log, no capabilities granted" \
  "[run_length_encoder stdout] rle_js: 11 bytes -> 20 bytes (dagwood-component)" "$ERR"
expect_contains "rle_js: its stderr line in the log" "[run_length_encoder stderr] rle_js: 10 runs" "$ERR"
check "complex workflow" complex-workflow-with-fuel-consumption.yaml \
  "🔄 Multi-type Result: 1h1e2l1o1 1w1o1r1l1d2:1W1A1S1M [COMPLETE]"
expect_contains "complex workflow: the component's line in the log" \
  "[run-length-encode-Rust stdout] rle_rust: 17 bytes -> 30 bytes (dagwood-component)" "$ERR"
check "walkthrough 05" walkthrough/05-complex-workflow.yaml \
  "🔄 Multi-type Result: 1h1e2l1o1 1w1o1r1l1d2:1W1A1S1M [COMPLETE]"
expect_contains "walkthrough 05: the component's line in the log" \
  "[run-length-encode-Rust stdout] rle_rust: 17 bytes -> 30 bytes (dagwood-component)" "$ERR"

# the original's command form on its component pipelines
run_dw "$ORIGINALS/rle_rust.yaml" "aaabbc" --format raw
expect_eq "rle_rust.yaml: aaabbc, the original's form" "3a2b1c" "$OUT"
run_dw "$ORIGINALS/rle_js.yaml" "aaabbc" --format raw
expect_eq "rle_js.yaml: aaabbc, the original's form (an analyzer: its input)" "aaabbc" "$OUT"
expect_contains "rle_js.yaml: aaabbc encoded, in the log" \
  "[run_length_encoder stdout] rle_js: 6 bytes -> 6 bytes (dagwood-component)" "$ERR"

# fuel metadata of PIPELINES 6.7 on the original's fuel demo
run_dw run "$ORIGINALS/wasm-fuel-demo.yaml" --input "hello world" --format json
expect_eq "fuel_consumed reported" true "$(jq '.metadata.wasm_light.fuel_consumed | tonumber > 0' <<<"$OUT")"
expect_eq "output_length reported" 17 "$(jq -r '.metadata.wasm_light.output_length' <<<"$OUT")"

# modules that dagwood does not ship: a clear, positioned error, nothing runs
run_dw validate "$ORIGINALS/grain-simple.yaml"
expect_eq "grain (not shipped): exit 2" 2 "$RC"
expect_contains "grain: positioned, names the module" "grain-simple.yaml:10:13: error: WASM module 'wasm_components/rle_grain.wasm' not found" "$ERR"
finish
