# `cmake --install` lays out a usable package: the command (with its demo),
# the header, the libraries, a pkg-config file that builds an embedding
# program, and the man page.
# DW_NORMAL_BUILD_ONLY: an uninstrumented program cannot load a
# sanitizer-built libdagwood.so (CMakeLists.txt lists it in the normal build).
source "$(dirname "$0")/lib.sh"
BUILD=${DW_BUILD_DIR:?}
PREFIX=$TMP/prefix
if cmake --install "$BUILD" --prefix "$PREFIX" >"$TMP/install.log" 2>&1; then ok "install runs"; else fail "install: $(cat "$TMP/install.log")"; fi
for f in bin/dagwood include/dagwood/dagwood.h lib/libdagwood.a lib/pkgconfig/dagwood.pc \
  share/man/man1/dagwood.1 share/dagwood/examples/demo.yaml; do
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
finish
