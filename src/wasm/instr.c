/* wasm/instr: see instr.h. One switch over the first opcode byte; the
 * immediates are read with the width-limited readers of wasm/cursor. Opcodes
 * of proposals outside the accepted set are named in the refusal and flagged
 * through *unsupported; opcodes no version of WebAssembly defines are
 * "unknown instruction". */
#include "wasm/instr.h"

#include <stdbool.h>

/* -------------------------------------------------------------- names */

static const char *const names[256] = {
    [0x00] = "unreachable",
    [0x01] = "nop",
    [0x02] = "block",
    [0x03] = "loop",
    [0x04] = "if",
    [0x05] = "else",
    [0x0b] = "end",
    [0x0c] = "br",
    [0x0d] = "br_if",
    [0x0e] = "br_table",
    [0x0f] = "return",
    [0x10] = "call",
    [0x11] = "call_indirect",
    [0x1a] = "drop",
    [0x1b] = "select",
    [0x1c] = "select",
    [0x20] = "local.get",
    [0x21] = "local.set",
    [0x22] = "local.tee",
    [0x23] = "global.get",
    [0x24] = "global.set",
    [0x25] = "table.get",
    [0x26] = "table.set",
    [0x28] = "i32.load",
    [0x29] = "i64.load",
    [0x2a] = "f32.load",
    [0x2b] = "f64.load",
    [0x2c] = "i32.load8_s",
    [0x2d] = "i32.load8_u",
    [0x2e] = "i32.load16_s",
    [0x2f] = "i32.load16_u",
    [0x30] = "i64.load8_s",
    [0x31] = "i64.load8_u",
    [0x32] = "i64.load16_s",
    [0x33] = "i64.load16_u",
    [0x34] = "i64.load32_s",
    [0x35] = "i64.load32_u",
    [0x36] = "i32.store",
    [0x37] = "i64.store",
    [0x38] = "f32.store",
    [0x39] = "f64.store",
    [0x3a] = "i32.store8",
    [0x3b] = "i32.store16",
    [0x3c] = "i64.store8",
    [0x3d] = "i64.store16",
    [0x3e] = "i64.store32",
    [0x3f] = "memory.size",
    [0x40] = "memory.grow",
    [0x41] = "i32.const",
    [0x42] = "i64.const",
    [0x43] = "f32.const",
    [0x44] = "f64.const",
    [0x45] = "i32.eqz",
    [0x46] = "i32.eq",
    [0x47] = "i32.ne",
    [0x48] = "i32.lt_s",
    [0x49] = "i32.lt_u",
    [0x4a] = "i32.gt_s",
    [0x4b] = "i32.gt_u",
    [0x4c] = "i32.le_s",
    [0x4d] = "i32.le_u",
    [0x4e] = "i32.ge_s",
    [0x4f] = "i32.ge_u",
    [0x50] = "i64.eqz",
    [0x51] = "i64.eq",
    [0x52] = "i64.ne",
    [0x53] = "i64.lt_s",
    [0x54] = "i64.lt_u",
    [0x55] = "i64.gt_s",
    [0x56] = "i64.gt_u",
    [0x57] = "i64.le_s",
    [0x58] = "i64.le_u",
    [0x59] = "i64.ge_s",
    [0x5a] = "i64.ge_u",
    [0x5b] = "f32.eq",
    [0x5c] = "f32.ne",
    [0x5d] = "f32.lt",
    [0x5e] = "f32.gt",
    [0x5f] = "f32.le",
    [0x60] = "f32.ge",
    [0x61] = "f64.eq",
    [0x62] = "f64.ne",
    [0x63] = "f64.lt",
    [0x64] = "f64.gt",
    [0x65] = "f64.le",
    [0x66] = "f64.ge",
    [0x67] = "i32.clz",
    [0x68] = "i32.ctz",
    [0x69] = "i32.popcnt",
    [0x6a] = "i32.add",
    [0x6b] = "i32.sub",
    [0x6c] = "i32.mul",
    [0x6d] = "i32.div_s",
    [0x6e] = "i32.div_u",
    [0x6f] = "i32.rem_s",
    [0x70] = "i32.rem_u",
    [0x71] = "i32.and",
    [0x72] = "i32.or",
    [0x73] = "i32.xor",
    [0x74] = "i32.shl",
    [0x75] = "i32.shr_s",
    [0x76] = "i32.shr_u",
    [0x77] = "i32.rotl",
    [0x78] = "i32.rotr",
    [0x79] = "i64.clz",
    [0x7a] = "i64.ctz",
    [0x7b] = "i64.popcnt",
    [0x7c] = "i64.add",
    [0x7d] = "i64.sub",
    [0x7e] = "i64.mul",
    [0x7f] = "i64.div_s",
    [0x80] = "i64.div_u",
    [0x81] = "i64.rem_s",
    [0x82] = "i64.rem_u",
    [0x83] = "i64.and",
    [0x84] = "i64.or",
    [0x85] = "i64.xor",
    [0x86] = "i64.shl",
    [0x87] = "i64.shr_s",
    [0x88] = "i64.shr_u",
    [0x89] = "i64.rotl",
    [0x8a] = "i64.rotr",
    [0x8b] = "f32.abs",
    [0x8c] = "f32.neg",
    [0x8d] = "f32.ceil",
    [0x8e] = "f32.floor",
    [0x8f] = "f32.trunc",
    [0x90] = "f32.nearest",
    [0x91] = "f32.sqrt",
    [0x92] = "f32.add",
    [0x93] = "f32.sub",
    [0x94] = "f32.mul",
    [0x95] = "f32.div",
    [0x96] = "f32.min",
    [0x97] = "f32.max",
    [0x98] = "f32.copysign",
    [0x99] = "f64.abs",
    [0x9a] = "f64.neg",
    [0x9b] = "f64.ceil",
    [0x9c] = "f64.floor",
    [0x9d] = "f64.trunc",
    [0x9e] = "f64.nearest",
    [0x9f] = "f64.sqrt",
    [0xa0] = "f64.add",
    [0xa1] = "f64.sub",
    [0xa2] = "f64.mul",
    [0xa3] = "f64.div",
    [0xa4] = "f64.min",
    [0xa5] = "f64.max",
    [0xa6] = "f64.copysign",
    [0xa7] = "i32.wrap_i64",
    [0xa8] = "i32.trunc_f32_s",
    [0xa9] = "i32.trunc_f32_u",
    [0xaa] = "i32.trunc_f64_s",
    [0xab] = "i32.trunc_f64_u",
    [0xac] = "i64.extend_i32_s",
    [0xad] = "i64.extend_i32_u",
    [0xae] = "i64.trunc_f32_s",
    [0xaf] = "i64.trunc_f32_u",
    [0xb0] = "i64.trunc_f64_s",
    [0xb1] = "i64.trunc_f64_u",
    [0xb2] = "f32.convert_i32_s",
    [0xb3] = "f32.convert_i32_u",
    [0xb4] = "f32.convert_i64_s",
    [0xb5] = "f32.convert_i64_u",
    [0xb6] = "f32.demote_f64",
    [0xb7] = "f64.convert_i32_s",
    [0xb8] = "f64.convert_i32_u",
    [0xb9] = "f64.convert_i64_s",
    [0xba] = "f64.convert_i64_u",
    [0xbb] = "f64.promote_f32",
    [0xbc] = "i32.reinterpret_f32",
    [0xbd] = "i64.reinterpret_f64",
    [0xbe] = "f32.reinterpret_i32",
    [0xbf] = "f64.reinterpret_i64",
    [0xc0] = "i32.extend8_s",
    [0xc1] = "i32.extend16_s",
    [0xc2] = "i64.extend8_s",
    [0xc3] = "i64.extend16_s",
    [0xc4] = "i64.extend32_s",
    [0xd0] = "ref.null",
    [0xd1] = "ref.is_null",
    [0xd2] = "ref.func",
};

static const char *const fc_names[18] = {
    "i32.trunc_sat_f32_s", "i32.trunc_sat_f32_u", "i32.trunc_sat_f64_s", "i32.trunc_sat_f64_u",
    "i64.trunc_sat_f32_s", "i64.trunc_sat_f32_u", "i64.trunc_sat_f64_s", "i64.trunc_sat_f64_u",
    "memory.init",         "data.drop",           "memory.copy",         "memory.fill",
    "table.init",          "elem.drop",           "table.copy",          "table.grow",
    "table.size",          "table.fill"};

const char *dw_instr_name(uint32_t op) {
  if (op < 256) return names[op] ? names[op] : "an unknown instruction";
  if ((op >> 8) == 0xfc && (op & 0xff) < 18) return fc_names[op & 0xff];
  return "an unknown instruction";
}

/* ---------------------------------------------------------- immediates */

static int unsupported(dw_cur *c, int *flag, const char *what, size_t at) {
  if (flag) *flag = 1;
  return dw_cur_fail(c, "%s are not supported (byte %zu)", what, at);
}

/* A value type byte of a proposal outside the accepted set: its name, or
 * NULL when the byte is no value type at all. */
static const char *foreign_valtype(uint8_t t) {
  if (t == 0x7b) return "SIMD (v128 values)";
  if (t == 0x63 || t == 0x64) return "typed function references";
  if (t == 0x69 || t == 0x74) return "exception references (exnref)";
  if (t >= 0x65 && t <= 0x73 && t != 0x70 && t != 0x6f) return "garbage-collected references (GC)";
  return NULL;
}

/* A value type immediate (select t, ref.null's reference type). */
static int valtype(dw_cur *c, uint8_t *t, bool ref_only, int *flag, size_t at) {
  size_t pos = c->pos;
  if (dw_cur_u8(c, t, "a value type")) return -1;
  if (*t == 0x70 || *t == 0x6f) return 0;
  if (!ref_only && (*t == 0x7f || *t == 0x7e || *t == 0x7d || *t == 0x7c)) return 0;
  const char *f = foreign_valtype(*t);
  if (f) {
    if (flag) *flag = 1;
    return dw_cur_fail(c, "%s are not supported (byte %zu)", f, pos);
  }
  /* ref.null of a concrete type index is typed function references */
  if (ref_only && !(*t & 0x80) && !(*t & 0x40))
    return unsupported(c, flag, "typed function references", at);
  return dw_cur_fail(c, "malformed %s type 0x%02x at byte %zu", ref_only ? "reference" : "value",
                     *t, pos);
}

/* A block type: 0x40, a value type byte, or a non-negative s33 type index. */
static int blocktype(dw_cur *c, dw_instr *in, int *flag) {
  size_t pos = c->pos;
  if (dw_cur_need(c, 1, "a block type")) return -1;
  uint8_t b = c->b[pos];
  if (!(b & 0x80) && (b & 0x40)) { /* one byte, negative: a type code */
    c->pos++;
    in->bt = (int64_t)b - 0x80;
    if (b == 0x40 || b == 0x7f || b == 0x7e || b == 0x7d || b == 0x7c || b == 0x70 || b == 0x6f)
      return 0;
    const char *f = foreign_valtype(b);
    if (f) {
      if (flag) *flag = 1;
      return dw_cur_fail(c, "%s are not supported (byte %zu)", f, pos);
    }
    return dw_cur_fail(c, "malformed block type 0x%02x at byte %zu", b, pos);
  }
  int64_t v;
  if (dw_cur_sleb_val(c, 33, &v, "block type")) return -1;
  if (v < 0) return dw_cur_fail(c, "malformed block type at byte %zu", pos);
  in->bt = v;
  return 0;
}

/* The memory index byte of memory.size/grow/fill/copy/init. */
static int zero_byte(dw_cur *c, const char *what) {
  uint8_t z;
  size_t pos = c->pos;
  if (dw_cur_u8(c, &z, what)) return -1;
  if (z != 0)
    return dw_cur_fail(
        c, "zero byte expected at byte %zu (%s: multiple memories are not supported)", pos, what);
  return 0;
}

static int memarg(dw_cur *c, dw_instr *in, int *flag) {
  size_t pos = c->pos;
  if (dw_cur_u32(c, &in->x, "alignment")) return -1;
  /* bit 6 announces a memory index (multiple memories) */
  if (in->x >= 64 && in->x < 128)
    return unsupported(c, flag, "multiple memories (a memory index in a memarg)", pos);
  if (in->x >= 128) return dw_cur_fail(c, "malformed memory alignment %u at byte %zu", in->x, pos);
  return dw_cur_u32(c, &in->y, "memory offset");
}

int dw_instr_next(dw_cur *c, dw_instr *in, int *flag) {
  in->at = c->pos;
  in->x = in->y = in->n = 0;
  in->k = 0;
  in->bt = 0;
  in->t = 0;
  in->labels = 0;
  size_t at = c->pos;
  uint8_t op;
  if (dw_cur_u8(c, &op, "instruction")) return -1;
  in->op = op;
  int64_t s;
  switch (op) {
    case 0x00:
    case 0x01:
    case 0x05:
    case 0x0b:
    case 0x0f:
    case 0x1a:
    case 0x1b:
    case 0xd1:
      return 0;
    case 0x02:
    case 0x03:
    case 0x04:
      return blocktype(c, in, flag);
    case 0x0c:
    case 0x0d:
      return dw_cur_u32(c, &in->x, "label");
    case 0x0e: {
      if (dw_cur_u32(c, &in->n, "br_table size")) return -1;
      if ((uint64_t)in->n + 1 > c->end - c->pos)
        return dw_cur_fail(c, "br_table size %u exceeds the bytes left at byte %zu", in->n, at);
      in->labels = c->pos;
      for (uint32_t i = 0; i < in->n; i++)
        if (dw_cur_u32(c, &in->x, "br_table label")) return -1;
      return dw_cur_u32(c, &in->x, "br_table default label");
    }
    case 0x10:
      return dw_cur_u32(c, &in->x, "function index");
    case 0x11:
      if (dw_cur_u32(c, &in->x, "type index")) return -1;
      return dw_cur_u32(c, &in->y, "table index");
    case 0x12:
    case 0x13:
      return unsupported(c, flag, "tail calls", at);
    case 0x14:
    case 0x15:
    case 0xd3:
    case 0xd4:
    case 0xd6:
      return unsupported(c, flag, "typed function references", at);
    case 0xd5:
      return unsupported(c, flag, "garbage-collected references (GC)", at);
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x09:
    case 0x0a:
    case 0x18:
    case 0x19:
    case 0x1f:
      return unsupported(c, flag, "exception handling instructions", at);
    case 0x1c: {
      uint32_t n;
      if (dw_cur_u32(c, &n, "select type count")) return -1;
      if (n != 1)
        return dw_cur_fail(c, "invalid result arity: select with %u types at byte %zu", n, at);
      return valtype(c, &in->t, false, flag, at);
    }
    case 0x20:
    case 0x21:
    case 0x22:
      return dw_cur_u32(c, &in->x, "local index");
    case 0x23:
    case 0x24:
      return dw_cur_u32(c, &in->x, "global index");
    case 0x25:
    case 0x26:
      return dw_cur_u32(c, &in->x, "table index");
    case 0x3f:
    case 0x40:
      return zero_byte(c, op == 0x3f ? "memory.size" : "memory.grow");
    case 0x41:
      if (dw_cur_sleb_val(c, 32, &s, "i32.const")) return -1;
      in->k = (uint64_t)s;
      return 0;
    case 0x42:
      if (dw_cur_sleb_val(c, 64, &s, "i64.const")) return -1;
      in->k = (uint64_t)s;
      return 0;
    case 0x43:
      if (dw_cur_need(c, 4, "f32.const")) return -1;
      for (int i = 0; i < 4; i++) in->k |= (uint64_t)c->b[c->pos + i] << (8 * i);
      c->pos += 4;
      return 0;
    case 0x44:
      if (dw_cur_need(c, 8, "f64.const")) return -1;
      for (int i = 0; i < 8; i++) in->k |= (uint64_t)c->b[c->pos + i] << (8 * i);
      c->pos += 8;
      return 0;
    case 0xd0:
      return valtype(c, &in->t, true, flag, at);
    case 0xd2:
      return dw_cur_u32(c, &in->x, "function index");
    case 0xfb:
      return unsupported(c, flag, "garbage-collected references (GC)", at);
    case 0xfd:
      return unsupported(c, flag, "SIMD instructions", at);
    case 0xfe:
      return unsupported(c, flag, "threads (atomic instructions)", at);
    case 0xfc: {
      uint32_t sub;
      if (dw_cur_u32(c, &sub, "0xfc sub-opcode")) return -1;
      in->op = 0xfc00u | (sub & 0xff);
      switch (sub) {
        case 0:
        case 1:
        case 2:
        case 3:
        case 4:
        case 5:
        case 6:
        case 7:
          return 0;
        case 8:
          if (dw_cur_u32(c, &in->x, "data index")) return -1;
          return zero_byte(c, "memory.init");
        case 9:
          return dw_cur_u32(c, &in->x, "data index");
        case 10:
          if (zero_byte(c, "memory.copy")) return -1;
          return zero_byte(c, "memory.copy");
        case 11:
          return zero_byte(c, "memory.fill");
        case 12:
          if (dw_cur_u32(c, &in->x, "element segment index")) return -1;
          return dw_cur_u32(c, &in->y, "table index");
        case 13:
          return dw_cur_u32(c, &in->x, "element segment index");
        case 14:
          if (dw_cur_u32(c, &in->x, "table index")) return -1;
          return dw_cur_u32(c, &in->y, "table index");
        case 15:
        case 16:
        case 17:
          return dw_cur_u32(c, &in->x, "table index");
        case 18:
          return unsupported(c, flag, "memory.discard instructions", at);
        default:
          return dw_cur_fail(c, "unknown instruction 0xfc %u at byte %zu", sub, at);
      }
    }
    default:
      if (op >= 0x28 && op <= 0x3e) return memarg(c, in, flag);
      if (op >= 0x45 && op <= 0xc4) return 0;
      return dw_cur_fail(c, "unknown instruction 0x%02x at byte %zu", op, at);
  }
}

void dw_instr_labels(const uint8_t *module, size_t module_len, const dw_instr *in, uint32_t *out) {
  size_t pos = in->labels;
  for (uint32_t i = 0; i <= in->n; i++) pos = dw_leb_u32_at(module, pos, module_len, &out[i]);
}
