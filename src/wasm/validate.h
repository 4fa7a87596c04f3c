/* wasm/validate: the validation algorithm of the WebAssembly specification
 * for function bodies and constant expressions, over the instructions
 * wasm/instr decodes: an operand stack whose entries may be "unknown" (after
 * unreachable code), control frames with their unreachable flag, label types
 * (a loop's parameters, a block's results), multi-value block types by type
 * index. wasm/parse reads the sections into the model (parse.h) and calls
 * these for every constant expression and every body, in one pass. Internal
 * to src/wasm/. */
#ifndef DW_WASM_VALIDATE_H
#define DW_WASM_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "wasm/cursor.h"
#include "wasm/parse.h"

/* The limits against compile bombs (dagwood's own; a module past one is
 * refused with -1). Measured with wasm2c 1.0.32 and gcc 12 -O2 on the
 * development machine (8 MiB stack):
 *  - nesting: wasm2c recurses once per open block, if or loop; it
 *    overflows its stack (SIGSEGV) between 18 000 and 19 000 nested blocks
 *    (at 20 000, 50 000 and 99 999 too). LLVM nests one block per case of a
 *    switch: 10 000 such cases with their br_table take wasm2c 0.3 s and
 *    gcc 4.6 s (465 MB); 16 000 take gcc 12.5 s (1.1 GB). 10 000 leaves
 *    wasm2c half its stack.
 *  - C indentation: wasm2c indents the C of an if or loop by its depth, so
 *    nested ifs cost quadratic C (4 MB of C at depth 1 000, 100 MB at
 *    5 000, 400 MB at 10 000 for a 50 KB function). The budget counts
 *    2 bytes per instruction per enclosing if/else/loop across the module;
 *    ordinary code (depth under 20) stays far below it, and it keeps the C
 *    under the compiler's 1 GiB file limit (wasm/compile).
 *  - br_table: gcc takes 2.2 s on one of 65 536 targets, 9 s on 100 000,
 *    263 s on 1 000 000 (wasm2c: 1.5 s, 30 MB of C). Jump tables of real
 *    switches have a few thousand entries at most.
 *  - locals: DW_WASM_MAX_LOCALS (parse.h), 50 000 declared per function
 *    (50 000 unused locals: gcc 0.3 s; used, gcc took 90 s beyond that).
 *  - function size: no cap of its own; 1 000 000 instructions (3 MB) of
 *    straight-line code take gcc 46 s, 200 000 take 4 s: the compiler's
 *    CPU limit (wasm/compile) bounds the rest. */
enum {
  DW_WASM_MAX_NESTING = 10000,            /* blocks, ifs and loops open at once in one function */
  DW_WASM_MAX_BR_TABLE = 65536,           /* targets of one br_table, the default included */
  DW_WASM_MAX_INDENT = 256 * 1024 * 1024, /* estimated C indentation bytes per module */
  /* label types a module's br_tables check against the stack: each distinct
   * target once per br_table, so ordinary code checks a few per table; a
   * crafted module (thousands of targets of 1 000 results each, again and
   * again) took 1.7 s for 4e9 before this bound */
  DW_WASM_MAX_BR_WORK = 64 * 1024 * 1024
};

typedef struct dw_vframe dw_vframe;

/* The validator's state for one module: the module read so far and the
 * scratch space of the body being checked (all in the arena). */
typedef struct dw_vctx {
  dw_cur *c;
  dw_arena *a;
  dw_wasm_info *w;
  uint8_t *refs;     /* bit per function: declared for ref.func (C.refs) */
  uint32_t gdefined; /* globals whose initialiser has been read (imports included) */
  uint8_t *vals;     /* the operand stack (value type bytes, 0 unknown) */
  uint32_t nvals, capvals;
  dw_vframe *frames;
  uint32_t nframes, capframes;
  uint8_t *locals; /* the types of the current function's locals, params first */
  uint32_t nlocals, caplocals;
  uint32_t *labels; /* br_table labels */
  uint32_t caplabels;
  uint32_t serial; /* of the br_table being checked */
  uint32_t func;   /* the function being checked, for messages */
  uint32_t cdepth; /* if/else/loop frames open (wasm2c indents their C) */
  uint64_t indent; /* the module's estimated C indentation so far */
  uint64_t brwork; /* label types br_tables have checked so far */
} dw_vctx;

/* Declare function f in C.refs (an element segment, an export or a global
 * initialiser names it). f < w->nfuncs. 0, or -1 when out of memory. */
int dw_validate_declare(dw_vctx *v, uint32_t f);

/* The constant expression at c->pos, which must produce one value of type
 * `type`; `what` names it in messages ("the initialiser of global 3"). Its
 * bytes through the final end go to *out. global.get may name an imported
 * immutable global; an immutable global defined before v->gdefined is Wasm
 * 3.0 (refused as unsupported, as are the extended constant expressions of
 * i32/i64 add, sub, mul). ref.func declares its function. 0 or -1 (with
 * c->unsupported for the Wasm 3.0 forms). */
int dw_validate_const(dw_vctx *v, uint8_t type, const char *what, dw_wasm_expr *out);

/* The body of function `func` (c->pos at its first instruction, c->end at
 * the end of the body); b->nlocals and the locals (v->locals, v->nlocals)
 * are set. 0 or -1. */
int dw_validate_body(dw_vctx *v, uint32_t func, const dw_wasm_body *b);

/* "i32", "funcref"... for messages. */
const char *dw_valtype_name(uint8_t t);

#endif
