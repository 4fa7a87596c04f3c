#!/usr/bin/env bash
# Install the Debian packages dagwood needs, if any are missing.
# Idempotent and quiet when everything is there. As root it runs apt-get;
# otherwise it prints the exact command to run.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang
  libyaml-dev libunistring-dev protobuf-c-compiler libprotobuf-c-dev libjansson-dev
  libcmocka-dev
  wabt wasi-libc libclang-rt-14-dev-wasm32 lld
  libclang-rt-14-dev libtbb-dev valgrind jq graphviz
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
# The pinned jco that builds the example components and serves as the test
# oracle for them (npm registry); without npm the oracle test says it skipped.
comp=$(cd "$(dirname "$0")/.." && pwd)/examples/components
if command -v npm >/dev/null && { [[ ! -d $comp/node_modules/@bytecodealliance/jco ]] || [[ ! -d $comp/node_modules/@bytecodealliance/preview2-shim ]]; }; then
  (cd "$comp" && npm ci --no-audit --no-fund --loglevel=error >/dev/null) ||
    echo "deps.sh: npm ci in examples/components failed; the component oracle test will skip" >&2
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [[ $(id -u) -ne 0 ]]; then
  echo "dagwood needs: ${missing[*]}" >&2
  echo "run: sudo apt-get update && sudo ${cmd[*]}" >&2
  exit 1
fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
"${cmd[@]}" >/dev/null
