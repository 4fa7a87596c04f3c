/* wasm/parse: dagwood's own reader of a WebAssembly binary — just enough of
 * it to decide, before anything is compiled or run, whether a module may be
 * loaded: section framing and LEB128 bounds, types, imports, functions,
 * tables, memory, exports, and every instruction of every function body
 * (to refuse SIMD, threads, exceptions and other proposals wasm2c 1.0.32 or
 * the sandbox cannot handle). Component binaries are recognised and refused.
 * Nothing here allocates outside the arena it is given. */
#ifndef DW_WASM_PARSE_H
#define DW_WASM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

enum {
  DW_WASM_MAX_MODULE_BYTES = 16 << 20, /* SPEC section 1 */
  DW_WASM_MAX_PAGES = 65535,           /* never 65536: its byte size overflows u32 */
  DW_WASM_MAX_TABLE = 1 << 20,         /* elements, initial and maximum */
  DW_WASM_MAX_FUNCS = 1 << 20,
  DW_WASM_MAX_LOCALS = 50000, /* per function */
  DW_WASM_MAX_PARAMS = 1000
};

/* Value types as encoded in the binary. */
enum { DW_WT_I32 = 0x7f, DW_WT_I64 = 0x7e, DW_WT_F32 = 0x7d, DW_WT_F64 = 0x7c };

typedef struct dw_wasm_functype {
  uint32_t np, nr;
  const uint8_t *params, *results; /* point into the module bytes */
} dw_wasm_functype;

typedef struct dw_wasm_import {
  const char *module, *name; /* arena copies, NUL-terminated */
  uint8_t kind;              /* 0 func, 1 table, 2 memory, 3 global, 4 tag */
  uint32_t type;             /* func: type index */
} dw_wasm_import;

typedef struct dw_wasm_export {
  const char *name;
  uint8_t kind; /* 0 func, 1 table, 2 memory, 3 global */
  uint32_t index;
} dw_wasm_export;

typedef struct dw_wasm_info {
  uint32_t ntypes;
  dw_wasm_functype *types;
  uint32_t nimports;
  dw_wasm_import *imports;
  uint32_t nfuncs; /* imported + defined */
  uint32_t nfunc_imports;
  uint32_t *func_type; /* per function index: its type index */
  uint32_t nmemories;  /* defined memories (imports are refused) */
  uint32_t mem_initial, mem_max;
  bool mem_has_max;
  uint32_t nexports;
  dw_wasm_export *exports;
  bool has_start;
  uint32_t ncode;                /* function bodies */
  size_t code_off, code_len;     /* the code section's contents */
  const char *component_section; /* name of a custom section that marks a component core module */
} dw_wasm_info;

/* The kinds of binary dw_wasm_sniff tells apart. */
typedef enum {
  DW_WASM_NOT_WASM = 0,
  DW_WASM_CORE_MODULE = 1,
  DW_WASM_COMPONENT = 2,
  DW_WASM_UNKNOWN_VERSION = 3
} dw_wasm_kind;

dw_wasm_kind dw_wasm_sniff(const uint8_t *b, size_t len);

/* Parse and check a core module. Returns 0, or -1 with a one-line reason in
 * err (e.g. "section 10 (code) runs past the end of the file at byte 812"). */
int dw_wasm_parse(const uint8_t *b, size_t len, dw_arena *a, dw_wasm_info *out, char *err,
                  size_t errlen);

/* Look up an export by name (NULL if absent). */
const dw_wasm_export *dw_wasm_find_export(const dw_wasm_info *w, const char *name);
/* Does function index fi have exactly the signature (params)->(results)?
 * Types are given as strings of DW_WT_* bytes, e.g. "\x7f\x7f". */
bool dw_wasm_func_sig_is(const dw_wasm_info *w, uint32_t fi, const char *params,
                         const char *results);
/* The fuel cost of each hook site of a module instrumented by wasm-opt
 * --log-execution (which calls env.log_execution(site) at every function
 * entry, loop header and return): the number of instructions that follow the
 * site in the same block nesting, up to the next site — what one pass
 * through a loop body or function part executes, approximately. At least 1.
 * Returns 0 and a malloc'd array indexed by site, or -1. */
int dw_wasm_fuel_costs(const uint8_t *b, size_t len, uint32_t **costs, uint32_t *n);

/* "(i32, i32) -> i32" for messages. */
void dw_wasm_sig_text(const dw_wasm_functype *t, char *buf, size_t size);

#endif
