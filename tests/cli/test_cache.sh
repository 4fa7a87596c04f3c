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
# --- issue 12: the trusted cache and the confined compiler. Each part has a
# cache of its own; the fake compilers are scripts (DAGWOOD_WASM_CC) that
# answer the version probes and log their calls.
MODS=$BEX/wasm_components
# two_modules FILE [TIMEOUT]: a pipeline with the two example modules
two_modules() {
  { [[ -n ${2:-} ]] && printf 'executor_options:\n  timeout_seconds: %s\n' "$2"
    printf 'processors:\n'
    printf '  - {id: append, type: wasm, module: %s/wasm_appender.wasm}\n' "$MODS"
    printf '  - {id: encode, type: wasm, module: %s/rle.wasm, depends_on: [append]}\n' "$MODS"
  } >"$1"
}
two_modules "$TMP/two.yaml"
two_modules "$TMP/two-1s.yaml" 1
# fake NAME BODY: a compiler script that runs BODY
fake() {
  printf '#!/bin/bash\ncase "$1" in --version) echo "fake %s"; exit 0;; -dumpmachine) gcc -dumpmachine; exit 0;; esac\necho "$$" >> %q\n%s\n' \
    "$1" "$TMP/$1.calls" "$2" >"$TMP/$1.sh"
  chmod +x "$TMP/$1.sh"
  echo "$TMP/$1.sh"
}
ncalls() { [[ -f $TMP/$1.calls ]] && wc -l <"$TMP/$1.calls" || echo 0; }
# gone PID...: none of them is running (a zombie does not run)
gone() {
  local p
  for p in "$@"; do
    [[ -r /proc/$p/stat ]] || continue
    [[ $(sed 's/.*) //' "/proc/$p/stat" | cut -c1) == Z ]] || return 1
  done
}
# wait_for COUNT FILE: up to 10 s for FILE to have COUNT lines
wait_for() {
  local i
  for ((i = 0; i < 100; i++)); do
    [[ -f $2 && $(wc -l <"$2") -ge $1 ]] && return 0
    sleep 0.1
  done
  return 1
}
leftovers() { find "$1" -maxdepth 2 -name 'tmp-*' 2>/dev/null | wc -l; }

# a cache folder others can write to, or a link, is refused by name
mkdir -m 777 "$TMP/shared"
chmod 777 "$TMP/shared"
DAGWOOD_CACHE_DIR=$TMP/shared run_dw run "$TMP/two.yaml" --input x
expect_eq "a cache folder writable by others: refused" 2 "$RC"
expect_contains "... with what is wrong and what to do" \
  "cache folder $TMP/shared is writable by others (mode 0777); use a private folder (chmod 700) or set DAGWOOD_CACHE_DIR" "$ERR"
DAGWOOD_CACHE_DIR=$TMP/shared run_dw cache list
expect_eq "cache list refuses it too" 2 "$RC"
expect_contains "... naming it" "cache folder $TMP/shared is writable by others" "$ERR"
ln -s "$TMP/cache" "$TMP/cache-link"
DAGWOOD_CACHE_DIR=$TMP/cache-link run_dw run "$TMP/two.yaml" --input x
expect_contains "a cache folder that is a link: refused" "cache folder $TMP/cache-link is a symbolic link" "$ERR"
if [[ $(id -u) == 0 ]]; then
  mkdir -m 700 "$TMP/theirs" && chown nobody "$TMP/theirs"
  DAGWOOD_CACHE_DIR=$TMP/theirs run_dw run "$TMP/two.yaml" --input x
  expect_contains "a cache folder of another user: refused" "cache folder $TMP/theirs belongs to nobody" "$ERR"
else
  echo "skip a cache folder of another user: needs root to chown (running as $(id -un))"
fi

# a fresh cache is private
DAGWOOD_CACHE_DIR=$TMP/fresh/sub run_dw run "$TMP/two.yaml" --input x --format raw
expect_eq "a fresh cache folder is made 0700" "700 700" \
  "$(stat -c %a "$TMP/fresh/sub") $(stat -c %a "$TMP/fresh/sub/wasm")"

# remembered failures: the second run fails at once with the same message
export DAGWOOD_CACHE_DIR=$TMP/c-fail
cc=$(fake failing 'echo "fake: error: cannot compile this" >&2; exit 1')
DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two.yaml" --input x
first=$ERR
expect_eq "a failing compiler: refused" 2 "$RC"
expect_contains "... with its message" "failing.sh failed (exit status 1): fake: error: cannot compile this" "$ERR"
expect_eq "... once per module" 2 "$(ncalls failing)"
DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two.yaml" --input x
expect_eq "second run: refused again" 2 "$RC"
expect_contains "... with the same message" "failing.sh failed (exit status 1): fake: error: cannot compile this (as when it was tried before" "$ERR"
expect_eq "... without running the compiler" 2 "$(ncalls failing)"
run_dw cache list
expect_contains "cache list marks them" "(failed compile, remembered)" "$OUT"
expect_contains "... and counts them" "0 compiled modules, 2 failed compiles" "$OUT"
run_dw cache clear
expect_eq "cache clear forgets them" "removed 0 compiled modules and 2 failed compiles" "$OUT"
DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two.yaml" --input x
expect_eq "... so the compiler runs again" 4 "$(ncalls failing)"
expect_eq "... with the first message" "$first" "$ERR"
cc=$(fake crashing 'kill -SEGV $$')
DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two.yaml" --input x
expect_contains "a crashing compiler" "crashing.sh crashed (signal 11, segmentation fault)" "$ERR"
cc=$(fake spinning 'while :; do :; done')
DAGWOOD_WASM_CPU_SECONDS=1 DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two.yaml" --input x
expect_contains "a compiler past the CPU limit" "spinning.sh exceeded dagwood's compile limit of 1 s CPU time" "$ERR"
DAGWOOD_WASM_CPU_SECONDS=1 DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two.yaml" --input x
expect_eq "... remembered" 2 "$(ncalls spinning)"
DAGWOOD_WASM_CPU_SECONDS=many run_dw run "$TMP/two.yaml" --input x
expect_contains "a bad DAGWOOD_WASM_CPU_SECONDS" "DAGWOOD_WASM_CPU_SECONDS must be a whole number of seconds" "$ERR"

# the processor's timeout covers its compile; it is not remembered
export DAGWOOD_CACHE_DIR=$TMP/c-slow
cc=$(fake slow "sleep 30 & echo \$! >> $TMP/slow.pids; wait")
DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two-1s.yaml" --input x
expect_eq "a compile past timeout_seconds: refused" 2 "$RC"
expect_contains "... with the timeout" "could not be compiled: compile did not finish within the processor's timeout of 1 s" "$ERR"
expect_eq "... not remembered" "" "$(find "$DAGWOOD_CACHE_DIR" -name '*.fail')"
expect_eq "... and no build folder left" 0 "$(leftovers "$DAGWOOD_CACHE_DIR")"
gone $(cat "$TMP/slow.calls" "$TMP/slow.pids") && ok "... nor compiler process" ||
  fail "... a compiler process is still running"

# dagwood interrupted (Ctrl-C) or killed during a compile: no compiler
# process and no build folder stay behind
for sig in INT TERM KILL; do
  export DAGWOOD_CACHE_DIR=$TMP/c-$sig
  rm -f "$TMP/slow.calls" "$TMP/slow.pids"
  DAGWOOD_WASM_CC=$cc env --default-signal=INT "$DAGWOOD" run "$TMP/two.yaml" --input x \
    >/dev/null 2>&1 &
  pid=$!
  if ! wait_for 2 "$TMP/slow.pids"; then
    fail "SIG$sig: the slow compiles did not start"
    kill -KILL $pid
    { wait $pid; } 2>/dev/null
    continue
  fi
  [[ $(leftovers "$DAGWOOD_CACHE_DIR") -gt 0 ]] && ok "SIG$sig: build folders while compiling" ||
    fail "SIG$sig: no build folder seen while compiling"
  kill -$sig $pid
  { wait $pid; } 2>/dev/null
  rc=$?
  expect_eq "SIG$sig: dagwood ended by the signal" $((128 + $(kill -l $sig))) $rc
  for ((i = 0; i < 50; i++)); do
    gone $(cat "$TMP/slow.calls" "$TMP/slow.pids") && [[ $(leftovers "$DAGWOOD_CACHE_DIR") == 0 ]] && break
    sleep 0.1
  done
  gone $(cat "$TMP/slow.calls" "$TMP/slow.pids") && ok "SIG$sig: no compiler process left" ||
    fail "SIG$sig: compiler processes left: $(cat "$TMP/slow.calls" "$TMP/slow.pids" | tr '\n' ' ')"
  expect_eq "SIG$sig: no build folder left" 0 "$(leftovers "$DAGWOOD_CACHE_DIR")"
done

# several modules compile at once: the two compiles' intervals overlap
export DAGWOOD_CACHE_DIR=$TMP/c-parallel
mkdir -p "$TMP/times"
cc=$(fake timed "date +%s%N > $TMP/times/start.\$\$; sleep 1; date +%s%N > $TMP/times/end.\$\$; exec gcc \"\$@\"")
DAGWOOD_WASM_CC=$cc run_dw run "$TMP/two.yaml" --input aab --format raw
expect_eq "two slow compiles: the pipeline runs" "2a1b2:1W1A1S1M" "$OUT"
starts=$(cat "$TMP"/times/start.* | sort -n)
ends=$(cat "$TMP"/times/end.* | sort -n)
expect_eq "... two compiles" 2 "$(wc -l <<<"$starts")"
if (($(tail -1 <<<"$starts") < $(head -1 <<<"$ends"))); then
  ok "... at the same time (the second started before the first ended)"
else
  fail "... one after the other: starts $starts, ends $ends"
fi
finish
