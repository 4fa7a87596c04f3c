# The sandbox escapes of tests/hostile/escapes (see its README): each module
# through `dagwood validate`, `inspect` and `run`, with the exit status and
# message each must give, then no payload may have run: the marker folder
# the payloads write to must still be empty. Every command runs under
# `timeout 20`: the bombs must end by fuel or deadline long before.
source "$(dirname "$0")/lib.sh"
ESC=$SRC/tests/hostile/escapes
MARKERS=/tmp/dagwood-escape-markers
command -v wat2wasm >/dev/null || skip_test "wat2wasm (Debian package wabt) is not installed"
rm -rf "$MARKERS"
mkdir -p "$MARKERS"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}

# pipeline NAME MODULE [EXTRA YAML]: a one-processor pipeline in $TMP
pipeline() {
  printf 'executor_options: {timeout_seconds: 60}\nprocessors:\n  - id: m\n    type: wasm\n    module: %s\n%s' \
    "$2" "${3:-}" >"$TMP/$1.yaml"
}
# dw_t ARGS: run_dw under a 20 s limit
dw_t() {
  OUT=$(timeout 20 "$DAGWOOD" "$@" 2>"$TMP/err") && RC=0 || RC=$?
  ERR=$(cat "$TMP/err")
}
# case NAME VALIDATE-STATUS RUN-STATUS MESSAGE [OUTPUT]: the three commands
check_case() {
  local name=$1
  dw_t validate "$TMP/$name.yaml"
  expect_eq "$name: validate exits $2" "$2" "$RC"
  [[ $2 -ne 0 ]] && expect_contains "$name: validate says why" "$4" "$ERR"
  if [[ $2 -eq 0 ]]; then
    dw_t inspect "$TMP/$name.yaml"
    expect_eq "$name: inspect exits 0" 0 "$RC"
  fi
  dw_t run "$TMP/$name.yaml" --input "hello" --format raw
  expect_eq "$name: run exits $3" "$3" "$RC"
  if [[ $3 -ne 0 ]]; then expect_contains "$name: run says why" "$4" "$ERR"; fi
  if [[ -n ${5:-} ]]; then expect_eq "$name: output" "$5" "$OUT"; fi
}

asm() { # asm NAME: tests/hostile/escapes/NAME.wat -> $TMP/NAME.wasm
  wat2wasm "$ESC/$1.wat" -o "$TMP/$1.wasm" || fail "$1: wat2wasm"
}

# 1. export names, import names, the name section
asm export-name
pipeline export-name "$TMP/export-name.wasm"
check_case export-name 0 0 - hello

asm import-name
pipeline import-name "$TMP/import-name.wasm"
check_case import-name 2 2 "which dagwood does not provide"

# a name section naming function 0 with the payload of export-name.wat
leb() { # leb N: N as unsigned LEB128 bytes
  local n=$1 b
  while :; do
    b=$((n & 127)) n=$((n >> 7))
    if ((n)); then printf "\\x$(printf %02x $((b | 128)))"; else printf "\\x$(printf %02x $b)"; break; fi
  done
}
asm name-section
payload='x */ __asm__(".pushsection .text\n1: lea 2f(%rip), %rdi\njmp system@PLT\n2: .asciz \"touch '$MARKERS'/name-section\"\n.popsection\n.pushsection .init_array,\"aw\"\n.quad 1b\n.popsection"); /*'
n=${#payload}
subsize=$((2 + $(leb "$n" | wc -c) + n)) # count, index, the name
{
  printf '\x00'
  leb $((1 + 4 + 1 + $(leb $subsize | wc -c) + subsize))
  printf '\x04name\x01'
  leb $subsize
  printf '\x01\x00'
  leb "$n"
  printf '%s' "$payload"
} >>"$TMP/name-section.wasm"
pipeline name-section "$TMP/name-section.wasm"
check_case name-section 0 0 - hello

# 2. call_indirect type identities
asm indirect-arity
pipeline indirect-arity "$TMP/indirect-arity.wasm"
check_case indirect-arity 0 1 "indirect call to a null or mistyped table entry"

# many distinct types (eight parameters of four kinds); the victim has type
# N-10, the call uses N-9. Past dagwood's cap (10 000) the module is refused
# before anything is compiled; below it every type keeps its own identity.
many_types() { # many_types N: $TMP/types-N.wasm
  awk -v n="$1" 'BEGIN {
    split("i32 i64 f32 f64", t, " ");
    print "(module";
    for (k = 0; k < n; k++) {
      s = "(type $t" k " (func (param";
      x = k;
      for (d = 0; d < 8; d++) { s = s " " t[x % 4 + 1]; x = int(x / 4); }
      print s (k == n - 9 ? ") (result i32)))" : ")))");
    }
    print "(table 1 funcref) (elem (i32.const 0) $victim)";
    print "(func $victim (type $t" (n - 10) "))";
    print "(memory (export \"memory\") 1)";
    print "(func (export \"allocate\") (param i32) (result i32) (i32.const 1024))";
    print "(func (export \"deallocate\") (param i32 i32))";
    print "(func (export \"process\") (param i32 i32 i32) (result i32)";
    a = "";
    x = n - 9;
    for (d = 0; d < 8; d++) { a = a " (" t[x % 4 + 1] ".const 0)"; x = int(x / 4); }
    print "  (i32.store (local.get 2) (call_indirect (type $t" (n - 9) ")" a " (i32.const 0)))";
    print "  (local.get 0)))";
  }' >"$TMP/types-$1.wat"
  wat2wasm "$TMP/types-$1.wat" -o "$TMP/types-$1.wasm" || fail "types-$1: wat2wasm"
}
many_types 65600
pipeline types-65600 "$TMP/types-65600.wasm"
check_case types-65600 2 2 "function types; dagwood's limit is 10000"
many_types 9990
pipeline types-9990 "$TMP/types-9990.wasm"
check_case types-9990 0 1 "indirect call to a null or mistyped table entry"

# 3. bulk-memory bombs: fuel charged by length ends them
for b in fill-bomb table-fill-bomb copy-bomb; do
  asm $b
  pipeline $b "$TMP/$b.wasm"
  check_case $b 0 1 "out of fuel"
done

# 4. no payload ran
left=$(ls -A "$MARKERS")
expect_eq "no payload created a marker in $MARKERS" "" "$left"
rm -rf "$MARKERS"
finish
