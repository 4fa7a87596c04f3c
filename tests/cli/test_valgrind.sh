# valgrind memcheck on representative end-to-end runs of the dagwood command
# (issue 6): the demo pipeline in every report format, input from stdin, a
# failing processor, a trace file, WebAssembly processors, refused and
# hostile pipelines, inspect. Each must exit as usual with no memcheck error
# and no definitely or indirectly lost block. Not in the sanitizer builds
# (valgrind cannot run ASan/TSan binaries); skipped without valgrind.
# DW_NORMAL_BUILD_ONLY: valgrind cannot run ASan/TSan binaries.
source "$(dirname "$0")/lib.sh"
command -v valgrind >/dev/null || skip_test "valgrind is not installed (apt-get install valgrind)"
EX=$SRC/examples/pipelines
VG=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect
  --show-leak-kinds=definite,indirect --error-exitcode=99 --track-fds=no)
n=0

# vg NAME EXPECTED-EXIT dagwood-args... : one run under memcheck
vg() {
  local name=$1 want=$2
  shift 2
  n=$((n + 1))
  local log=$TMP/vg$n.log
  "${VG[@]}" --log-file="$log" "$DAGWOOD" "$@" >"$TMP/out" 2>"$TMP/err" </dev/null && RC=0 || RC=$?
  check_vg "$name" "$want" "$log"
}
check_vg() {
  local name=$1 want=$2 log=$3
  if [[ $RC == 99 ]] || grep -qE 'Invalid|uninitialised|definitely lost|indirectly lost|Mismatched' "$log"; then
    fail "$name: memcheck errors (exit $RC): $(head -c 2000 "$log")"
  elif [[ $RC != "$want" ]]; then
    fail "$name: exit $RC, expected $want; $(head -c 400 "$TMP/err")"
  else
    ok "$name: clean under memcheck (exit $RC)"
  fi
}

IN="the lord of the rings"
for fmt in text json raw protobuf; do
  vg "run demo.yaml --format $fmt" 0 run "$EX/demo.yaml" --input "$IN" --format "$fmt"
done
vg "run demo.yaml with a trace file" 0 run "$EX/demo.yaml" --input "$IN" --trace "$TMP/trace.json"
vg "run every example with --strategy level" 0 run "$EX/demo.yaml" "$EX/chain.yaml" \
  "$EX/branches.yaml" --input "$IN" --strategy level --max-concurrency 3 --format json

n=$((n + 1))
printf 'hello from stdin' | "${VG[@]}" --log-file="$TMP/vg$n.log" "$DAGWOOD" run "$EX/chain.yaml" \
  --format raw >"$TMP/out" 2>"$TMP/err" && RC=0 || RC=$?
check_vg "run chain.yaml, input on stdin" 0 "$TMP/vg$n.log"
expect_eq "stdin run output" "[NIDTS MORF OLLEH]" "$(cat "$TMP/out")"

printf 'ab\xffcd' >"$TMP/bad.txt"
vg "a processor fails (invalid UTF-8 input)" 1 run "$EX/demo.yaml" --input-file "$TMP/bad.txt" \
  --format json
vg "best_effort failure with retries" 1 run "$EX/branches.yaml" --input-file "$TMP/bad.txt" \
  --failure-strategy best_effort

cat >"$TMP/broken.yaml" <<'YAML'
strategy: fastest
processors:
  - id: a
    type: local
    processor: change_text_case_uper
  - id: a
    type: local
    processor: reverse_text
    depends_on: [bb, a]
    input_from: zz
YAML
vg "validate a broken pipeline" 2 validate "$TMP/broken.yaml"
vg "run a broken pipeline" 2 run "$TMP/broken.yaml" --input x
vg "validate an alias bomb" 2 validate "$SRC/tests/hostile/config/billion-laughs.yaml"
vg "validate 10 000-deep nesting" 2 validate "$SRC/tests/hostile/config/deep-flow-10000.yaml"
vg "validate a truncated module" 2 validate "$SRC/tests/hostile/wasm/truncated-half.yaml"
vg "validate /dev/zero" 2 validate /dev/zero
vg "inspect demo.yaml --graph dot" 0 inspect "$EX/demo.yaml" --graph dot
vg "inspect demo.yaml --format json" 0 inspect "$EX/demo.yaml" --format json
vg "processors" 0 processors

# WebAssembly: the example guests, compiled once outside valgrind (the cache)
WC=${DW_BUILD_DIR:-build}/wasm_components
if [[ -f $WC/wasm_appender.wasm && -f $WC/rle.wasm ]]; then
  cat >"$TMP/wasm.yaml" <<YAML
processors:
  - {id: up, type: local, processor: change_text_case_upper}
  - {id: hello, type: wasm, module: $WC/wasm_appender.wasm, depends_on: [up]}
  - {id: rle, type: wasm, module: $WC/rle.wasm, depends_on: [hello], intent: analyze}
YAML
  "$DAGWOOD" validate "$TMP/wasm.yaml" >/dev/null 2>&1
  "$DAGWOOD" run "$TMP/wasm.yaml" --input warm >/dev/null 2>&1
  vg "run WebAssembly processors" 0 run "$TMP/wasm.yaml" --input "$IN" --format json
  vg "WebAssembly module that fails" 1 run "$SRC/tests/hostile/wasm/good-abi.yaml" --input x
else
  echo "note: $WC has no example guests; WebAssembly runs not checked"
fi
finish
