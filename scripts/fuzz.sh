#!/usr/bin/env bash
# make fuzz [FUZZ_SECONDS=N]: build the libFuzzer targets of tests/fuzz with
# clang, ASan + UBSan and coverage on the whole library (in build-fuzz), then
# run each for N seconds (default 60) from the seed corpora: the shipped
# examples, the original project's pipelines (when DAGWOOD_ORIGINAL_CONFIGS
# names their folder), tests/hostile, the WebAssembly fixtures and
# tests/fuzz/{seeds,regress}. Fails if any target finds a crash,
# leak, timeout or broken contract; the input is left in build-fuzz/findings/
# and belongs in tests/fuzz/regress/TARGET/ once fixed (see docs/HARDENING.md).
# Every tests/fuzz/fuzz_NAME.c is a target; seeds come from tests/fuzz/seeds/NAME
# and regress/NAME, or the folders listed below for the targets named there.
# Environment: FUZZ_TARGETS="pipeline wasm ..." (default: all), FUZZ_BUILD_DIR,
# FUZZ_JOBS (build parallelism), FUZZ_TIMEOUT (seconds per input, default 10),
# DAGWOOD_ORIGINAL_CONFIGS (extra pipeline seeds).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SECS=${1:-60}
DIR=${FUZZ_BUILD_DIR:-build-fuzz}
ALL_TARGETS=$(cd tests/fuzz && ls fuzz_*.c | sed -e 's/^fuzz_//' -e 's/\.c$//' | tr '\n' ' ')
TARGETS=$(echo ${FUZZ_TARGETS:-$ALL_TARGETS})
JOBS=${FUZZ_JOBS:-$(nproc)}
PER_INPUT=${FUZZ_TIMEOUT:-10}
[[ $SECS =~ ^[0-9]+$ && $SECS -gt 0 ]] || { echo "fuzz: FUZZ_SECONDS must be a positive integer, got '$SECS'"; exit 2; }
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)"; exit 2; }

echo "=== fuzz: configuring $DIR (clang, ASan + UBSan, libFuzzer)"
# -fsanitize=fuzzer-no-link gives the library the coverage feedback; the
# targets add -fsanitize=fuzzer. Warnings are not errors here: this build is
# for finding bugs, the normal builds keep the code warning-free.
if ! cmake -S . -B "$DIR" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDW_SANITIZE=address -DDW_WERROR=OFF -DDW_FUZZ=ON \
  -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null; then
  echo "fuzz: configure failed"
  exit 2
fi
build_targets=()
for t in $TARGETS; do build_targets+=("fuzz_$t"); done
if ! cmake --build "$DIR" -j "$JOBS" --target "${build_targets[@]}"; then
  echo "fuzz: build failed"
  exit 2
fi
# the example guests are extra seeds for the module parser; optional
cmake --build "$DIR" -j "$JOBS" --target wasm_examples >/dev/null 2>&1 || true

seeds_pipeline=("$ROOT/examples/pipelines" "$ROOT/tests/hostile" "$ROOT/tests/fuzz/regress/pipeline")
# the original project's pipelines, when DAGWOOD_ORIGINAL_CONFIGS names them (CI)
[[ -n ${DAGWOOD_ORIGINAL_CONFIGS:-} ]] && seeds_pipeline+=("$DAGWOOD_ORIGINAL_CONFIGS")
seeds_wasm=("$ROOT/$DIR/tests/fuzz/seeds/wasm" "$ROOT/tests/hostile/wasm" "$ROOT/tests/fuzz/regress/wasm")
[[ -d $ROOT/$DIR/wasm_components ]] && seeds_wasm+=("$ROOT/$DIR/wasm_components")
seeds_proto=("$ROOT/tests/fuzz/seeds/proto" "$ROOT/tests/fuzz/regress/proto")
seeds_run=("$ROOT/tests/fuzz/seeds/run" "$ROOT/tests/hostile/config" "$ROOT/tests/fuzz/regress/run")
seeds_component=("$ROOT/tests/components/fixtures" "$ROOT/tests/fuzz/regress/component")
# yaml compares the fast reader with libyaml: the pipeline corpus plus its own
seeds_yaml=("$ROOT/tests/fuzz/seeds/yaml" "${seeds_pipeline[@]}" "$ROOT/tests/fuzz/regress/yaml")

# libFuzzer reads seeds from every folder given but writes only to the first:
# a working corpus per target, kept between runs. Seeds are copied flat into
# a seed folder (libFuzzer does not recurse), only regular files.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
mkdir -p "$DIR/findings" "$DIR/fuzz-cwd"
failed=()
for t in $TARGETS; do
  bin=$ROOT/$DIR/tests/fuzz/fuzz_$t
  corpus=$ROOT/$DIR/corpus/$t
  seeddir=$ROOT/$DIR/seed-copy/$t
  rm -rf "$seeddir"
  mkdir -p "$corpus" "$seeddir"
  seeds_default=("$ROOT/tests/fuzz/seeds/$t" "$ROOT/tests/fuzz/regress/$t")
  if declare -p "seeds_$t" >/dev/null 2>&1; then
    declare -n seeds="seeds_$t"
  else
    declare -n seeds=seeds_default
  fi
  for s in "${seeds[@]}"; do
    [[ -e $s ]] || continue
    find "$s" -type f ! -name '.*' -size -4M -print0 |
      while IFS= read -r -d '' f; do
        cp "$f" "$seeddir/$(echo "$f" | md5sum | cut -c1-12)-$(basename "$f")"
      done
  done
  unset -n seeds
  dict=()
  [[ -f $ROOT/tests/fuzz/$t.dict ]] && dict=(-dict="$ROOT/tests/fuzz/$t.dict")
  echo "=== fuzz_$t: ${SECS}s, $(ls "$seeddir" | wc -l) seeds, $(ls "$corpus" | wc -l) in the working corpus"
  log=$ROOT/$DIR/findings/fuzz_$t.log
  (cd "$DIR/fuzz-cwd" && "$bin" "${dict[@]}" -max_total_time="$SECS" -timeout="$PER_INPUT" \
    -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$ROOT/$DIR/findings/$t-" "$corpus" "$seeddir") >"$log" 2>&1
  rc=$?
  grep -E '^(#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb)' "$log" | tail -3
  if [[ $rc -ne 0 ]]; then
    echo "=== fuzz_$t: FINDING (exit $rc); log $log"
    grep -E 'ERROR|SUMMARY|contract broken|Test unit written' "$log" | head -20
    failed+=("$t")
  else
    echo "=== fuzz_$t: ok"
  fi
done

echo
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz: findings in ${failed[*]} (inputs in $DIR/findings/)"
  exit 1
fi
echo "fuzz: no findings ($TARGETS, ${SECS}s each)"
