/* wasm/guest: the binary interface between dagwood's runtime (rt.c) and a
 * compiled module (.so). The module imports nothing from the process: the
 * host hands it a table of functions (dw_guest_api) when it is loaded, and
 * the module exports one descriptor (dw_guest_desc). This keeps modules
 * loadable with RTLD_LOCAL from any embedding, with or without -rdynamic.
 *
 * The same definitions are pasted, as text, into the C wrapper that is
 * compiled around wasm2c's output (compile.c stringifies DW_GUEST_DEFS), so
 * there is one source for both sides. Bump DW_GUEST_ABI when it changes. */
#ifndef DW_WASM_GUEST_H
#define DW_WASM_GUEST_H

#include <stddef.h>
#include <stdint.h>

#include <wasm-rt.h>

#define DW_GUEST_ABI 5

/* Per-call state seen by the module: only the fuel counter is read by
 * compiled code (the fuel hook inlined at every function entry, loop header
 * and return). The rest of the host's call state follows it. */
#define DW_GUEST_DEFS                                                                    \
  typedef struct dw_guest_api {                                                          \
    uint32_t abi;                                                                        \
    void (*trap)(int code);                                                              \
    void (*fuel_out)(void *ctx);                                                         \
    int64_t (*refuel)(int64_t fuel);                                                     \
    void (*allocate_memory)(wasm_rt_memory_t * m, uint32_t initial, uint32_t max);       \
    uint32_t (*grow_memory)(wasm_rt_memory_t * m, uint32_t delta);                       \
    void (*free_memory)(wasm_rt_memory_t * m);                                           \
    void *(*table_alloc)(uint32_t n, uint32_t elem_size);                                \
    void *(*table_grow)(void *data, uint32_t old_n, uint32_t new_n, uint32_t elem_size); \
    void (*table_free)(void *data);                                                      \
    uint32_t (*wasi)(void *ctx, uint32_t fn, const uint64_t *args);                      \
  } dw_guest_api;                                                                        \
  typedef struct dw_guest_desc {                                                         \
    uint32_t abi;                                                                        \
    const char *key;                                                                     \
    size_t instance_size;                                                                \
    void (*bind)(const dw_guest_api *api);                                               \
    void (*instantiate)(void *inst, void *ctx);                                          \
    void (*free)(void *inst);                                                            \
    wasm_rt_memory_t *(*memory)(void *inst);                                             \
    uint32_t (*allocate)(void *inst, uint32_t n);                                        \
    uint32_t (*process)(void *inst, uint32_t in, uint32_t len, uint32_t out_len_ptr);    \
    void (*initialize)(void *inst);                                                      \
    uint32_t nexports; /* testing only: every export, through trampolines */             \
    void (*const *exports)(void *inst, uint64_t *io);                                    \
  } dw_guest_desc;

DW_GUEST_DEFS

/* Trap codes beyond wasm_rt_trap_t. */
enum {
  DW_TRAP_FUEL = 100,
  DW_TRAP_TIMEOUT,
  DW_TRAP_CANCEL,
  DW_TRAP_MEMLIMIT, /* initial memory over the processor's limit */
  DW_TRAP_NOMEM,    /* the host could not reserve memory or a table */
  DW_TRAP_EXIT,     /* proc_exit */
  DW_TRAP_CRASH     /* a fault in guest code that is neither memory nor stack */
};

#endif
