# `cmake --install` lays out a usable package: the command (with its demo),
# the header, the libraries, a pkg-config file that builds an embedding
# program, the man page (with its FILE FORMAT and EXAMPLES sections), and
# processor.proto, with which PIPELINES 8.1's decoding commands work as
# written.
# DW_NORMAL_BUILD_ONLY: an uninstrumented program cannot load a
# sanitizer-built libdagwood.so (CMakeLists.txt lists it in the normal build).
source "$(dirname "$0")/lib.sh"
BUILD=${DW_BUILD_DIR:?}
PREFIX=$TMP/prefix
if cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then ok "install runs"; else fail "install: $(cat "$TMP/install.log")"; fi
for f in bin/dagwood include/dagwood/dagwood.h lib/libdagwood.a lib/pkgconfig/dagwood.pc \
  share/man/man1/dagwood.1 share/dagwood/examples/demo.yaml share/dagwood/processor.proto; do
  [[ -e "$PREFIX/$f" ]] && ok "installed $f" || fail "missing $f"
done
export PKG_CONFIG_PATH=$PREFIX/lib/pkgconfig
expect_eq "pkg-config finds the relocated prefix" "-I$PREFIX/lib/pkgconfig/../../include" "$(pkg-config --cflags dagwood | xargs)"
if cc -std=c17 -o "$TMP/embed" "$SRC/examples/embed/embed.c" $(pkg-config --cflags --static --libs dagwood) \
  2>"$TMP/cc.log"; then
  ok "embedding example builds against the installed package"
  OUT=$(LD_LIBRARY_PATH=$PREFIX/lib "$TMP/embed" 2>&1) || true
  expect_contains "embedding example runs" "final output:" "$OUT"
else
  fail "embedding example: $(cat "$TMP/cc.log")"
fi
run_dw_installed() { OUT=$("$PREFIX/bin/dagwood" "$@" 2>&1) && RC=0 || RC=$?; }
run_dw_installed demo </dev/null
expect_eq "installed demo finds its examples" 0 "$RC"

# the man page: the sections a reader looks for, and groff finds no fault
MAN=$PREFIX/share/man/man1/dagwood.1
for sec in SYNOPSIS COMMANDS OPTIONS "FILE FORMAT" EXAMPLES "EXIT STATUS" ENVIRONMENT FILES; do
  grep -qE "^\.SH \"?$sec\"?\$" "$MAN" && ok "man page: section $sec" || fail "man page: no section $sec"
done
if command -v groff >/dev/null; then
  W=$(groff -man -Tutf8 -ww -z "$MAN" 2>&1)
  expect_eq "man page: groff -ww finds nothing" "" "$W"
  TEXT=$(groff -man -Tutf8 -P-cbou "$MAN" 2>/dev/null)
  expect_contains "man page: the format shows a processor" "processor: change_text_case_upper" "$TEXT"
  expect_contains "man page: an example command" "dagwood run examples/pipelines/chain.yaml" "$TEXT"
fi

# processor.proto: the sources' file, and PIPELINES 8.1's commands decode
# reports with it: the block is run as written, from a copy of the
# repository root, with the installed dagwood on the PATH and proto= set to
# this prefix (protoc-c, which the build needs anyway, stands in for protoc
# when protoc is missing)
cmp -s "$SRC/src/proto/processor.proto" "$PREFIX/share/dagwood/processor.proto" &&
  ok "processor.proto installed as it is in the sources" || fail "installed processor.proto differs"
mkdir -p "$TMP/bin" "$TMP/root"
ln -s "$SRC/examples" "$TMP/root/examples"
if ! command -v protoc >/dev/null; then
  printf '#!/bin/sh\nexec %s "$@"\n' "$(command -v protoc-c)" >"$TMP/bin/protoc"
  chmod +x "$TMP/bin/protoc"
fi
awk '/^### 8.1/ {s = 1} s && /^```sh/ {inb = 1; next} inb && /^```/ {exit} inb' \
  "$SRC/docs/PIPELINES.md" | sed "s|^proto=[^ ]*|proto=$PREFIX/share/dagwood|" >"$TMP/decode.sh"
grep -q 'protoc --decode' "$TMP/decode.sh" && ok "PIPELINES 8.1 has the decoding commands" ||
  fail "PIPELINES 8.1: no decoding commands"
DEC=$(cd "$TMP/root" && PATH=$PREFIX/bin:$TMP/bin:$PATH bash -e -o pipefail "$TMP/decode.sh" 2>&1) && RC=0 || RC=$?
expect_eq "PIPELINES 8.1 decoding: exit 0" 0 "$RC"
expect_eq "PIPELINES 8.1 decoding: both reports, in order" \
  'config: "examples/pipelines/chain.yaml"|config: "examples/pipelines/demo.yaml"' \
  "$(grep '^config:' <<<"$DEC" | paste -sd'|')"
expect_contains "PIPELINES 8.1 decoding: the chain's output" 'output: "[IH]"' "$DEC"
expect_contains "PIPELINES 8.1 decoding: a processor" 'id: "normalize"' "$DEC"
finish
