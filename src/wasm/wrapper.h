/* wasm/wrapper: the C translation unit compiled around wasm2c's output. It
 * #includes the generated m.c and adds what the module needs from the host:
 * the inlined fuel hook and its cost table, forwarders for the imported
 * functions (WASI through the host's table), the wasm_rt_* functions wasm2c
 * calls (memory, tables, traps, exact function-type identities for
 * call_indirect) and the descriptor (guest.h) the host loads. Everything in
 * it comes from dagwood: the module's own names never reach it. */
#ifndef DW_WASM_WRAPPER_H
#define DW_WASM_WRAPPER_H

#include <stddef.h>
#include <stdint.h>

#include "wasm/encode.h"

/* The wrapper's C text for the canonical unit u (wasm/encode: its fuel cost
 * table, its exports), wasm2c's header text hdr (m.h) and the cache key the
 * descriptor carries. malloc'd, its length in *len; NULL with a reason in
 * err. */
char *dw_wasm_wrapper(const char *hdr, const char *key, const dw_wasm_unit *u, size_t *len,
                      char *err, size_t errlen);

#endif
