#!/usr/bin/env bash
# bench/run.sh: run the benchmark programs and gather their rows into
# results.json (a JSON list; each program writes JSON lines, one row each).
# The WebAssembly benchmark (bench/wasm/, target bench_wasm) runs too when
# it is built; any other *.jsonl in the folder is gathered as well. Called
# by the `bench` target; by hand:
#   bash bench/run.sh --bin build/bench --dagwood build/dagwood [--quick]
#   bash bench/run.sh --markdown build/bench/results.json   (the doc's tables)
set -euo pipefail

# `run.sh --markdown results.json`: the tables of docs/PERFORMANCE.md
if [ "${1:-}" = --markdown ]; then
  f=${2:?give results.json}
  for t in 2 1; do
    echo
    echo "**$t thread$([ $t = 1 ] || echo s)** — median ns per node (hybrid's choice in brackets); ratios: best dagwood executor ÷ oneTBB, hybrid ÷ oneTBB"
    echo
    echo "| benchmark | nodes | work_queue | level | reactive | hybrid | oneTBB | best ÷ TBB | hybrid ÷ TBB |"
    echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
    jq -r --argjson t "$t" '
      [.[] | select(.threads == $t and has("peer_ns_per_node"))] | group_by(.benchmark)
      | sort_by(.[0].benchmark | split("-") | [(.[1] | sub("k$"; "") | tonumber), ({"chain":0,"fan":1,"tree":2,"grid":3,"layered":4}[.[0]] // 9)])
      | .[] | (map({key: .executor, value: .}) | from_entries) as $e
      | ([.[].ns_per_node] | min) as $best
      | "| \(.[0].benchmark) | \(.[0].nodes) | \($e.work_queue.ns_per_node) | \($e.level.ns_per_node) | \($e.reactive.ns_per_node) | \($e.hybrid.ns_per_node) [\($e.hybrid.ran)] | \(.[0].peer_ns_per_node) | \($best / .[0].peer_ns_per_node * 100 | round / 100) | \($e.hybrid.ns_per_node / .[0].peer_ns_per_node * 100 | round / 100) |"' "$f"
  done
  echo
  echo "**Per node, once per shape** — YAML load (parse, validate, plan); heap held by the loaded pipeline; extra heap while a run is under way; heap held by its result; work left out of the timed run (filling the reports on their first read, freeing the result); oneTBB graph construction and heap"
  echo
  echo "| benchmark | load ns | pipeline B | run B | result B | reports ns | free ns | oneTBB build ns | oneTBB graph B |"
  echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
  jq -r '[.[] | select(.threads == 2 and .executor == "work_queue" and has("load_ns_per_node"))]
      | sort_by(.benchmark | split("-") | [(.[1] | sub("k$"; "") | tonumber), ({"chain":0,"fan":1,"tree":2,"grid":3,"layered":4}[.[0]] // 9)])
      | .[] | "| \(.benchmark) | \(.load_ns_per_node | round) | \(.pipeline_bytes_per_node) | \(.run_bytes_per_node) | \(.result_bytes_per_node) | \(.reports_ns_per_node // "-") | \(.free_ns_per_node // "-") | \(.peer_build_ns_per_node // "-") | \(.peer_bytes_per_node // "-") |"' "$f"
  echo
  echo "**End to end** — the dagwood command, median wall time; net = less the 3-processor run; memory = peak RSS less the 3-processor run's"
  echo
  echo "| benchmark | command | processors | wall ms | µs / processor | net µs / processor | peak RSS MiB | bytes / processor |"
  echo "|---|---|--:|--:|--:|--:|--:|--:|"
  jq -r '.[] | select(.benchmark | startswith("e2e-"))
      | "| \(.benchmark) | \(if .executor == "validate" then "validate" else "run" end) | \(.nodes) | \(.wall_ms * 10 | round / 10) | \(.us_per_processor * 100 | round / 100) | \(.us_per_processor_net * 100 | round / 100) | \(.peak_rss_kb / 1024 * 10 | round / 10) | \(.rss_bytes_per_node) |"' "$f"
  if jq -e 'any(.[]; .executor == "wasm")' "$f" >/dev/null; then
    echo
    echo "**WebAssembly** (bench/wasm, bench_wasm)"
    echo
    echo "| benchmark | figures |"
    echo "|---|---|"
    jq -r '.[] | select(.executor == "wasm")
        | "| \(.benchmark) | \(del(.benchmark, .executor) | to_entries | map("\(.key) \(.value)") | join(", ")) |"' "$f"
  fi
  exit 0
fi

bin= dagwood= build_type= sanitize= quick= wasm=
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --dagwood) dagwood=$2; shift 2 ;;
    --build-type=*) build_type=${1#*=}; shift ;;
    --sanitize=*) sanitize=${1#*=}; shift ;;
    --wasm=*) wasm=${1#*=}; shift ;;
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

rm -f "$bin"/*.jsonl
"$bin"/engine_bench $quick --json "$bin"/engine.jsonl
"$bin"/e2e_bench --dagwood "$dagwood" --dir "$bin"/e2e $quick --json "$bin"/e2e.jsonl
# the WebAssembly benchmark (bench/wasm/), when it is built
if [ -n "$wasm" ] && [ -x "$wasm" ]; then
  "$wasm" $quick --json "$bin"/wasm.jsonl
fi

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
