/* wasm/compile: turn a checked module into a loadable shared object, through
 * the content-addressed cache. Pipeline, each tool a child process with CPU,
 * memory and wall-clock limits (never in-process: binaryen exit()s on bad
 * input): strip custom sections -> wasm-opt --log-execution (fuel hooks) ->
 * wasm2c -> a generated wrapper (fuel hook, WASI forwarders, wasm_rt_*
 * forwarders, descriptor) #including wasm2c's C -> gcc -shared.
 *
 * Cache: <cache_dir>/wasm/<key>.so and <key>.sha256 where key = SHA-256 of
 * the module bytes, DW_RT_VERSION, DW_GUEST_ABI, the WASI table, the flags,
 * wasm-rt.h and the identity (path, size, mtime) of wasm-opt, wasm2c and the
 * C compiler. Written to a temporary name and renamed (sidecar first); an
 * flock on <key>.lock makes concurrent processes compile once; a cached
 * object is used only if its SHA-256 matches its sidecar (and, after
 * dlopen, its embedded key matches).
 *
 * Environment: DAGWOOD_WASM_CC picks the C compiler (default gcc; with gcc
 * the fuel counter lives in a register, clang cannot do that and is slower);
 * DAGWOOD_KEEP_WASM_BUILD=1 keeps the temporary build folder (debugging). */
#ifndef DW_WASM_COMPILE_H
#define DW_WASM_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dw_wasm_compiled {
  char so_path[4096];
  char key[65];
  bool from_cache;
  double seconds; /* compile time (0 when cached) */
} dw_wasm_compiled;

/* The cache folder: `given`, else $DAGWOOD_CACHE_DIR, $XDG_CACHE_HOME/dagwood,
 * $HOME/.cache/dagwood. Returns 0, or -1 when none can be determined. */
int dw_wasm_cache_dir(const char *given, char *out, size_t size);

/* Compile (or find) the module. Returns 0, or -1 with a reason in err. */
int dw_wasm_compile(const uint8_t *wasm, size_t len, const char *cache_dir, dw_wasm_compiled *out,
                    char *err, size_t errlen);

/* The cache's compiled modules: fn is called for each (may be NULL).
 * Returns how many, or -1 when the folder cannot be read. */
int dw_wasm_cache_list(const char *cache_dir,
                       void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                       void *user);
/* Remove every compiled module (and leftovers of interrupted compiles).
 * Returns how many modules were removed, or -1. Safe while other processes
 * run: they recompile what they need. */
int dw_wasm_cache_clear(const char *cache_dir);

/* Counters for tests: compilations actually run by this process. */
unsigned dw_wasm_compile_count(void);

#endif
