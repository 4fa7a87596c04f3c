/* tests/fuzz/fuzz_wasm: dagwood's WebAssembly module reader (wasm/parse) on
 * arbitrary module bytes — the check that runs at `dagwood validate`, before
 * anything is compiled. Besides memory safety it checks what the rest of the
 * backend relies on: a refusal always comes with a reason, short error
 * buffers are never overrun, and an accepted module's indices (import and
 * function types, exported functions, body count) all point at something
 * that exists. An accepted module goes on through the canonical encoder
 * (wasm/encode, what reaches the compiler): its output must be accepted
 * again, be the same the second time, hold no custom section, and name its
 * exports only canonically. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "util/arena.h"
#include "wasm/cursor.h"
#include "wasm/encode.h"
#include "wasm/parse.h"

static void check_sig_text(const dw_wasm_functype *t) {
  char big[256], small[8];
  memset(small, 'x', sizeof small);
  dw_wasm_sig_text(t, big, sizeof big);
  FUZZ_CHECK(memchr(big, 0, sizeof big) != NULL, "signature text not terminated");
  dw_wasm_sig_text(t, small, sizeof small);
  FUZZ_CHECK(memchr(small, 0, sizeof small) != NULL, "short signature text not terminated");
}

static void check_module(const dw_wasm_info *w) {
  FUZZ_CHECK(w->nfunc_imports <= w->nfuncs, "%u imported of %u functions", w->nfunc_imports,
             w->nfuncs);
  FUZZ_CHECK(w->nfunc_imports <= w->nimports, "function imports");
  FUZZ_CHECK(w->ncode == w->nfuncs - w->nfunc_imports, "%u bodies for %u defined functions",
             w->ncode, w->nfuncs - w->nfunc_imports);
  FUZZ_CHECK(w->nmemories <= 1, "memories");
  FUZZ_CHECK(!w->mem_has_max || w->mem_max >= w->mem_initial, "memory limits");
  for (uint32_t i = 0; i < w->ntypes; i++) check_sig_text(&w->types[i]);
  for (uint32_t i = 0; i < w->nimports; i++) {
    const dw_wasm_import *im = &w->imports[i];
    FUZZ_CHECK(im->module && im->name, "import %u names", i);
    FUZZ_CHECK(im->kind != 0 || im->type < w->ntypes, "import %u type %u of %u", i, im->type,
               w->ntypes);
  }
  for (uint32_t f = 0; f < w->nfuncs; f++)
    FUZZ_CHECK(w->func_type[f] < w->ntypes, "function %u type %u of %u", f, w->func_type[f],
               w->ntypes);
  for (uint32_t i = 0; i < w->nexports; i++) {
    const dw_wasm_export *e = &w->exports[i];
    FUZZ_CHECK(e->name != NULL, "export %u name", i);
    FUZZ_CHECK(e->kind <= 3, "export kind %u", e->kind);
    FUZZ_CHECK(e->kind != 0 || e->index < w->nfuncs, "export '%s' function %u of %u", e->name,
               e->index, w->nfuncs);
    /* a valid name may hold a NUL: lookups by C string find only the others */
    FUZZ_CHECK(strlen(e->name) != e->name_len || dw_wasm_find_export(w, e->name) == &w->exports[i],
               "export '%s' twice", e->name);
    /* what wasm.c asks of the exports it needs */
    if (e->kind == 0) {
      (void)dw_wasm_func_sig_is(w, e->index, "\x7f\x7f\x7f", "\x7f");
      (void)dw_wasm_func_sig_is(w, e->index, "", "");
    }
  }
  FUZZ_CHECK(!dw_wasm_func_sig_is(w, w->nfuncs, "", ""), "a function past the end");
  FUZZ_CHECK(!dw_wasm_func_sig_is(w, UINT32_MAX, "", ""), "function UINT32_MAX");
  static const char *const names[] = {"memory", "allocate", "deallocate", "process", "_initialize"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) (void)dw_wasm_find_export(w, names[i]);
}

/* The functions of the testsuite's host module: any other import is one
 * the encoder must refuse. */
static const char *const spectest_names[] = {"print", "print_i32"};
static const dw_import_set spectest = {DW_SPECTEST_MODULE, spectest_names, 2};

static void check_encoding(const uint8_t *data, size_t size, const dw_wasm_info *w) {
  dw_wasm_unit u, u2;
  char err[512];
  if (dw_wasm_encode(data, size, w, DW_EXPORTS_ALL, &spectest, &u, err, sizeof err)) {
    FUZZ_CHECK(strstr(err, "is not a function dagwood provides") != NULL, "not encoded: %s", err);
    return;
  }
  FUZZ_CHECK(u.ncost >= w->ncode, "%u hook sites for %u functions", u.ncost, w->ncode);
  FUZZ_CHECK(
      dw_wasm_encode_bytes(data, size, DW_EXPORTS_ALL, &spectest, &u2, err, sizeof err) == 0 &&
          u2.len == u.len && memcmp(u2.wasm, u.wasm, u.len) == 0,
      "the encoding is not deterministic");
  dw_wasm_unit_free(&u2);
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w2;
  int rc = dw_wasm_parse(u.wasm, u.len, &a, &w2, err, sizeof err);
  /* the hooks add a type, three imports, a local and bytes: a module right
   * at one of dagwood's caps may go past it once instrumented */
  if (rc && (strstr(err, "dagwood's limit") || strstr(err, "the limit is 16 MiB"))) {
    dw_arena_free(&a);
    dw_wasm_unit_free(&u);
    return;
  }
  FUZZ_CHECK(rc == 0, "the canonical module is refused: %s", err);
  FUZZ_CHECK(w2.nexports == u.nexports, "%u exports kept, %u encoded", u.nexports, w2.nexports);
  for (uint32_t i = 0; i < w2.nexports; i++) {
    const char *n = w2.exports[i].name;
    FUZZ_CHECK((n[0] == 'f' || n[0] == 'g') && strspn(n + 1, "0123456789") == strlen(n + 1),
               "export name '%s' is not canonical", n);
  }
  FUZZ_CHECK(w2.component_section == NULL, "a custom section survived");
  for (size_t pos = 8; pos < u.len;) { /* section ids: no custom section */
    uint32_t size;
    FUZZ_CHECK(u.wasm[pos] != 0, "a custom section at byte %zu", pos);
    pos = dw_leb_u32_at(u.wasm, pos + 1, u.len, &size) + size;
  }
  dw_arena_free(&a);
  dw_wasm_unit_free(&u);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dw_wasm_kind kind = dw_wasm_sniff(data, size);
  FUZZ_CHECK(kind <= DW_WASM_UNKNOWN_VERSION, "kind %d", (int)kind);
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char err[512];
  memset(err, 'x', sizeof err);
  int rc = dw_wasm_parse(data, size, &a, &w, err, sizeof err);
  FUZZ_CHECK(rc == 0 || rc == -1 || rc == DW_WASM_UNSUPPORTED, "rc %d", rc);
  FUZZ_CHECK(memchr(err, 0, sizeof err) != NULL, "error text not terminated");
  if (rc == 0) {
    FUZZ_CHECK(kind == DW_WASM_CORE_MODULE, "accepted a binary of kind %d", (int)kind);
    FUZZ_CHECK(err[0] == 0, "accepted with a reason: %s", err);
    check_module(&w);
    check_encoding(data, size, &w);
  } else {
    FUZZ_CHECK(err[0] != 0, "refused without a reason");
  }
  dw_arena_free(&a);

  /* the same refusal into a short buffer: truncated, never overrun */
  if (rc != 0) {
    char tiny[9];
    memset(tiny, 'x', sizeof tiny);
    dw_arena_init(&a);
    int rc2 = dw_wasm_parse(data, size, &a, &w, tiny, 8);
    FUZZ_CHECK(rc2 == rc, "not deterministic: %d then %d", rc, rc2);
    FUZZ_CHECK(tiny[8] == 'x', "wrote past the given length");
    FUZZ_CHECK(memchr(tiny, 0, 8) != NULL, "short error text not terminated");
    FUZZ_CHECK(strncmp(tiny, err, 7) == 0, "a different reason: %s / %s", tiny, err);
    dw_arena_free(&a);
  }
  return 0;
}
