/* wasm/inst: see inst.h. */
#include "wasm/inst.h"

#include <stdio.h>
#include <stdlib.h>

#include "util/arena.h"
#include "wasm/parse.h"
#include "wasm/rt.h"

int dw_wasm_inst_validate(const uint8_t *b, size_t len, char *err, size_t errlen) {
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  int rc = dw_wasm_parse(b, len, &a, &w, err, errlen);
  dw_arena_free(&a);
  if (rc == DW_WASM_UNSUPPORTED) return DW_INST_UNSUPPORTED;
  return rc ? DW_INST_MALFORMED : DW_INST_OK;
}

/* Instances arrive with the canonical encoder; until then every module is
 * reported as not compilable, so a runner counts it and goes on. */
int dw_wasm_inst_new(const uint8_t *b, size_t len, const char *cache_dir, uint64_t fuel,
                     uint32_t max_pages, dw_wasm_inst **out, int *trap, char *err, size_t errlen) {
  (void)cache_dir, (void)fuel, (void)max_pages, (void)trap;
  *out = NULL;
  int rc = dw_wasm_inst_validate(b, len, err, errlen);
  if (rc) return rc;
  snprintf(err, errlen, "instances need the canonical encoder, which this build lacks");
  return DW_INST_ERROR;
}

int dw_wasm_inst_call(dw_wasm_inst *in, const char *name, const dw_wasm_val *args, size_t nargs,
                      dw_wasm_val *res, size_t maxres, size_t *nres, char *err, size_t errlen) {
  (void)in, (void)name, (void)args, (void)nargs, (void)res, (void)maxres;
  *nres = 0;
  snprintf(err, errlen, "no instance");
  return DW_INST_ERROR;
}

int dw_wasm_inst_global(dw_wasm_inst *in, const char *name, dw_wasm_val *out, char *err,
                        size_t errlen) {
  (void)in, (void)name, (void)out;
  snprintf(err, errlen, "no instance");
  return DW_INST_ERROR;
}

int dw_wasm_inst_cached(const dw_wasm_inst *in) { return in != NULL; }

void dw_wasm_inst_free(dw_wasm_inst *in) { free(in); }

const char *dw_wasm_inst_trap_text(int code) { return dw_rt_trap_text(code); }
