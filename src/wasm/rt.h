/* wasm/rt: dagwood's runtime for wasm2c-compiled modules (instead of wabt's
 * wasm-rt-impl.c, whose global trap state, partial unmapping, abort() and
 * catch-every-fault handler are unfit for a multi-threaded host). It holds:
 * thread-local trap state with a per-thread signal alt-stack; fault and trap
 * handling that only ever jumps while the thread runs guest code; pooled
 * 8 GiB memory reservations capped per call; fuel accounting in slices, at
 * whose end the call's deadline and cancel flag are checked (the safe point
 * where a timeout or a cancel stops the guest). wasm.c drives one call
 * through dw_rt_call_*. */
#ifndef DW_WASM_RT_H
#define DW_WASM_RT_H

#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "wasm/guest.h"

#define DW_RT_VERSION "dagwood-rt-11"

/* ThreadSanitizer cannot follow a longjmp out of a signal handler. Under it,
 * modules are compiled with explicit bounds checks and a call-depth limit
 * instead of guard pages and the fault handler. */
#if defined(__SANITIZE_THREAD__)
#define DW_RT_BOUNDS_CHECKED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DW_RT_BOUNDS_CHECKED 1
#endif
#endif
#ifndef DW_RT_BOUNDS_CHECKED
#define DW_RT_BOUNDS_CHECKED 0
#endif

/* Capture of a module's stdout/stderr during one call. */
enum { DW_RT_LOG_CAP = 64 * 1024 };

/* One call's state. `fuel` must stay the first member: compiled modules see
 * this struct as their `env` instance and decrement it in the fuel hook. */
typedef struct dw_rt_call {
  int64_t fuel;        /* units left in the current slice */
  uint32_t depth;      /* call depth, in bounds-checked builds (below) */
  uint64_t fuel_left;  /* budget not yet handed to a slice */
  uint64_t fuel_total; /* the call's budget */
  const atomic_int *cancel;
  uint64_t deadline_ns;  /* CLOCK_MONOTONIC, 0: none */
  uint64_t timeout_ns;   /* the call's own wall-clock cap (wasm.timeout_seconds), 0: none */
  bool own_deadline;     /* deadline_ns is that cap, not the executor's timeout */
  uint32_t max_pages;    /* memory cap for this call */
  uint32_t caps;         /* granted capabilities (DW_CAP_*) */
  wasm_rt_memory_t *mem; /* the instance's memory, once allocated */
  struct dw_rt_res *res;
  uint32_t need_pages; /* DW_TRAP_MEMLIMIT: what the module asked for */
  bool grow_refused;   /* memory.grow hit max_pages (the processor's limit) */
  int exit_code;       /* DW_TRAP_EXIT */
  const char *argv0;   /* WASI args: [argv0] when set, else none */
  char *log[2];        /* captured stdout / stderr (malloc'd, capped) */
  size_t log_len[2];
  bool log_truncated[2];
} dw_rt_call;

/* Prepare the calling thread (alt-stack, handlers); 0 or -1 (no memory). */
int dw_rt_thread_init(void);
/* Reinstall the fault handlers if something replaced them (called
 * at prepare; a test framework or library may have swapped them). */
void dw_rt_ensure_handlers(void);
/* The API table handed to every module. */
const dw_guest_api *dw_rt_api(void);

/* Start a call on this thread (after dw_rt_thread_init): sets up the fuel
 * slices. */
void dw_rt_call_begin(dw_rt_call *c);
/* Run fn(arg) as guest code on this thread: returns 0, or the trap code
 * (a wasm_rt_trap_t or DW_TRAP_*) that ended it. `c` is the call state. */
int dw_rt_run(dw_rt_call *c, void (*fn)(void *arg), void *arg);
/* Detach the call from this thread and keep what it holds (a long-lived
 * instance, wasm/inst, calls dw_rt_call_begin again before its next step). */
void dw_rt_call_leave(dw_rt_call *c);
/* Release what the call still holds (memory reservation, logs). */
void dw_rt_call_done(dw_rt_call *c);
/* Text for a trap code. */
const char *dw_rt_trap_text(int code);

/* Monotonic clock in ns. */
uint64_t dw_rt_now_ns(void);

/* For tests: reservations currently mapped (in use + pooled). */
unsigned dw_rt_reservations(void);

#endif
