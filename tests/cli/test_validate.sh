# dagwood validate / inspect on the example pipelines and on broken files:
# exit statuses, positions, every error at once. (The original project's
# pipelines: test_originals.sh.)
source "$(dirname "$0")/lib.sh"

# Every example pipeline validates and inspects, from the build's examples
# folder, where the WebAssembly modules they name sit beside them.
BEX=${DW_BUILD_DIR:-build}/examples
n=0
for f in "$BEX"/*.yaml; do
  [[ -f $f ]] || continue
  n=$((n + 1))
  name=${f##*/}
  run_dw validate "$f"
  expect_eq "validate $name" 0 "$RC"
  run_dw inspect "$f" --graph dot
  if [[ $RC -eq 0 ]] && dot -Tsvg <<<"$OUT" >/dev/null 2>&1; then ok "inspect $name: DOT renders"; else fail "inspect $name: DOT"; fi
  run_dw inspect "$f" --graph mermaid
  expect_contains "inspect $name: mermaid" "flowchart" "$OUT"
  run_dw inspect "$f" --format json
  expect_eq "inspect $name: json lists every processor" "$(grep -c '^  - id:' "$f")" \
    "$(jq '.processors | length' <<<"$OUT")"
done
[[ $n -ge 4 ]] && ok "$n example pipelines in $BEX" || fail "only $n example pipelines in $BEX"

cat >"$TMP/broken.yaml" <<'YAML'
strategy: fastest
processors:
  - id: a
    type: local
    processor: change_text_case_uper
  - id: a
    type: local
    processor: reverse_text
    depends_on: [bb]
YAML
run_dw validate "$TMP/broken.yaml"
expect_eq "broken pipeline: exit 2" 2 "$RC"
expect_contains "bad strategy positioned" "broken.yaml:1:11: error:" "$ERR"
expect_contains "unknown processor suggested" "change_text_case_upper" "$ERR"
expect_contains "duplicate id positioned" "broken.yaml:6:9: error:" "$ERR"
expect_eq "every error reported at once" 4 "$(grep -c 'error:' <<<"$ERR")"

cat >"$TMP/cycle.yaml" <<'YAML'
processors:
  - id: a
    type: local
    processor: reverse_text
  - id: b
    type: local
    processor: reverse_text
    depends_on: [a, d]
  - id: c
    type: local
    processor: reverse_text
    depends_on: [b]
  - id: d
    type: local
    processor: reverse_text
    depends_on: [c]
YAML
run_dw validate "$TMP/cycle.yaml"
expect_eq "cycle: exit 2" 2 "$RC"
expect_contains "cycle path from the first member" "cycle: b -> c -> d -> b" "$ERR"
expect_contains "cycle positioned at b" "cycle.yaml:5:9: error:" "$ERR"

# A misspelled key is an error with its suggestion (the setting it meant
# would silently not apply); a key close to none is a warning, an error
# under --strict, worded as one (PIPELINES 1.4).
cat >"$TMP/typo.yaml" <<'YAML'
stratgy: level
processors:
  - id: a
    type: local
    processor: reverse_text
    depend_on: []
YAML
run_dw validate "$TMP/typo.yaml"
expect_eq "misspelled key: exit 2" 2 "$RC"
expect_contains "misspelled top-level key, positioned, suggested" \
  "typo.yaml:1:1: error: misspelled key 'stratgy' (did you mean 'strategy'?)" "$ERR"
expect_contains "misspelled processor key suggested" \
  "typo.yaml:6:5: error: processor 'a': misspelled key 'depend_on' (did you mean 'depends_on'?)" "$ERR"
cat >"$TMP/wasmtypo.yaml" <<YAML
processors:
  - id: w
    type: wasm
    module: $BEX/wasm_components/rle.wasm
    options: {fuel_levle: 1000}
YAML
run_dw validate "$TMP/wasmtypo.yaml"
expect_eq "misspelled wasm option: exit 2" 2 "$RC"
expect_contains "misspelled wasm option, positioned, suggested" \
  "wasmtypo.yaml:5:15: error: processor 'w': misspelled option 'fuel_levle' of a wasm processor (did you mean 'fuel_level'?)" "$ERR"
cat >"$TMP/warn.yaml" <<'YAML'
colour: blue
processors: []
YAML
run_dw validate "$TMP/warn.yaml"
expect_eq "unknown key close to none is a warning" 0 "$RC"
expect_contains "the warning says it is ignored" "warning: unknown key 'colour' (ignored)" "$ERR"
run_dw validate --strict "$TMP/warn.yaml"
expect_eq "--strict makes it an error" 2 "$RC"
expect_contains "--strict: worded as an error" \
  "warn.yaml:1:1: error: unknown key 'colour' (strict checking allows only known keys)" "$ERR"
[[ $ERR != *ignored* ]] && ok "--strict: no error says (ignored)" || fail "--strict says ignored: $ERR"

printf '' >"$TMP/empty.yaml"
run_dw validate "$TMP/empty.yaml"
expect_eq "empty file: exit 2" 2 "$RC"
head -c 4096 /dev/urandom >"$TMP/garbage.yaml"
run_dw validate "$TMP/garbage.yaml"
expect_eq "binary garbage: exit 2" 2 "$RC"
finish
