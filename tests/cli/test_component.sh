# WebAssembly components through the dagwood command (issues 7 and 13): a
# pipeline of the original's rle_rust.yaml shape run from the build folder,
# where examples/components puts dagwood's C RLE component; the
# preview1-adapter stand-ins for the original's Rust and JS components
# (rle_rust.wasm, rle_js.wasm) run with no capabilities, their stdout and
# stderr lines in the log; validation messages of refused components;
# errors in the original's form. (The original's own pipelines run in
# test_originals_wasm.sh.) Skipped (exit 77) when the build lacks the
# components or refuses them.
source "$(dirname "$0")/lib.sh"
BUILD=${DW_BUILD_DIR:-build}
FIX=$SRC/tests/components/fixtures
DAGWOOD=$(cd "$(dirname "$DAGWOOD")" && pwd)/$(basename "$DAGWOOD")

if [[ ! -f $BUILD/wasm_components/rle_component.wasm ]]; then
  skip_test "$BUILD/wasm_components/rle_component.wasm is missing (examples/components not built)"
fi
cd "$BUILD"
# the module path resolves against the working directory (the build folder):
# the pipeline's own folder has no wasm_components/
mkdir -p "$TMP/own"
RLE=$TMP/own/rle.yaml
cat >"$RLE" <<'YAML'
strategy: reactive
failure_strategy: fail_fast
executor_options:
  max_concurrency: 2

processors:
  - id: rle
    type: wasm
    module: ./wasm_components/rle_component.wasm
    depends_on: []
YAML
run_dw validate "$RLE"
if [[ "$ERR" == *"not supported yet"* ]]; then
  skip_test "this build refuses components (wasm.c does not call wasm/component_run yet)"
fi
expect_eq "rle.yaml validates" 0 "$RC"

run_dw run "$RLE" --input "hello world" --format raw
expect_eq "rle.yaml: hello world" "1h1e2l1o1 1w1o1r1l1d" "$OUT"
run_dw "$RLE" "aaabbc" --format raw
expect_eq "rle.yaml: aaabbc, the original's form" "3a2b1c" "$OUT"

run_dw run "$RLE" --input "hello" --format json
expect_eq "metadata: artifact_type" "WIT Component" \
  "$(jq -r '.metadata.rle.artifact_type' <<<"$OUT")"
expect_eq "metadata: lengths" "5 8" \
  "$(jq -r '.metadata.rle | "\(.input_length) \(.output_length)"' <<<"$OUT")"
expect_contains "metadata: fuel" "fuel_consumed" "$OUT"

run_dw run "$RLE" --input "café" --format json
expect_eq "non-ASCII fails the run" failed "$(jq -r .status <<<"$OUT")"
expect_eq "err result in the original's form" \
  'Component process() returned error: ProcessingError::InvalidInput("input is not ASCII: byte 195 at offset 3")' \
  "$(jq -r '.processors[0].error.message' <<<"$OUT")"

# The stand-ins for the original's Rust and JS components (preview1 adapter:
# they import fd_write, clock_time_get, random_get, args_get, proc_exit)
# with no capabilities: the output, and each call's stdout and stderr lines
# in the log under the processor's id.
for name in rle_rust rle_js; do
  cat >"$TMP/own/$name.yaml" <<YAML
processors:
  - id: $name-proc
    type: wasm
    module: wasm_components/$name.wasm
YAML
  run_dw run "$TMP/own/$name.yaml" --input "hello world" --format json
  expect_eq "$name: no capabilities, exit 0" 0 "$RC"
  expect_eq "$name: hello world" "1h1e2l1o1 1w1o1r1l1d" "$(jq -r .output <<<"$OUT")"
  expect_contains "$name: its stdout line in the log, with the original's argument" \
    "[$name-proc stdout] $name: 11 bytes -> 20 bytes (dagwood-component)" "$ERR"
  expect_contains "$name: its stderr line in the log" "[$name-proc stderr] $name: 10 runs" "$ERR"
  expect_eq "$name: the metadata lists what a component gets" \
    "stdout,stderr,clock,random,args,proc_exit" \
    "$(jq -r ".metadata[\"$name-proc\"].capabilities" <<<"$OUT")"
  run_dw run "$TMP/own/$name.yaml" --input "café" --format json
  expect_contains "$name: an error result logs its stderr line" \
    "[$name-proc stderr] $name: rejected: input is not ASCII: byte 195 at offset 3" "$ERR"
done

# refused components, each with a message naming what is wrong
mkdir -p "$TMP/wasm_components"
pipe() {
  cat >"$TMP/p.yaml" <<YAML
processors:
  - id: c
    type: wasm
    module: wasm_components/$1.wasm
YAML
  cp "$FIX/$2.wasm" "$TMP/wasm_components/$1.wasm" 2>/dev/null ||
    printf '%b' "$2" >"$TMP/wasm_components/$1.wasm"
  run_dw validate "$TMP/p.yaml"
}
pipe wrong wrong_type
expect_contains "wrong process type" "exports process: func(input: string) -> string" "$ERR"
pipe other other_name
expect_contains "missing export" "does not export dagwood:component/processing-node@1.0.0" "$ERR"
pipe wasi rle_wasi
expect_eq "adapter imports (fd_write...) need no capability in a component" 0 "$RC"
pipe outside outside
expect_eq "files, sockets, environment: refused" 2 "$RC"
expect_contains "a file function, positioned, with what to do" \
  "p.yaml:4:13: error: WASM component 'wasm_components/outside.wasm' imports wasi_snapshot_preview1.path_open (through the preview1 adapter), a file function: dagwood gives WebAssembly no files and no capability grants them; build the component without file access (components get stdout, stderr, clock, random, args and proc_exit without a grant" "$ERR"
expect_contains "a socket function" "imports wasi_snapshot_preview1.sock_send (through the preview1 adapter), a socket function" "$ERR"
expect_contains "the environment needs its grant" \
  "imports wasi_snapshot_preview1.environ_get (through the preview1 adapter), which needs the capability environ: add it to options.capabilities of 'c'" "$ERR"
pipe version '\0asm\x0e\0\1\0'
expect_contains "unknown version" "unknown WebAssembly binary version" "$ERR"
pipe trunc '\0asm\x0d\0\1\0\x01\x90'
expect_contains "truncated component" "cannot be loaded" "$ERR"

cp "$FIX/hostile.wasm" "$TMP/wasm_components/hostile.wasm"
cat >"$TMP/h.yaml" <<YAML
failure_strategy: continue_on_error
processors:
  - id: h
    type: wasm
    module: wasm_components/hostile.wasm
YAML
for c in misalign bad-tag bad-utf8 unreachable; do
  run_dw run "$TMP/h.yaml" --input "$c" --format json
  expect_contains "hostile $c: a trap-class failure" "Component instantiation/call failed" \
    "$(jq -r '.processors[0].error.message' <<<"$OUT")"
done
finish
