/* tests/fuzz/fuzz_component: dagwood's component reader (wasm/component) on
 * arbitrary bytes, and the canonical-ABI reader (wasm/canon) on arbitrary
 * guest memories. Besides memory safety it checks the contracts the rest of
 * the backend relies on: a refusal always comes with a reason, short error
 * buffers are never overrun, the answer is deterministic, an accepted
 * component's core module lies inside the input and starts with a core
 * module header, the names it reports exist, and the adapter either fails
 * with a reason or yields a module dagwood's own parser accepts. */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "util/arena.h"
#include "wasm/canon.h"
#include "wasm/component.h"
#include "wasm/component_run.h"
#include "wasm/parse.h"

static void fuzz_canon(const uint8_t *data, size_t size) {
  if (size < 4) return;
  uint32_t ret;
  memcpy(&ret, data, 4);
  dw_canon_result r;
  char why[256];
  memset(why, 'x', sizeof why);
  if (dw_canon_read_result(data, size, ret, &r, why, sizeof why) == 0) {
    FUZZ_CHECK(ret % 8 == 0 && (uint64_t)ret + 24 <= size, "accepted return area %u", ret);
    if (!r.is_err || r.err_case != DW_CANON_INPUT_TOO_LARGE)
      FUZZ_CHECK((uint64_t)r.ptr + r.len <= size, "accepted %u bytes at %u", r.len, r.ptr);
    FUZZ_CHECK(!r.is_err || r.err_case <= 2, "case %u", r.err_case);
    if (r.is_err) {
      char *msg = dw_canon_error_message(data, &r);
      FUZZ_CHECK(msg != NULL, "no message");
      FUZZ_CHECK(!strncmp(msg, "Component process() returned error: ProcessingError::", 53),
                 "message %s", msg);
      free(msg);
    }
  } else {
    FUZZ_CHECK(memchr(why, 0, sizeof why) != NULL && why[0] != 0, "refused without a reason");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dw_bin_kind kind = dw_bin_sniff(data, size);
  FUZZ_CHECK(kind <= DW_BIN_UNKNOWN_VERSION, "kind %d", (int)kind);
  dw_arena a;
  dw_arena_init(&a);
  dw_component c;
  char err[512];
  memset(err, 'x', sizeof err);
  int rc = dw_component_parse(data, size, &a, &c, err, sizeof err);
  FUZZ_CHECK(rc == 0 || rc == -1, "rc %d", rc);
  FUZZ_CHECK(memchr(err, 0, sizeof err) != NULL, "error text not terminated");
  if (rc == 0) {
    FUZZ_CHECK(kind == DW_BIN_COMPONENT, "accepted a binary of kind %d", (int)kind);
    FUZZ_CHECK(err[0] == 0, "accepted with a reason: %s", err);
    FUZZ_CHECK(c.core >= data && c.core_len >= 8 && c.core + c.core_len <= data + size,
               "core module outside the input");
    FUZZ_CHECK(c.core_off == (size_t)(c.core - data), "core offset");
    FUZZ_CHECK(!memcmp(c.core, "\0asm\1\0\0\0", 8), "core module header");
    FUZZ_CHECK(c.process_export && c.memory_export && c.realloc_export, "names");
    for (uint32_t i = 0; i < c.nimports; i++) FUZZ_CHECK(c.imports[i] != NULL, "import %u", i);
    for (uint32_t i = 0; i < c.ninstance_args; i++)
      FUZZ_CHECK(c.instance_args[i] != NULL, "instance argument %u", i);
    size_t alen;
    char why[512] = "";
    uint8_t *m = dw_component_adapt(&c, &alen, why, sizeof why);
    if (m) {
      dw_wasm_info w;
      FUZZ_CHECK(dw_wasm_parse(m, alen, &a, &w, why, sizeof why) == 0, "adapted: %s", why);
      FUZZ_CHECK(dw_wasm_find_export(&w, "allocate") && dw_wasm_find_export(&w, "process") &&
                     dw_wasm_find_export(&w, "memory"),
                 "adapted exports");
      free(m);
    } else {
      FUZZ_CHECK(why[0] != 0, "adapter refused without a reason");
    }
  } else {
    FUZZ_CHECK(err[0] != 0, "refused without a reason");
    FUZZ_CHECK(c.core == NULL, "a refusal left a result");
    /* the same refusal into a short buffer: truncated, never overrun */
    char tiny[9];
    memset(tiny, 'x', sizeof tiny);
    dw_arena b;
    dw_arena_init(&b);
    int rc2 = dw_component_parse(data, size, &b, &c, tiny, 8);
    FUZZ_CHECK(rc2 == rc, "not deterministic: %d then %d", rc, rc2);
    FUZZ_CHECK(tiny[8] == 'x', "wrote past the given length");
    FUZZ_CHECK(memchr(tiny, 0, 8) != NULL, "short error text not terminated");
    FUZZ_CHECK(strncmp(tiny, err, 7) == 0, "a different reason: %s / %s", tiny, err);
    dw_arena_free(&b);
  }
  dw_arena_free(&a);
  fuzz_canon(data, size);
  return 0;
}
