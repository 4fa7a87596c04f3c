# dagwood cache list|clear, and "a second run compiles nothing" (SPEC 6):
# the cache is a private folder for this test.
source "$(dirname "$0")/lib.sh"
export DAGWOOD_CACHE_DIR=$TMP/cache
BEX=${DW_BUILD_DIR:?}/examples

run_dw cache list
expect_eq "empty cache lists nothing" "0 compiled modules" "$OUT"
run_dw run "$BEX/wasm.yaml" --input "aab" --format raw
expect_eq "first run compiles and runs" "rle: 2a1b2:1W1A1S1M" "$OUT"
run_dw cache list
expect_contains "two modules compiled" "2 compiled modules" "$OUT"
before=$(find "$DAGWOOD_CACHE_DIR" -name '*.so' -printf '%T@ %p\n' | sort)
run_dw run "$BEX/wasm.yaml" --input "aab" --format raw
after=$(find "$DAGWOOD_CACHE_DIR" -name '*.so' -printf '%T@ %p\n' | sort)
expect_eq "second run: same output" "rle: 2a1b2:1W1A1S1M" "$OUT"
expect_eq "second run compiles nothing (cache files untouched)" "$before" "$after"
run_dw cache clear
expect_eq "clear removes them" "removed 2 compiled modules" "$OUT"
run_dw cache frobnicate
expect_eq "cache: unknown verb is a usage error" 2 "$RC"
finish
