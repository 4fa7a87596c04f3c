/* wasm/instr: the one decoder of WebAssembly instructions. Every reader of
 * function bodies and constant expressions goes through dw_instr_next: the
 * validator (wasm/validate), the canonical encoder (wasm/encode). It knows
 * the immediates of every opcode of the accepted feature set (MVP,
 * sign-extension, non-trapping float-to-int, multi-value, bulk memory,
 * reference types) and refuses every other proposal by name. Internal to
 * src/wasm/. */
#ifndef DW_WASM_INSTR_H
#define DW_WASM_INSTR_H

#include <stddef.h>
#include <stdint.h>

#include "wasm/cursor.h"

/* A prefixed opcode is (prefix << 8) | sub-opcode: 0xfc08 memory.init. */
enum {
  DW_OP_UNREACHABLE = 0x00,
  DW_OP_NOP = 0x01,
  DW_OP_BLOCK = 0x02,
  DW_OP_LOOP = 0x03,
  DW_OP_IF = 0x04,
  DW_OP_ELSE = 0x05,
  DW_OP_END = 0x0b,
  DW_OP_BR = 0x0c,
  DW_OP_BR_IF = 0x0d,
  DW_OP_BR_TABLE = 0x0e,
  DW_OP_RETURN = 0x0f,
  DW_OP_CALL = 0x10,
  DW_OP_CALL_INDIRECT = 0x11,
  DW_OP_DROP = 0x1a,
  DW_OP_SELECT = 0x1b,
  DW_OP_SELECT_T = 0x1c,
  DW_OP_LOCAL_GET = 0x20,
  DW_OP_LOCAL_SET = 0x21,
  DW_OP_LOCAL_TEE = 0x22,
  DW_OP_GLOBAL_GET = 0x23,
  DW_OP_GLOBAL_SET = 0x24,
  DW_OP_TABLE_GET = 0x25,
  DW_OP_TABLE_SET = 0x26,
  DW_OP_I32_LOAD = 0x28, /* loads and stores: 0x28 .. 0x3e, memarg */
  DW_OP_I64_STORE32 = 0x3e,
  DW_OP_MEMORY_SIZE = 0x3f,
  DW_OP_MEMORY_GROW = 0x40,
  DW_OP_I32_CONST = 0x41,
  DW_OP_I64_CONST = 0x42,
  DW_OP_F32_CONST = 0x43,
  DW_OP_F64_CONST = 0x44,
  /* 0x45 .. 0xc4: numeric, no immediates */
  DW_OP_REF_NULL = 0xd0,
  DW_OP_REF_IS_NULL = 0xd1,
  DW_OP_REF_FUNC = 0xd2,
  DW_OP_MEMORY_INIT = 0xfc08,
  DW_OP_DATA_DROP = 0xfc09,
  DW_OP_MEMORY_COPY = 0xfc0a,
  DW_OP_MEMORY_FILL = 0xfc0b,
  DW_OP_TABLE_INIT = 0xfc0c,
  DW_OP_ELEM_DROP = 0xfc0d,
  DW_OP_TABLE_COPY = 0xfc0e,
  DW_OP_TABLE_GROW = 0xfc0f,
  DW_OP_TABLE_SIZE = 0xfc10,
  DW_OP_TABLE_FILL = 0xfc11
  /* 0xfc00 .. 0xfc07: the saturating float-to-int conversions */
};

/* Block types as their s33 value: DW_BT_EMPTY (0x40), a value type's
 * negative code (0x7f i32 is -1, 0x7e -2, 0x7d -3, 0x7c -4, 0x70 funcref
 * -16, 0x6f externref -17), or a type index >= 0. */
enum { DW_BT_EMPTY = -64 };

typedef struct dw_instr {
  uint32_t op; /* DW_OP_* (prefixed ones as above) */
  size_t at;   /* offset of its first byte in the module */
  /* Immediates, by opcode:
   *   br, br_if: x = label depth; br_table: n labels + default, see below
   *   call: x = function; call_indirect: x = type, y = table
   *   local.*: x = local; global.*: x = global; table.get/set/grow/size/fill: x = table
   *   loads, stores: x = alignment exponent, y = offset
   *   memory.init: x = data; data.drop: x = data
   *   table.init: x = elem, y = table; elem.drop: x = elem; table.copy: x = dst, y = src
   *   ref.func: x = function; ref.null, select t: t = value type
   *   i32.const: k = the value sign-extended to 64 bits; i64.const: k = the value;
   *   f32.const / f64.const: k = the bit pattern
   *   block, loop, if: bt */
  uint32_t x, y;
  uint64_t k;
  int64_t bt;
  uint8_t t;
  /* br_table: n = number of labels before the default; labels = offset of the
   * first label's LEB128 in the module (read them with dw_instr_labels). */
  uint32_t n;
  size_t labels;
} dw_instr;

/* Decode the instruction at c->pos and advance past it. 0, or -1 with the
 * reason in c (malformed immediates, an unknown opcode, or an instruction of
 * a proposal dagwood does not accept, named: "SIMD instructions are not
 * supported (byte N)"). A refusal of an unsupported feature also sets
 * *unsupported (when not NULL) so callers can tell it from malformed bytes. */
int dw_instr_next(dw_cur *c, dw_instr *in, int *unsupported);

/* The n + 1 labels of a br_table that dw_instr_next accepted (the default
 * last) into out[0 .. n]. */
void dw_instr_labels(const uint8_t *module, size_t module_len, const dw_instr *in, uint32_t *out);

/* The instruction's name ("i32.add", "memory.fill") for messages. */
const char *dw_instr_name(uint32_t op);

#endif
