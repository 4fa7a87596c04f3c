#!/usr/bin/env bash
# bench/run.sh: run the benchmark programs and gather their rows into
# results.json (a JSON list; each program writes JSON lines, one row each).
# Any other *.jsonl in the folder (e.g. the WebAssembly benchmark's) is
# gathered too. Called by the `bench` target; by hand:
#   bash bench/run.sh --bin build/bench --dagwood build/dagwood [--quick]
set -euo pipefail

bin= dagwood= build_type= sanitize= quick=
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --dagwood) dagwood=$2; shift 2 ;;
    --build-type=*) build_type=${1#*=}; shift ;;
    --sanitize=*) sanitize=${1#*=}; shift ;;
    --quick) quick=--quick; shift ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
for a in ${BENCH_ARGS:-}; do [ "$a" = --quick ] && quick=--quick; done
[ -n "$bin" ] && [ -n "$dagwood" ] || { echo "usage: run.sh --bin DIR --dagwood PATH [--quick]" >&2; exit 2; }

case "$build_type" in
  Debug|"") echo "run.sh: warning: build type '${build_type:-none}' is not optimised; figures are not representative" >&2 ;;
esac
[ -z "$sanitize" ] || echo "run.sh: warning: sanitizer build ($sanitize); figures are not representative" >&2

start=$(date +%s)
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')
echo "dagwood benchmarks: $(nproc) CPUs ($cpu), build type ${build_type:-?}, load $(cut -d' ' -f1-3 /proc/loadavg)"

rm -f "$bin"/engine.jsonl "$bin"/e2e.jsonl
"$bin"/engine_bench $quick --json "$bin"/engine.jsonl
"$bin"/e2e_bench --dagwood "$dagwood" --dir "$bin"/e2e $quick --json "$bin"/e2e.jsonl

# the list: the engine's rows, the end-to-end rows, then any other *.jsonl
out="$bin"/results.json
files=("$bin"/engine.jsonl "$bin"/e2e.jsonl)
for f in "$bin"/*.jsonl; do
  case "$f" in "$bin"/engine.jsonl|"$bin"/e2e.jsonl) ;; *) files+=("$f") ;; esac
done
{
  echo "["
  cat "${files[@]}" | sed '/^[[:space:]]*$/d' | sed '$!s/$/,/' | sed 's/^/  /'
  echo "]"
} > "$out.tmp"
mv "$out.tmp" "$out"
echo
echo "$(grep -c '"benchmark"' "$out") rows in $out ($(( $(date +%s) - start )) s); load now $(cut -d' ' -f1-3 /proc/loadavg)"
