/* wasm/component_run: running a component of the dagwood:component world
 * through the classic backend's machinery. The core module extracted by
 * wasm/component is checked like a classic module (dagwood's parser, its
 * imports against the capability-checked wasi_snapshot_preview1 subset, where
 * a component holds DW_CAP_COMPONENT_DEFAULT without a grant),
 * then *adapted*: two small functions are appended and the exports replaced
 * so that the descriptor compile.c generates for C-style modules drives it:
 *
 *   allocate(n)          = cabi_realloc(0, 0, 1, n)
 *   process(a, b, 0)     = <lifted core function>(a, b)
 *   process(a, 0, 1)     = <post-return>(a); 0
 *   memory, _initialize  = the module's own
 *
 * The adapted module goes through the same fuel instrumentation, wasm2c
 * compile and cache (dw_wasm_compile), and each call runs in a fresh
 * instance under the same runtime (dw_rt_*) and limits as a classic module;
 * the canonical-ABI checks of wasm/canon apply to what it returns. */
#ifndef DW_WASM_COMPONENT_RUN_H
#define DW_WASM_COMPONENT_RUN_H

#include <stddef.h>
#include <stdint.h>

#include "core/call.h"
#include "wasm/compile.h"
#include "wasm/component.h"

typedef struct dw_component_limits {
  uint64_t fuel;
  uint32_t max_mb;     /* options.max_memory_mb */
  uint32_t max_pages;  /* max_mb * 16, at most 65535 */
  uint32_t caps;       /* DW_CAP_* granted; DW_CAP_COMPONENT_DEFAULT is added */
  uint64_t timeout_ns; /* wall-clock cap of one call (wasm.timeout_seconds) */
} dw_component_limits;

/* Check a component file at validation: parse it, find its core module,
 * check that module (parse, signatures of process / realloc / post-return /
 * memory / _initialize, imports against the preview1 subset and the granted
 * capabilities plus the components' defaults, initial memory against the
 * limit). rep is called once per problem with a complete message naming
 * module_name; returns the count. */
int dw_component_check(const uint8_t *b, size_t len, const char *module_name, const char *proc_id,
                       const dw_component_limits *lim, void (*rep)(void *ctx, const char *msg),
                       void *ctx);

/* The adapted core module (malloc'd) of a parsed component whose core
 * module passed the checks. NULL with a reason in err. */
uint8_t *dw_component_adapt(const dw_component *c, size_t *out_len, char *err, size_t errlen);

typedef struct dw_component_run dw_component_run;

/* Check, adapt, compile through the cache (cache_dir NULL: the default;
 * within deadline, NULL: none) and load. NULL with a message in err.
 * Shared by every thread. */
dw_component_run *dw_component_prepare(const uint8_t *b, size_t len, const char *proc_id,
                                       const char *module_name, const char *module_path,
                                       const dw_component_limits *lim, const char *cache_dir,
                                       const dw_compile_deadline *deadline, char *err,
                                       size_t errlen);

/* One call of process on call->input in a fresh instance: realloc + copy
 * in, process, the canonical-ABI checks, copy out, post-return. An err
 * result fails the call with "Component process() returned error: ..."; a
 * trap or an ABI violation with "Component instantiation/call failed: ...".
 * On success: the output and the PIPELINES section 6 metadata (artifact_type
 * "WIT Component"). Thread-safe. */
int dw_component_invoke(dw_component_run *r, dw_call *call);

void dw_component_run_free(dw_component_run *r);

/* For tests and reports. */
int dw_component_run_cached(const dw_component_run *r);

#endif
