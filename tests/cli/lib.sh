# Shared helpers for the command-line tests: each check prints ok/FAIL and
# the script exits non-zero if any failed.
set -u
DAGWOOD=${DAGWOOD:-build/dagwood}
SRC=${DW_SOURCE_DIR:-$(pwd)}
SHARED=${SRC}/../shared/dagwood-configs
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
FAILS=0
CHECKS=0

ok() { CHECKS=$((CHECKS + 1)); echo "ok   $1"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $1"; }

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
