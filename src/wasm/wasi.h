/* wasm/wasi: the wasi_snapshot_preview1 subset dagwood offers modules, and
 * the capabilities that grant it. Capability names (options.capabilities):
 *
 *   stdout, stderr  fd_write to fd 1 / fd 2 (captured, see wasm.h)
 *   clock           clock_time_get, clock_res_get
 *   random          random_get
 *   args            args_sizes_get, args_get (none; a component: one,
 *                   "dagwood-component", as in the original)
 *   environ         environ_sizes_get, environ_get (always empty)
 *   proc_exit       proc_exit (ends the call; reported as a failure)
 *
 * fd_close, fd_seek and fd_fdstat_get need no capability: they only report
 * (EBADF / ESPIPE, or a character device for a granted stdout/stderr, which
 * makes wasi-libc line-buffer its output). fd_write needs stdout or stderr.
 * Components hold DW_CAP_COMPONENT_DEFAULT without asking. Every other
 * import is refused at validation: files, sockets and the rest of preview1
 * (dw_wasi_missing_kind says which). */
#ifndef DW_WASM_WASI_H
#define DW_WASM_WASI_H

#include <stddef.h>
#include <stdint.h>

enum {
  DW_CAP_STDOUT = 1 << 0,
  DW_CAP_STDERR = 1 << 1,
  DW_CAP_CLOCK = 1 << 2,
  DW_CAP_RANDOM = 1 << 3,
  DW_CAP_ARGS = 1 << 4,
  DW_CAP_ENVIRON = 1 << 5,
  DW_CAP_PROC_EXIT = 1 << 6
};

/* What a component holds without options.capabilities: what the original
 * project's default WASI context gave every component (stdout and stderr
 * captured, the clocks, random bytes, its one argument, proc_exit), so that
 * components built through the preview1 adapter (the usual Rust output) run
 * unchanged.
 * The environment (environ) still needs its capability; files and sockets
 * are not offered at all. C-style modules get nothing without a grant. */
#define DW_CAP_COMPONENT_DEFAULT \
  (DW_CAP_STDOUT | DW_CAP_STDERR | DW_CAP_CLOCK | DW_CAP_RANDOM | DW_CAP_ARGS | DW_CAP_PROC_EXIT)

#define DW_WASI_MODULE "wasi_snapshot_preview1"

typedef struct dw_wasi_fn {
  const char *name;
  const char *params; /* DW_WT_* bytes */
  const char *results;
  uint32_t caps_any; /* 0: no capability needed; else any one of these */
} dw_wasi_fn;

extern const dw_wasi_fn dw_wasi_fns[];
extern const size_t dw_wasi_nfns;
extern const char *const dw_cap_names[]; /* index i: capability 1 << i */
extern const size_t dw_cap_count;

/* Index into dw_wasi_fns, or -1. */
int dw_wasi_lookup(const char *name);
/* The capability bit for a name, or 0. */
uint32_t dw_cap_parse(const char *name);
/* "stdout, clock" for a set of bits (into buf); "" for none. */
void dw_cap_text(uint32_t caps, char *buf, size_t size);
/* A text listing the function's capabilities: "stdout or stderr". */
void dw_wasi_caps_text(const dw_wasi_fn *f, char *buf, size_t size);

/* For a wasi_snapshot_preview1 function dagwood does not provide: "file"
 * (fd_* beyond the subset, path_*), "network" (sock_*), "other" (another
 * preview1 function: poll_oneoff, sched_yield, proc_raise), or NULL when
 * preview1 has no function of that name. */
const char *dw_wasi_missing_kind(const char *name);

/* Called (through the guest API) from a module: fn indexes dw_wasi_fns,
 * args holds the parameters widened to 64 bits. Returns the WASI errno; sets
 * *trap to a trap code when the call must end (proc_exit). ctx is the
 * dw_rt_call of the running call. */
uint32_t dw_wasi_dispatch(void *ctx, uint32_t fn, const uint64_t *args, int *trap);

#endif
