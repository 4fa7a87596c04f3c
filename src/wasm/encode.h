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
 * cost table), and a call to env.dw_bulk(n) before every bulk operation
 * (memory.fill/copy/init, table.fill/copy/init/grow) so that its cost grows
 * with its length. Internal to src/wasm/. */
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

/* A canonical module ready to compile. */
typedef struct dw_wasm_unit {
  uint8_t *wasm; /* the canonical bytes (malloc'd) */
  size_t len;
  uint32_t *cost; /* fuel cost of each hook site (malloc'd), at least 1 */
  uint32_t ncost;
  dw_exports_mode mode;
  /* DW_EXPORTS_ALL: what each kept export was in the original module */
  uint32_t nexports;
  struct dw_unit_export {
    uint32_t orig; /* its position among the original module's exports */
    uint8_t kind;  /* 0 function, 3 global */
    uint32_t type; /* function: the type index; global: the value type */
    char name[16]; /* its canonical name, "f<k>" or "g<k>" */
  } * exports;     /* malloc'd */
  /* the types of the canonical module, for the wrapper's trampolines */
  const dw_wasm_info *info; /* the parsed ORIGINAL module (valid while the caller keeps it) */
} dw_wasm_unit;

/* Encode the module b (already accepted by dw_wasm_parse into w). The
 * imports must have been checked by the caller (wasm.c: WASI functions
 * against the capabilities; test embeddings: their own table); an import
 * that is not a function of DW_WASI_MODULE or of `extra_module` (NULL: none)
 * is refused here again. 0, or -1 with a reason in err (out of memory, a
 * missing ABI export). */
int dw_wasm_encode(const uint8_t *b, size_t len, const dw_wasm_info *w, dw_exports_mode mode,
                   const char *extra_module, dw_wasm_unit *out, char *err, size_t errlen);

void dw_wasm_unit_free(dw_wasm_unit *u);

#endif
