# The hostile-input corpus of issue 6 through the dagwood command: every case
# of tests/hostile/MANIFEST under `dagwood validate` and `dagwood run`, each
# within `timeout 10`, must exit with the listed status (never a signal or a
# timeout) and, when refused or failed, say why in a positioned message that
# holds the listed text. Under the sanitizer builds any ASan/UBSan report
# aborts, which shows up here as a signal.
source "$(dirname "$0")/lib.sh"
HOSTILE=$SRC/tests/hostile
GEN=$TMP/gen
mkdir -p "$GEN"
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-abort_on_error=1:print_stacktrace=1}
SKIPS=0

fill() { head -c "$2" /dev/zero | tr '\0' "$1"; } # fill CHAR COUNT
MB=1048576

# make_case NAME: create the @NAME case in $GEN, print its path
make_case() {
  local f=$GEN/$1.yaml
  case $1 in
    fifo) mkfifo "$GEN/fifo" && f=$GEN/fifo ;;
    directory) f=$GEN ;;
    symlink-loop) ln -s loop "$GEN/loop" && f=$GEN/loop ;;
    missing) f=$GEN/no-such-pipeline.yaml ;;
    huge-prefix-1mb)
      { printf 'processors:\n  - id: a\n    type: local\n    processor: prefix_suffix_adder\n'
        printf '    options:\n      prefix: '; fill z $MB; printf '\n'; } >"$f" ;;
    huge-id-1mb)
      { printf 'processors:\n  - id: '; fill i $MB; printf '\n    type: local\n    processor: reverse_text\n'; } >"$f" ;;
    huge-key-1mb) { fill k $MB; printf ': 1\nprocessors: []\n'; } >"$f" ;;
    huge-explicit-key-1mb) { printf '? '; fill k $MB; printf '\n: 1\nprocessors: []\n'; } >"$f" ;;
    huge-processor-name-1mb)
      { printf 'processors:\n  - id: a\n    type: local\n    processor: '; fill p $MB; printf '\n'; } >"$f" ;;
    huge-number-1mb) { printf 'executor_options:\n  max_concurrency: '; fill 9 $MB; printf '\nprocessors: []\n'; } >"$f" ;;
    huge-module-path-1mb)
      { printf 'processors:\n  - id: a\n    type: wasm\n    module: '; fill m $MB; printf '.wasm\n'; } >"$f" ;;
    chain-20000)
      { printf 'processors:\n  - {id: p0, type: local, processor: reverse_text}\n'
        for ((i = 1; i < 20000; i++)); do
          printf '  - {id: p%d, type: local, processor: reverse_text, depends_on: [p%d]}\n' $i $((i - 1))
        done; } >"$f" ;;
    cycle-20000)
      { printf 'processors:\n  - {id: p0, type: local, processor: reverse_text, depends_on: [p19999]}\n'
        for ((i = 1; i < 20000; i++)); do
          printf '  - {id: p%d, type: local, processor: reverse_text, depends_on: [p%d]}\n' $i $((i - 1))
        done; } >"$f" ;;
    file-65mib) truncate -s 65M "$f" ;;
    module-17mib)
      truncate -s 17M "$GEN/big.wasm"
      printf 'processors:\n  - id: m\n    type: wasm\n    module: big.wasm\n' >"$f" ;;
    module-fifo)
      mkfifo "$GEN/fifo.wasm"
      printf 'processors:\n  - id: m\n    type: wasm\n    module: fifo.wasm\n' >"$f" ;;
    module-many-exports) # 200 000 exports of one function: duplicate checks must not be O(n^2)
      { printf '(module (func $f)\n'
        for ((i = 0; i < 200000; i++)); do printf '(export "e%d" (func $f))\n' $i; done
        printf ')\n'; } >"$GEN/many-exports.wat"
      wat2wasm "$GEN/many-exports.wat" -o "$GEN/many-exports.wasm" || return 1
      printf 'processors:\n  - id: m\n    type: wasm\n    module: many-exports.wasm\n' >"$f" ;;
    *) echo "unknown generated case @$1" >&2; return 1 ;;
  esac
  echo "$f"
}

# positioned PATH: does $ERR hold a diagnostic of PATH with a position?
positioned() {
  local line rest
  while IFS= read -r line; do
    [[ $line == "$1:"* ]] || continue
    rest=${line#"$1:"}
    if [[ $rest =~ ^[0-9]+:[0-9]+:\ (error|warning):\  || $rest =~ ^\ (error|warning):\  ||
      $rest =~ ^\ processor\ \'.*\'\ failed ]]; then
      return 0
    fi
  done <<<"$ERR"
  return 1
}

# check LABEL PATH EXPECTED MESSAGE RC
check() {
  local label=$1 path=$2 want=$3 msg=$4 rc=$5
  if ((rc >= 124)); then
    local why="killed by signal $((rc - 128))"
    ((rc == 124)) && why="timed out (10 s)"
    ((rc > 124 && rc < 128)) && why="could not run ($rc)"
    fail "$label: $why; stderr: $(head -c 600 <<<"$ERR")"
    return
  fi
  if [[ $rc != "$want" ]]; then
    fail "$label: exit $rc, expected $want; stderr: $(head -c 600 <<<"$ERR")"
    return
  fi
  if ((rc != 0)); then
    if ! positioned "$path"; then
      fail "$label: no positioned message for $path; stderr: $(head -c 600 <<<"$ERR")"
      return
    fi
    if [[ $msg != "-" && $ERR != *"$msg"* ]]; then
      fail "$label: [$msg] not in stderr: $(head -c 600 <<<"$ERR")"
      return
    fi
  fi
  ok "$label: exit $rc"
}

# the cases are run from tests/hostile (messages name them as listed)
[[ $DAGWOOD == /* ]] || DAGWOOD=$PWD/$DAGWOOD
cd "$HOSTILE" || exit 1
ncases=0
while IFS=$'\t' read -r case want_v want_r msg note; do
  [[ -z $case || $case == \#* ]] && continue
  ncases=$((ncases + 1))
  if [[ $note == open:* ]]; then
    SKIPS=$((SKIPS + 1))
    echo "skip $case: open finding (${note#open: })"
    continue
  fi
  path=$case
  if [[ $case == @* ]]; then
    path=$(make_case "${case#@}") || { fail "$case: cannot make it"; continue; }
  fi
  OUT=$(timeout 10 "$DAGWOOD" validate "$path" 2>"$TMP/err" </dev/null) && RC=0 || RC=$?
  ERR=$(cat "$TMP/err")
  check "validate $case" "$path" "$want_v" "$msg" "$RC"
  timeout 10 "$DAGWOOD" run "$path" --input 'hostile input' --format json >/dev/null \
    2>"$TMP/err" </dev/null && RC=0 || RC=$?
  ERR=$(cat "$TMP/err")
  check "run $case" "$path" "$want_r" "$msg" "$RC"
done <"$HOSTILE/MANIFEST"

((ncases >= 150)) && ok "the manifest lists $ncases cases" || fail "only $ncases cases in the manifest"
((SKIPS)) && echo "$SKIPS case(s) skipped as open findings (not counted as passed)"
finish
