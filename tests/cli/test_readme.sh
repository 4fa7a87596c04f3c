# README.md's examples run as written: every command of its "## Use" block
# from a copy of the repository root where build/ is this test's build (so
# that `export PATH=$PWD/build:$PATH` and build/examples mean it), and its
# example pipeline validates with no warning.
source "$(dirname "$0")/lib.sh"
README=$SRC/README.md
BUILD=$(cd "${DW_BUILD_DIR:-build}" && pwd)
ROOT=$TMP/root
mkdir -p "$ROOT"
for f in "$SRC"/*; do ln -s "$f" "$ROOT/${f##*/}"; done
rm -f "$ROOT/build"
ln -s "$BUILD" "$ROOT/build"

# the first ```sh block after the line "## Use"
mapfile -t LINES < <(awk '/^## Use/ {use = 1} use && /^```sh/ {inb = 1; next}
  inb && /^```/ {exit} inb' "$README")
[[ ${#LINES[@]} -ge 5 ]] && ok "README: ${#LINES[@]} commands under Use" || fail "README: no Use block"
SAVED_PATH=$PATH
cd "$ROOT" || exit 1
n=0
for line in "${LINES[@]}"; do
  [[ -z $line || $line == make* ]] && continue
  n=$((n + 1))
  if (set -o pipefail; eval "$line") </dev/null >"$TMP/out" 2>&1; then
    ok "README runs: $line"
  else
    fail "README runs: $line: $(tail -3 "$TMP/out")"
  fi
  # an export line changes what the next ones find
  [[ $line == export* ]] && eval "$line"
done
[[ -s $ROOT/graph.svg ]] && ok "README: the graph was drawn" || fail "README: no graph.svg"
PATH=$SAVED_PATH
cd "$SRC" || exit 1

# the example pipeline: the first ```yaml block
awk '/^```yaml/ {inb = 1; next} inb && /^```/ {exit} inb' "$README" >"$TMP/readme.yaml"
run_dw validate --strict "$TMP/readme.yaml"
expect_eq "README's pipeline validates under --strict" 0 "$RC"
run_dw run "$TMP/readme.yaml" --input "hello world" --format raw
expect_eq "README's pipeline runs" "[HELLO WORLD]" "$OUT"
finish
