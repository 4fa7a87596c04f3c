/* wasm/wasi: the wasi_snapshot_preview1 subset dagwood offers modules, and
 * the capabilities that grant it. Capability names (options.capabilities):
 *
 *   stdout, stderr  fd_write to fd 1 / fd 2 (captured, see wasm.h)
 *   clock           clock_time_get, clock_res_get
 *   random          random_get
 *   args            args_sizes_get, args_get (always empty)
 *   environ         environ_sizes_get, environ_get (always empty)
 *   proc_exit       proc_exit (ends the call; reported as a failure)
 *
 * fd_close, fd_seek and fd_fdstat_get need no capability: they only report
 * (EBADF / ESPIPE, or a character device for a granted stdout/stderr, which
 * makes wasi-libc line-buffer its output). fd_write needs stdout or stderr.
 * Every other import is refused at validation. */
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

/* Called (through the guest API) from a module: fn indexes dw_wasi_fns,
 * args holds the parameters widened to 64 bits. Returns the WASI errno; sets
 * *trap to a trap code when the call must end (proc_exit). ctx is the
 * dw_rt_call of the running call. */
uint32_t dw_wasi_dispatch(void *ctx, uint32_t fn, const uint64_t *args, int *trap);

#endif
