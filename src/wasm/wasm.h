/* wasm/wasm: the WebAssembly processor backend as the rest of dagwood sees
 * it. Three steps: check (at validation: options, module file, sections,
 * imports against capabilities), prepare (ahead-of-time compile through the
 * cache and load), invoke (one sandboxed call on a fresh instance). Everything
 * behind this header stays inside src/wasm/. */
#ifndef DW_WASM_WASM_H
#define DW_WASM_WASM_H

#include "config/spec.h"
#include "core/call.h"
#include "util/diag.h"

typedef struct dw_wasm_module dw_wasm_module;

/* Validate processor p (type wasm) of spec s: its options (intent,
 * fuel_level, max_memory_mb, capabilities, ...) and its module file
 * (p->module_path). Every problem is added to diags at a position of the
 * pipeline file (p->module_pos for file problems). Returns the number of
 * errors added. The effective intent is written to *intent. */
int dw_wasm_check(const dw_spec *s, const dw_proc_spec *p, dw_intent *intent, dw_diags *diags);

/* Compile (or find in the cache) and load the module of p. cache_dir NULL
 * means the default ($DAGWOOD_CACHE_DIR, $XDG_CACHE_HOME/dagwood,
 * ~/.cache/dagwood). On failure returns NULL with a message in err. The
 * result is shared by every run and thread. */
dw_wasm_module *dw_wasm_prepare(const dw_spec *s, const dw_proc_spec *p, const char *cache_dir,
                                char *err, size_t errlen);

/* One call of the module's process on call->input in a pristine instance,
 * under the module's limits (fuel, memory, stack) and call->deadline_ns; it
 * stops early when *call->cancel becomes non-zero. On success sets the output
 * and the SPEC section 6 metadata on call and returns 0; otherwise records
 * the cause with dw_call_fail and returns -1. Thread-safe. */
int dw_wasm_invoke(dw_wasm_module *m, dw_call *call);

void dw_wasm_module_free(dw_wasm_module *m);

#endif
