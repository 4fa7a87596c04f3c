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

/* The limits against compile bombs, see validate.c for the measurements. */
enum {
  DW_WASM_MAX_NESTING = 20000, /* blocks open at once in one function */
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
