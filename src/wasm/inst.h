/* wasm/inst: a long-lived instance of any valid core module, called export
 * by export — what the WebAssembly spec testsuite needs and a processor
 * never gets. It goes through exactly the path a processor's module takes
 * (dw_wasm_parse, the canonical re-encoding with fuel hooks, wasm2c + the C
 * compiler through the trusted cache, the runtime), except that every
 * function and global export is kept (renamed canonically) and reachable
 * through generated trampolines, and the module may import the functions of
 * the testsuite's "spectest" module (print, print_i32, print_i64, print_f32,
 * print_f64, print_i32_f32, print_f64_f64: they do nothing). Internal to
 * src/wasm/ and the tests; not part of the public API. */
#ifndef DW_WASM_INST_H
#define DW_WASM_INST_H

#include <stddef.h>
#include <stdint.h>

/* A WebAssembly value. type: 0x7f i32, 0x7e i64, 0x7d f32, 0x7c f64, 0x70
 * funcref, 0x6f externref. bits: i32 and f32 in the low 32 bits (f32/f64 as
 * their IEEE bit patterns); a reference is 0 when null, else an opaque
 * non-zero value (an externref is given back as it was passed in). */
typedef struct dw_wasm_val {
  uint8_t type;
  uint64_t bits;
} dw_wasm_val;

typedef struct dw_wasm_inst dw_wasm_inst;

/* Outcomes. */
enum {
  DW_INST_OK = 0,
  DW_INST_MALFORMED = -1,   /* dw_wasm_parse refused it as malformed or invalid */
  DW_INST_UNSUPPORTED = -2, /* a feature outside the accepted set, named in err */
  DW_INST_UNLINKABLE = -3,  /* an import dagwood cannot provide */
  DW_INST_TRAPPED = -4,     /* instantiation (data/elem segments, start) trapped */
  DW_INST_ERROR = -5        /* compile failure, no such export, bad arguments, no memory */
};

/* Validation alone: DW_INST_OK, DW_INST_MALFORMED or DW_INST_UNSUPPORTED,
 * with the reason in err. */
int dw_wasm_inst_validate(const uint8_t *b, size_t len, char *err, size_t errlen);

/* Validate, encode, compile (cache_dir NULL: the default cache) and
 * instantiate, running the start function if any, with `fuel` units for the
 * start function and for each later call (0: 100 000 000) and `max_pages`
 * pages of memory at most (0: 65535). *out is set on DW_INST_OK; otherwise
 * the outcome is returned with the reason in err, and *trap holds the trap
 * code (wasm/rt) for DW_INST_TRAPPED. */
int dw_wasm_inst_new(const uint8_t *b, size_t len, const char *cache_dir, uint64_t fuel,
                     uint32_t max_pages, dw_wasm_inst **out, int *trap, char *err, size_t errlen);

/* Call the exported function `name` (its name in the original module). The
 * arguments must match its parameter types. On return *nres results are in
 * res (at most maxres). Returns DW_INST_OK; a trap code > 0 (wasm/rt: out of
 * bounds, unreachable, call stack exhausted, fuel, ...) when the call
 * trapped, after which the instance stays usable as the spec requires; or
 * DW_INST_ERROR (no such function export, argument mismatch) with err. */
int dw_wasm_inst_call(dw_wasm_inst *in, const char *name, const dw_wasm_val *args, size_t nargs,
                      dw_wasm_val *res, size_t maxres, size_t *nres, char *err, size_t errlen);

/* The value of the exported global `name`: DW_INST_OK or DW_INST_ERROR. */
int dw_wasm_inst_global(dw_wasm_inst *in, const char *name, dw_wasm_val *out, char *err,
                        size_t errlen);

/* Compile statistics: did the last dw_wasm_inst_new find the object in the
 * cache? */
int dw_wasm_inst_cached(const dw_wasm_inst *in);

void dw_wasm_inst_free(dw_wasm_inst *in);

/* Text for a trap code ("out-of-bounds memory access", "call stack
 * exhausted", ...). */
const char *dw_wasm_inst_trap_text(int code);

#endif
