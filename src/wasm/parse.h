/* wasm/parse: dagwood's own reader and validator of a WebAssembly binary:
 * it decides, before anything is compiled or run, whether a module may be
 * loaded (the binary format and every validation rule of the specification
 * for WebAssembly 2.0 without SIMD; other proposals refused by name), and
 * gives the parsed model the canonical encoder (wasm/encode) writes from.
 * Component binaries are recognised and refused. Nothing here allocates
 * outside the arena it is given. */
#ifndef DW_WASM_PARSE_H
#define DW_WASM_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "util/arena.h"

enum {
  DW_WASM_MAX_MODULE_BYTES = 16 << 20, /* SPEC section 1 */
  DW_WASM_MAX_PAGES = 65535,           /* never 65536: its byte size overflows u32 */
  DW_WASM_MAX_TABLE = 1 << 20,         /* elements, initial and maximum */
  DW_WASM_MAX_FUNCS = 1 << 20,
  DW_WASM_MAX_LOCALS = 50000, /* declared per function (see wasm/validate.c) */
  DW_WASM_MAX_PARAMS = 1000,
  /* Function types: real modules have tens to a few hundred (the 13 MB
   * SpiderMonkey embeddings 55-174); wasm2c's time grows with their square
   * (65 600 types: 12 s) and each is a line of C. */
  DW_WASM_MAX_TYPES = 10000
};

/* Value types as encoded in the binary. */
enum { DW_WT_I32 = 0x7f, DW_WT_I64 = 0x7e, DW_WT_F32 = 0x7d, DW_WT_F64 = 0x7c };

typedef struct dw_wasm_functype {
  uint32_t np, nr;
  const uint8_t *params, *results; /* point into the module bytes */
} dw_wasm_functype;

typedef struct dw_wasm_import {
  const char *module,
      *name; /* arena copies, NUL-terminated (a name may hold NULs: see the lengths) */
  uint32_t module_len, name_len;
  uint8_t kind;  /* 0 func, 1 table, 2 memory, 3 global, 4 tag */
  uint32_t type; /* func: type index; table: its index; global: its index */
} dw_wasm_import;

typedef struct dw_wasm_export {
  const char *name; /* NUL-terminated; name_len bytes (a valid name may hold a NUL) */
  uint32_t name_len;
  uint8_t kind; /* 0 func, 1 table, 2 memory, 3 global */
  uint32_t index;
} dw_wasm_export;

typedef struct dw_wasm_limits {
  uint32_t min, max;
  bool has_max;
} dw_wasm_limits;

/* A constant expression: its bytes in the module, through its final end. */
typedef struct dw_wasm_expr {
  size_t off, len;
} dw_wasm_expr;

typedef struct dw_wasm_table {
  uint8_t type; /* 0x70 funcref, 0x6f externref */
  dw_wasm_limits lim;
  bool imported;
} dw_wasm_table;

typedef struct dw_wasm_global {
  uint8_t type;
  bool mut;
  bool imported;     /* then init is empty */
  dw_wasm_expr init; /* a defined global's initialiser */
} dw_wasm_global;

/* Segment modes. */
enum { DW_SEG_ACTIVE = 0, DW_SEG_PASSIVE = 1, DW_SEG_DECLARATIVE = 2 };

typedef struct dw_wasm_elem {
  uint8_t mode;        /* DW_SEG_* */
  uint32_t table;      /* active: the table */
  dw_wasm_expr offset; /* active: the offset expression */
  uint8_t type;        /* 0x70 / 0x6f */
  uint32_t n;          /* items */
  bool exprs;          /* items are expressions (else function indices) */
  uint32_t *funcs;     /* !exprs: the function indices (arena) */
  dw_wasm_expr *items; /* exprs: each item's expression (arena) */
} dw_wasm_elem;

typedef struct dw_wasm_data {
  uint8_t mode;        /* DW_SEG_ACTIVE or DW_SEG_PASSIVE */
  dw_wasm_expr offset; /* active: the offset expression (memory 0) */
  size_t off;          /* the bytes */
  uint32_t len;
} dw_wasm_data;

/* A function body: off/len cover it after its size (local groups, then the
 * instructions); code_off is its first instruction, nlocals the number of
 * locals it declares (parameters not included). */
typedef struct dw_wasm_body {
  size_t off, len, code_off;
  uint32_t nlocals;
} dw_wasm_body;

/* The parsed module. Index spaces include imports first, as in the binary:
 * func_type, tables and globals are indexed by function, table and global
 * index. Everything points into the module bytes or the arena. */
typedef struct dw_wasm_info {
  uint32_t ntypes;
  dw_wasm_functype *types;
  uint32_t nimports;
  dw_wasm_import *imports;
  uint32_t nfuncs; /* imported + defined */
  uint32_t nfunc_imports;
  uint32_t *func_type; /* per function index: its type index */
  uint32_t ntables;    /* imported + defined */
  dw_wasm_table *tables;
  uint32_t nmemories; /* imported + defined: 0 or 1 */
  bool mem_imported;
  uint32_t mem_initial, mem_max;
  bool mem_has_max;
  uint32_t nglobals; /* imported + defined */
  uint32_t nglobal_imports;
  dw_wasm_global *globals;
  uint32_t nexports;
  dw_wasm_export *exports;
  bool has_start;
  uint32_t start;
  uint32_t nelems;
  dw_wasm_elem *elems;
  bool has_datacount;
  uint32_t datacount;
  uint32_t ndatas;
  dw_wasm_data *datas;
  uint32_t ncode; /* function bodies: nfuncs - nfunc_imports */
  dw_wasm_body *bodies;
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

/* Parse and validate a core module: the binary format and every validation
 * rule of the WebAssembly specification for the accepted features (types of
 * every instruction, indices, constant expressions, segments, limits).
 * Returns 0; DW_WASM_UNSUPPORTED when the module uses a feature outside the
 * accepted set (SIMD, threads, exceptions, tail calls, memory64, multiple
 * memories, typed function references, GC...), named in err; or -1 when it
 * is malformed or invalid, with a one-line reason in err (e.g. "section 10
 * (code) runs past the end of the file at byte 812", "function 3 at byte
 * 0x1a2: i32.add expects [i32 i32] but the stack holds [i64 i32]"). */
enum { DW_WASM_UNSUPPORTED = -2 };
int dw_wasm_parse(const uint8_t *b, size_t len, dw_arena *a, dw_wasm_info *out, char *err,
                  size_t errlen);

/* Are the import's names free of NUL bytes (valid in WebAssembly, but then
 * not the name a C string of the same text stands for)? */
static inline bool dw_wasm_import_plain(const dw_wasm_import *im) {
  return strlen(im->module) == im->module_len && strlen(im->name) == im->name_len;
}

/* Look up an export by name (NULL if absent). */
const dw_wasm_export *dw_wasm_find_export(const dw_wasm_info *w, const char *name);
/* Does function index fi have exactly the signature (params)->(results)?
 * Types are given as strings of DW_WT_* bytes, e.g. "\x7f\x7f". */
bool dw_wasm_func_sig_is(const dw_wasm_info *w, uint32_t fi, const char *params,
                         const char *results);
/* "(i32, i32) -> i32" for messages. */
void dw_wasm_sig_text(const dw_wasm_functype *t, char *buf, size_t size);

#endif
