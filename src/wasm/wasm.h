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
 * and the PIPELINES section 6 metadata on call and returns 0; otherwise records
 * the cause with dw_call_fail and returns -1. Thread-safe. */
int dw_wasm_invoke(dw_wasm_module *m, dw_call *call);

void dw_wasm_module_free(dw_wasm_module *m);

/* Where a module's fd_write output goes (stdout = fd 1, stderr = fd 2): one
 * call per line, after the call, at most 64 KiB per call and stream. NULL
 * (the default) writes "[ID stdout] LINE" to the process's stderr. Set it
 * before running pipelines; it is not synchronised. */
void dw_wasm_set_log_sink(void (*fn)(void *user, const char *processor_id, int fd, const char *line,
                                     size_t len),
                          void *user);

/* `dagwood cache list|clear`: the compiled modules in the cache (cache_dir
 * NULL: the default folder). list calls fn per module and returns how many;
 * clear removes them and returns how many; both -1 on error. */
int dw_wasm_cache_list(const char *cache_dir,
                       void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                       void *user);
int dw_wasm_cache_clear(const char *cache_dir);

/* The effective limits of a prepared module, for reports and tests. */
uint64_t dw_wasm_module_fuel(const dw_wasm_module *m);
uint32_t dw_wasm_module_max_mb(const dw_wasm_module *m);
dw_intent dw_wasm_module_intent(const dw_wasm_module *m);
/* Non-zero when prepare found the compiled module in the cache. */
int dw_wasm_module_cached(const dw_wasm_module *m);

#endif
