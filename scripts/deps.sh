#!/usr/bin/env bash
# Install the Debian packages dagwood needs, if any are missing.
# Idempotent and quiet when everything is there. As root it runs apt-get;
# otherwise it prints the exact command to run.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config clang
  libyaml-dev libunistring-dev protobuf-c-compiler libprotobuf-c-dev libjansson-dev
  libcmocka-dev
  wabt binaryen wasi-libc libclang-rt-14-dev-wasm32 lld
  libclang-rt-14-dev libtbb-dev valgrind jq graphviz
)

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done
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
