/* wasm/encode: the canonical re-encoding of a validated module, the only
 * form of a guest module that reaches wasm2c and the C compiler. It is
 * written from the parsed form (wasm/parse), never copied from the guest's
 * bytes: every LEB128 at its shortest, no custom sections (so no names), the
 * imports renamed from dagwood's own tables (WASI functions, the fuel hooks),
 * and only the exports the embedding asks for, under fixed names. So no text
 * the guest chose can reach the generated C.
 *
 * Fuel instrumentation happens here too: a call to the hook
 * env.dw_fuel(site) at every function entry and loop header, each site
 * charged the number of instructions it stands for (wasm/wrapper emits the
 * cost table), and a call to env.dw_bulk(bytes) after memory.fill, .copy
 * and .init and to env.dw_bulk_table(elements) after table.fill, .copy and
 * .init, so that a bulk operation costs fuel in proportion to its length
 * (after: one that traps on its bounds did no work and is not charged;
 * table.grow is bounded by dagwood's table cap instead). Every unbounded execution passes a hook:
 * that is where fuel, deadlines and cancellation are checked (wasm/rt). Internal to src/wasm/. */
#ifndef DW_WASM_ENCODE_H
#define DW_WASM_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "wasm/parse.h"

/* Which exports the canonical module keeps. */
typedef enum {
  /* The C-style ABI: memory, allocate, deallocate, process and (when the
   * module has it) _initialize, under those names. */
  DW_EXPORTS_ABI = 0,
  /* Every function and global export, renamed "f<k>" / "g<k>" by its
   * position k among the module's exports (the spec testsuite runner). */
  DW_EXPORTS_ALL = 1
} dw_exports_mode;

/* The hooks' import names in the canonical module (module "env"). */
#define DW_HOOK_MODULE "env"
#define DW_HOOK_FUEL "dw_fuel"
#define DW_HOOK_BULK "dw_bulk"
#define DW_HOOK_BULK_TABLE "dw_bulk_table"
enum { DW_NHOOKS = 3 }; /* imported after the module's own function imports */

/* The spec testsuite's host module (wasm/inst). */
#define DW_SPECTEST_MODULE "spectest"

/* Function imports an embedding provides besides WASI: a module name and its
 * function names (the encoder writes these strings, not the guest's). */
typedef struct dw_import_set {
  const char *module;
  const char *const *names;
  size_t n;
} dw_import_set;

/* A canonical module ready to compile. */
typedef struct dw_wasm_unit {
  uint8_t *wasm; /* the canonical bytes (malloc'd) */
  size_t len;
  uint32_t *cost; /* fuel cost of each hook site (malloc'd), at least 1 */
  uint32_t ncost;
  dw_exports_mode mode;
  /* DW_EXPORTS_ALL: the kept exports, in the original module's order */
  uint32_t nexports;
  struct dw_unit_export {
    uint32_t orig; /* its position among the original module's exports */
    uint8_t kind;  /* 0 function, 3 global */
    char name[16]; /* its canonical name, "f<k>" or "g<k>" */
    /* its type as the wrapper's trampolines need it: a function "ii>j"
     * (params, '>', results), a global its one letter; i i32, j i64, f f32,
     * d f64, r funcref, e externref (malloc'd) */
    char *sig;
  } * exports; /* malloc'd */
} dw_wasm_unit;

/* Encode the module b (already accepted by dw_wasm_parse into w). The
 * imports must have been checked by the caller (wasm.c: WASI functions
 * against the capabilities; test embeddings: their own set); an import that
 * is not a function of DW_WASI_MODULE or of `extra` (NULL: none) is refused
 * here again. 0, or -1 with a reason in err (out of memory, a missing ABI
 * export, an import outside those sets). */
int dw_wasm_encode(const uint8_t *b, size_t len, const dw_wasm_info *w, dw_exports_mode mode,
                   const dw_import_set *extra, dw_wasm_unit *out, char *err, size_t errlen);

/* dw_wasm_parse, then dw_wasm_encode: for bytes accepted before. */
int dw_wasm_encode_bytes(const uint8_t *b, size_t len, dw_exports_mode mode,
                         const dw_import_set *extra, dw_wasm_unit *out, char *err, size_t errlen);

void dw_wasm_unit_free(dw_wasm_unit *u);

#endif
