#!/usr/bin/env bash
# Build and run the whole suite three ways: the normal build, ASan + UBSan,
# and ThreadSanitizer (tests labelled for it); and build everything with
# clang and with gcc -O3 as well. Prints one closing line, "total: N passed, M failed, K
# skipped". A skipped test (one that printed "SKIPPED: why" and exited 77,
# e.g. the original project's pipelines without DAGWOOD_ORIGINAL_CONFIGS) is
# counted apart, never as passed, and listed with its reason.
set -uo pipefail
cd "$(dirname "$0")/.."
JOBS=${JOBS:-$(nproc)}
total_pass=0
total_fail=0
total_skip=0

run_suite() { # name builddir cmake-args... ; runs ctest, adds to the totals
  local name=$1 dir=$2
  shift 2
  echo "=== $name build ($dir)"
  if ! cmake -S . -B "$dir" -G Ninja "$@" >/dev/null || ! cmake --build "$dir" -j "$JOBS"; then
    echo "=== $name: BUILD FAILED"
    total_fail=$((total_fail + 1))
    return
  fi
  local log="$dir/ctest.log"
  ctest --test-dir "$dir" --output-on-failure -j "$JOBS" ${CTEST_ARGS:-} 2>&1 | tee "$log"
  local line
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
  if [[ -z "$line" ]]; then
    echo "=== $name: no test summary"
    total_fail=$((total_fail + 1))
    return
  fi
  local failed all skipped
  failed=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\1/' <<<"$line")
  all=$(sed -E 's/.* ([0-9]+) tests failed out of ([0-9]+).*/\2/' <<<"$line")
  # CTest counts a skipped test among the passed ones: take them out. They
  # are listed under "The following tests did not run:" as "N - NAME (Skipped)".
  local names
  names=$(sed -nE 's/^[[:space:]]*[0-9]+ - (.*) \(Skipped\)$/\1/p' "$log")
  skipped=$(grep -c . <<<"$names")
  if ((skipped)); then
    echo "=== $name: $skipped skipped"
    local t why
    while IFS= read -r t; do
      why=$(awk -v t="$t" '/^[0-9]+\/[0-9]+ Test: / { cur = ($3 == t) } cur && /^SKIPPED:/ { print; exit }' \
        "$dir/Testing/Temporary/LastTest.log" 2>/dev/null)
      echo "    $t: ${why:-(exited 77 without a SKIPPED: line)}"
    done <<<"$names"
  fi
  total_pass=$((total_pass + all - failed - skipped))
  total_fail=$((total_fail + failed))
  total_skip=$((total_skip + skipped))
}

run_suite normal build
# Builds whose warnings differ must be -Werror clean too; their tests are
# the normal build's, so only the build is checked: clang 14, and gcc at
# -O3 (Release), whose inlining finds "may be used uninitialized" paths
# that -O2 does not.
build_only() {
  local name=$1 dir=$2
  shift 2
  echo "=== $name build ($dir)"
  if cmake -S . -B "$dir" -G Ninja "$@" >/dev/null && cmake --build "$dir" -j "$JOBS" >"$dir.log" 2>&1; then
    echo "$name build: ok"
    total_pass=$((total_pass + 1))
  else
    tail -n 40 "$dir.log"
    echo "=== $name: BUILD FAILED"
    total_fail=$((total_fail + 1))
  fi
}
build_only clang build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++
build_only "gcc -O3" build-release -DCMAKE_BUILD_TYPE=Release
run_suite asan build-asan -DDW_SANITIZE=address -DCMAKE_BUILD_TYPE=Debug
CTEST_ARGS="-L tsan" run_suite tsan build-tsan -DDW_SANITIZE=thread -DCMAKE_BUILD_TYPE=Debug

echo
echo "total: ${total_pass} passed, ${total_fail} failed, ${total_skip} skipped"
[[ $total_fail -eq 0 ]]
