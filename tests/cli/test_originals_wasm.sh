# The original project's WebAssembly pipelines (DAGWOOD_ORIGINAL_CONFIGS;
# skipped when it is not set), run unchanged from the build folder (their
# module paths, wasm_components/..., resolve against the working directory
# there). Expected outputs worked out from PIPELINES 2-3 and
# the modules' documented behaviour (append "::WASM"; run-length encode).
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
check "complex workflow" complex-workflow-with-fuel-consumption.yaml \
  "🔄 Multi-type Result: 1h1e2l1o1 1w1o1r1l1d2:1W1A1S1M [COMPLETE]"
check "walkthrough 05" walkthrough/05-complex-workflow.yaml \
  "🔄 Multi-type Result: 1h1e2l1o1 1w1o1r1l1d2:1W1A1S1M [COMPLETE]"

# the original's command form on its component pipeline
run_dw "$ORIGINALS/rle_rust.yaml" "aaabbc" --format raw
expect_eq "rle_rust.yaml: aaabbc, the original's form" "3a2b1c" "$OUT"

# fuel metadata of PIPELINES 6.7 on the original's fuel demo
run_dw run "$ORIGINALS/wasm-fuel-demo.yaml" --input "hello world" --format json
expect_eq "fuel_consumed reported" true "$(jq '.metadata.wasm_light.fuel_consumed | tonumber > 0' <<<"$OUT")"
expect_eq "output_length reported" 17 "$(jq -r '.metadata.wasm_light.output_length' <<<"$OUT")"

# modules that dagwood does not ship: a clear, positioned error, nothing runs
run_dw validate "$ORIGINALS/grain-simple.yaml"
expect_eq "grain (not shipped): exit 2" 2 "$RC"
expect_contains "grain: positioned, names the module" "grain-simple.yaml:10:13: error: WASM module 'wasm_components/rle_grain.wasm' not found" "$ERR"
finish
