#!/usr/bin/env bash
# tests/components/regen.sh: rebuild the committed fixture components in
# tests/components/fixtures/ (the examples and the hostile guests) with clang
# and the pinned jco of examples/components (installed by `npm ci` there when
# missing). The tests read the committed files, so they need neither node nor
# npm; run this after changing a guest, its WIT or build.mjs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ex=$here/../../examples/components
if [[ ! -d $ex/node_modules/@bytecodealliance/jco ]]; then
  (cd "$ex" && npm ci --no-audit --no-fund)
fi
node "$ex/build.mjs" --fixtures "$here/fixtures"
