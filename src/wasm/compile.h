/* wasm/compile: turn a checked module into a loadable shared object through
 * the trusted cache (wasm/cache). What is compiled: the canonical module
 * (wasm/encode: re-encoded from the parsed form, fuel hooks included, no
 * name the guest chose) -> wasm2c -> a generated wrapper (wasm/wrapper: the
 * hooks, WASI forwarders, wasm_rt_* functions, descriptor) #including
 * wasm2c's C -> the C compiler -shared. Each tool runs as a confined child
 * of a supervisor in a private build folder (wasm/spawn): CPU time, memory,
 * file size, process count and wall-clock limits, killed with its process
 * group when dagwood stops, never in-process.
 *
 * Cache: <cache>/wasm/<key>.so, its SHA-256 in <key>.sha256, where key =
 * SHA-256 of the canonical module bytes and export mode, DW_RT_VERSION,
 * DW_GUEST_ABI, the WASI table, the flags, wasm-rt.h, and the identity
 * (path, real path, device, inode, size, mtime) and version output
 * (--version, -dumpmachine) of the C compiler and wasm2c. A compile publishes by rename (checksum
 * first); a flock on <key>.lock makes concurrent compiles of one module
 * happen once. A hit is verified (checksum) through the descriptor the
 * caller then loads (dw_guest_load: dlopen of /proc/self/fd/N), never by
 * path. A compile that fails whatever the caller's deadline (a tool crash,
 * a tool error, a CPU/memory/file-size limit) is remembered in <key>.fail
 * with its message, for as long as the limits stay the same: the next try
 * fails at once with that message (dagwood cache clear forgets it).
 *
 * Environment: DAGWOOD_WASM_CC picks the C compiler (default gcc; with gcc
 * the fuel counter lives in a register, clang cannot do that and is
 * slower); DAGWOOD_WASM_CPU_SECONDS sets the CPU limit of each step
 * (default 120; tests lower it); DAGWOOD_KEEP_WASM_BUILD=1 keeps the build
 * folder (debugging). */
#ifndef DW_WASM_COMPILE_H
#define DW_WASM_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wasm/encode.h"

typedef struct dw_wasm_compiled {
  char so_path[4096]; /* where the object is cached, for messages */
  char key[65];
  /* the verified object, open: dw_guest_load loads it through this very
   * descriptor and closes it; -1 when none (dw_wasm_compiled_close) */
  int fd;
  bool from_cache;
  double seconds; /* compile time (0 when cached) */
} dw_wasm_compiled;

/* A compile's share of the processor's timeout (executor_options or the
 * processor's timeout_seconds): it must end by at_ns. */
typedef struct dw_compile_deadline {
  uint64_t at_ns;   /* CLOCK_MONOTONIC (dw_rt_now_ns); 0: none */
  double timeout_s; /* the timeout it stands for, named in the message */
} dw_compile_deadline;

/* The cache folder: `given`, else $DAGWOOD_CACHE_DIR, $XDG_CACHE_HOME/dagwood,
 * $HOME/.cache/dagwood. Returns 0, or -1 when none can be determined. */
int dw_wasm_cache_dir(const char *given, char *out, size_t size);

/* Compile (or find) the canonical module u, within deadline (NULL: none). Returns 0
 * with out->fd open, or -1 with a reason in err (a compile past the
 * deadline: "compile did not finish within the processor's timeout of N
 * s"). */
int dw_wasm_compile(const dw_wasm_unit *u, const char *cache_dir,
                    const dw_compile_deadline *deadline, dw_wasm_compiled *out, char *err,
                    size_t errlen);
/* Close out->fd if open (when the object is not loaded after all). */
void dw_wasm_compiled_close(dw_wasm_compiled *c);

/* 0 when the cache folder passes the trust checks or does not exist yet;
 * -1 with the reason. */
int dw_wasm_cache_check(const char *cache_dir, char *err, size_t errlen);

/* The cache's compiled modules: fn is called for each <key>.so and each
 * remembered failure <key>.fail (may be NULL). Returns how many compiled
 * modules, or -1 when the folder cannot be read or fails the checks. */
int dw_wasm_cache_list(const char *cache_dir,
                       void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                       void *user);
/* Remove every compiled module, remembered failure and lock, and build
 * folders left by killed processes. Returns how many modules were removed,
 * or -1. Safe while other processes run: they recompile what they need. */
int dw_wasm_cache_clear(const char *cache_dir);

/* Counters for tests: compilations actually run by this process. */
unsigned dw_wasm_compile_count(void);

#endif
