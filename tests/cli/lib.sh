# Shared helpers for the command-line tests: each check prints ok/FAIL and
# the script exits non-zero if any failed. A test that cannot run calls
# skip_test: it prints "SKIPPED: ..." and exits 77, which CTest reports as
# skipped (SKIP_RETURN_CODE), never as passed.
set -u
DAGWOOD=${DAGWOOD:-build/dagwood}
SRC=${DW_SOURCE_DIR:-$(pwd)}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
CHECKS=0

ok() { CHECKS=$((CHECKS + 1)); echo "ok   $1"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $1"; }
skip_test() {
  echo "SKIPPED: $*"
  exit 77
}

# need_originals: sets ORIGINALS to the absolute folder of the original
# project's pipelines, from DAGWOOD_ORIGINAL_CONFIGS (CI sets it). Unset:
# the test is skipped. Set to something that is not a folder: it fails.
need_originals() {
  [[ -n ${DAGWOOD_ORIGINAL_CONFIGS:-} ]] ||
    skip_test "DAGWOOD_ORIGINAL_CONFIGS is not set (the folder of the original project's pipelines)"
  if ! ORIGINALS=$(cd "$DAGWOOD_ORIGINAL_CONFIGS" 2>/dev/null && pwd); then
    fail "DAGWOOD_ORIGINAL_CONFIGS=$DAGWOOD_ORIGINAL_CONFIGS is not a folder"
    finish
    exit 1
  fi
  echo "original project's pipelines: $ORIGINALS"
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
  if [[ "$2" == "$3" ]]; then ok "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
# expect_contains NAME NEEDLE HAYSTACK
expect_contains() {
  if [[ "$3" == *"$2"* ]]; then ok "$1"; else fail "$1: [$2] not in [$3]"; fi
}
# run_dw: runs dagwood, sets OUT, ERR, RC
run_dw() {
  OUT=$("$DAGWOOD" "$@" 2>"$TMP/err") && RC=0 || RC=$?
  ERR=$(cat "$TMP/err")
}
finish() {
  echo "$((CHECKS - FAILS)) passed, $FAILS failed"
  [[ $FAILS -eq 0 ]]
}
