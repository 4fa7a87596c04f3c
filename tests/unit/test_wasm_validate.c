/* tests/unit/test_wasm_validate: dagwood's validator of WebAssembly modules
 * (wasm/parse + wasm/validate + wasm/instr), on modules built byte by byte
 * here: every class of error is refused with -1 and a message naming what
 * is wrong (and for function bodies the function and the byte); the
 * features of the accepted set (multi-value, reference types, bulk memory,
 * the eight element segment encodings) are accepted and land in the model;
 * the proposals outside the set come back DW_WASM_UNSUPPORTED, named; the
 * limits against compile bombs are dagwood's own, said so; a 16 MiB module
 * validates in well under a second. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/arena.h"
#include "wasm/instr.h"
#include "wasm/parse.h"

/* ------------------------------------------------------- byte building */

typedef struct buf {
  uint8_t *b;
  size_t n, cap;
} buf;

static void put(buf *o, const void *p, size_t n) {
  if (o->n + n > o->cap) {
    o->cap = (o->n + n) * 2 + 64;
    o->b = realloc(o->b, o->cap);
    assert_non_null(o->b);
  }
  memcpy(o->b + o->n, p, n);
  o->n += n;
}

static void leb(buf *o, uint64_t v) {
  do {
    uint8_t x = (uint8_t)(v & 0x7f);
    v >>= 7;
    if (v) x |= 0x80;
    put(o, &x, 1);
  } while (v);
}

#define BYTES(...) ((const uint8_t[]){__VA_ARGS__}), sizeof((const uint8_t[]){__VA_ARGS__})

/* Append section `id` holding bytes p[0 .. n). */
static void section(buf *m, uint8_t id, const uint8_t *p, size_t n) {
  put(m, &id, 1);
  leb(m, n);
  put(m, p, n);
}

static void header(buf *m) { put(m, "\0asm\1\0\0\0", 8); }

/* What each body test module has besides its one function. */
enum { MEM = 1, TABLE = 2, DATACOUNT = 4, PASSIVE_DATA = 8, ELEM_DECL = 16, TYPES2 = 32 };

/* A module with type 0 = `type` (a whole function type, 0x60 ...), type 1
 * = [] -> [i32 i32], type 2 = [i32] -> [i32] (with TYPES2), one function of
 * type 0 whose body (locals included) is `body`, and what `with` asks for. */
static buf body_module(const uint8_t *type, size_t tn, const uint8_t *body, size_t bn, int with) {
  buf m = {0}, s = {0};
  header(&m);
  leb(&s, with & TYPES2 ? 3 : 1);
  put(&s, type, tn);
  if (with & TYPES2) put(&s, BYTES(0x60, 0, 2, 0x7f, 0x7f, 0x60, 1, 0x7f, 1, 0x7f));
  section(&m, 1, s.b, s.n);
  section(&m, 3, BYTES(1, 0));
  if (with & TABLE) section(&m, 4, BYTES(1, 0x70, 0, 1));
  if (with & MEM) section(&m, 5, BYTES(1, 0, 1));
  if (with & ELEM_DECL) section(&m, 9, BYTES(1, 3, 0, 1, 0)); /* declares function 0 */
  if (with & DATACOUNT) section(&m, 12, BYTES(1));
  s.n = 0;
  leb(&s, 1);
  leb(&s, bn);
  put(&s, body, bn);
  section(&m, 10, s.b, s.n);
  if (with & PASSIVE_DATA) section(&m, 11, BYTES(1, 1, 2, 'h', 'i'));
  free(s.b);
  return m;
}

static int parse(const buf *m, char *err, size_t errlen, dw_wasm_info *w, dw_arena *a) {
  return dw_wasm_parse(m->b, m->n, a, w, err, errlen);
}

/* The module is refused with rc and a message holding `needle`. */
static void refused(buf m, int rc, const char *needle) {
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char err[512];
  int got = parse(&m, err, sizeof err, &w, &a);
  if (got != rc || !strstr(err, needle)) {
    fprintf(stderr, "want %d with \"%s\", got %d: \"%s\"\n", rc, needle, got, got ? err : "");
    fail();
  }
  dw_arena_free(&a);
  free(m.b);
}

static void accepted(buf m) {
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char err[512];
  int got = parse(&m, err, sizeof err, &w, &a);
  if (got) {
    fprintf(stderr, "refused (%d): %s\n", got, err);
    fail();
  }
  dw_arena_free(&a);
  free(m.b);
}

#define T_V BYTES(0x60, 0, 0)              /* [] -> [] */
#define T_I BYTES(0x60, 0, 1, 0x7f)        /* [] -> [i32] */
#define T_II BYTES(0x60, 1, 0x7f, 1, 0x7f) /* [i32] -> [i32] */

/* -------------------------------------------------------- valid bodies */

static void test_valid_bodies(void **state) {
  (void)state;
  /* i32.const 1, i32.const 2, i32.add */
  accepted(body_module(T_I, BYTES(0, 0x41, 1, 0x41, 2, 0x6a, 0x0b), 0));
  /* multi-value: block (type 1) gives two i32; i32.add */
  accepted(body_module(T_I, BYTES(0, 0x02, 1, 0x41, 1, 0x41, 2, 0x0b, 0x6a, 0x0b), TYPES2));
  /* a loop with a parameter: i32.const 0, loop (type 2) i32.const 1 i32.add end */
  accepted(body_module(T_I, BYTES(0, 0x41, 0, 0x03, 2, 0x41, 1, 0x6a, 0x0b, 0x0b), TYPES2));
  /* br_if to a loop with a parameter carries the loop's parameter */
  accepted(body_module(T_I, BYTES(0, 0x41, 0, 0x03, 2, 0x41, 1, 0x6a, 0x41, 0, 0x0d, 0, 0x0b, 0x0b),
                       TYPES2));
  /* if/else with a result, a local */
  accepted(body_module(T_II, BYTES(0, 0x20, 0, 0x04, 0x7f, 0x41, 1, 0x05, 0x41, 2, 0x0b, 0x0b), 0));
  /* unreachable makes the stack polymorphic: unreachable, i32.add */
  accepted(body_module(T_I, BYTES(0, 0x00, 0x6a, 0x0b), 0));
  /* br_table over two blocks returning i32 */
  accepted(body_module(
      T_II, BYTES(0, 0x02, 0x7f, 0x02, 0x7f, 0x41, 7, 0x20, 0, 0x0e, 1, 0, 1, 0x0b, 0x0b, 0x0b),
      0));
  /* typed select of funcref, ref.is_null */
  accepted(
      body_module(T_I, BYTES(0, 0xd0, 0x70, 0xd0, 0x70, 0x41, 1, 0x1c, 1, 0x70, 0xd1, 0x0b), 0));
  /* ref.func of a declared function */
  accepted(body_module(T_I, BYTES(0, 0xd2, 0, 0xd1, 0x0b), ELEM_DECL));
  /* bulk memory: memory.init 0, data.drop 0, memory.fill, memory.copy */
  accepted(
      body_module(T_V,
                  BYTES(0, 0x41, 0, 0x41, 0, 0x41, 2, 0xfc, 8, 0, 0, 0xfc, 9, 0, 0x41, 0, 0x41, 0,
                        0x41, 0, 0xfc, 11, 0, 0x41, 0, 0x41, 0, 0x41, 0, 0xfc, 10, 0, 0, 0x0b),
                  MEM | DATACOUNT | PASSIVE_DATA));
  /* table.size, table.grow, table.get/set, table.fill */
  accepted(
      body_module(T_V,
                  BYTES(0, 0xfc, 16, 0, 0x1a, 0xd0, 0x70, 0x41, 1, 0xfc, 15, 0, 0x1a, 0x41, 0, 0x41,
                        0, 0x25, 0, 0x26, 0, 0x41, 0, 0xd0, 0x70, 0x41, 1, 0xfc, 17, 0, 0x0b),
                  TABLE));
  /* sign extension and saturating truncation */
  accepted(body_module(T_I, BYTES(0, 0x41, 1, 0xc0, 0x43, 0, 0, 0, 0, 0xfc, 0, 0x6a, 0x0b), 0));
  /* locals: 2 groups */
  accepted(body_module(T_I, BYTES(2, 1, 0x7f, 2, 0x7e, 0x20, 0, 0x20, 2, 0x1a, 0x0b), 0));
}

/* ------------------------------------------------------ invalid bodies */

static void test_type_errors(void **state) {
  (void)state;
  /* i64.const 1, i32.const 2, i32.add */
  refused(body_module(T_I, BYTES(0, 0x42, 1, 0x41, 2, 0x6a, 0x0b), 0), -1,
          "function 0 at byte 0x1c: i32.add expects [i32 i32] but the stack holds [i64 i32]");
  refused(body_module(T_I, BYTES(0, 0x6a, 0x0b), 0), -1,
          "i32.add expects [i32 i32] but the stack is empty");
  refused(body_module(T_I, BYTES(0, 0x0b), 0), -1,
          "the end of the function expects [i32] but the stack is empty");
  refused(body_module(T_V, BYTES(0, 0x41, 1, 0x0b), 0), -1,
          "the end of the function expects [] but the stack holds 1 more values");
  /* if without else must not change the types */
  refused(body_module(T_I, BYTES(0, 0x41, 1, 0x04, 0x7f, 0x41, 1, 0x0b, 0x0b), 0), -1,
          "an if without else must leave what it takes");
  /* else without if */
  refused(body_module(T_V, BYTES(0, 0x05, 0x0b), 0), -1, "else without a matching if");
  /* br to a label that does not exist */
  refused(body_module(T_V, BYTES(0, 0x0c, 1, 0x0b), 0), -1, "unknown label 1");
  /* br_table labels of different arity */
  refused(body_module(T_II,
                      BYTES(0, 0x02, 0x40, 0x02, 0x7f, 0x41, 7, 0x20, 0, 0x0e, 1, 0, 1, 0x0b, 0x0b,
                            0x41, 0, 0x0b),
                      0),
          -1, "br_table label 0 has types [i32] but the default label 1 has []");
  /* local out of range */
  refused(body_module(T_I, BYTES(0, 0x20, 0, 0x0b), 0), -1,
          "local.get 0: the function has 0 locals");
  /* call of a function that does not exist */
  refused(body_module(T_V, BYTES(0, 0x10, 5, 0x0b), 0), -1,
          "call of function 5, which does not exist");
  /* untyped select of references */
  refused(body_module(T_V, BYTES(0, 0xd0, 0x70, 0xd0, 0x70, 0x41, 1, 0x1b, 0x1a, 0x0b), 0), -1,
          "select without a type takes numeric operands, not funcref");
  /* select of two types */
  refused(body_module(T_V, BYTES(0, 0x41, 0, 0x42, 0, 0x41, 1, 0x1b, 0x1a, 0x0b), 0), -1,
          "select expects two operands of one type but the stack holds [i32 i64]");
  /* block type index out of range */
  refused(body_module(T_V, BYTES(0, 0x02, 9, 0x0b, 0x0b), 0), -1,
          "block names type 9, which does not exist");
}

static void test_index_errors(void **state) {
  (void)state;
  /* loads without memory; alignment above natural */
  refused(body_module(T_I, BYTES(0, 0x41, 0, 0x28, 2, 0, 0x0b), 0), -1,
          "i32.load needs a memory but the module has none");
  refused(body_module(T_I, BYTES(0, 0x41, 0, 0x28, 3, 0, 0x0b), MEM), -1,
          "i32.load with alignment 2^3; it must not be larger than natural (2^2)");
  /* memory.init and data.drop need the data count section */
  refused(body_module(T_V, BYTES(0, 0xfc, 9, 0, 0x0b), MEM | PASSIVE_DATA), -1,
          "data.drop needs the data count section");
  refused(body_module(T_V, BYTES(0, 0xfc, 9, 1, 0x0b), MEM | PASSIVE_DATA | DATACOUNT), -1,
          "data.drop names data segment 1, which does not exist");
  /* ref.func of a function no segment, export or global declares */
  refused(body_module(T_I, BYTES(0, 0xd2, 0, 0xd1, 0x0b), 0), -1, "undeclared function reference");
  /* tables */
  refused(body_module(T_V, BYTES(0, 0xfc, 16, 0, 0x1a, 0x0b), 0), -1,
          "table.size names table 0, which does not exist");
  refused(body_module(T_V, BYTES(0, 0x41, 0, 0x11, 0, 0, 0x0b), 0), -1,
          "call_indirect names table 0, which does not exist");
  refused(body_module(T_V, BYTES(0, 0xfc, 13, 0, 0x0b), TABLE), -1,
          "elem.drop names element segment 0, which does not exist");
  /* memory.size's memory index must be a zero byte */
  refused(body_module(T_I, BYTES(0, 0x3f, 1, 0x0b), MEM), -1, "zero byte expected");
  /* an unknown opcode */
  refused(body_module(T_V, BYTES(0, 0xff, 0x0b), 0), -1, "unknown instruction 0xff");
  /* bytes after the final end */
  refused(body_module(T_V, BYTES(0, 0x0b, 0x01), 0), -1, "bytes after its final end");
  /* the sum of the local counts must fit in u32; dagwood's own cap is lower */
  refused(body_module(T_V, BYTES(2, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 2, 0x7f, 0x0b), 0), -1,
          "too many locals");
  refused(body_module(T_V, BYTES(1, 0xd1, 0x86, 0x03, 0x7f, 0x0b), 0), -1,
          "declares 50001 locals; dagwood's limit is 50000");
}

/* global.set of an immutable global; globals, constant expressions. */
static void test_globals(void **state) {
  (void)state;
  buf m = {0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 0));
  section(&m, 3, BYTES(1, 0));
  section(&m, 6, BYTES(1, 0x7f, 0, 0x41, 5, 0x0b)); /* global 0: const i32 5 */
  section(&m, 10, BYTES(1, 6, 0, 0x41, 1, 0x24, 0, 0x0b));
  refused(m, -1, "global.set of global 0, which is immutable");

  /* a global whose initialiser has the wrong type */
  m = (buf){0};
  header(&m);
  section(&m, 6, BYTES(1, 0x7f, 0, 0x42, 5, 0x0b));
  refused(m, -1, "the initialiser of global 0 must give one i32; it gives [i64]");
  /* a non-constant instruction */
  m = (buf){0};
  header(&m);
  section(&m, 6, BYTES(1, 0x7f, 0, 0x41, 5, 0x45, 0x0b));
  refused(m, -1, "i32.eqz is not allowed in a constant expression");
  /* global.get of an imported mutable global */
  m = (buf){0};
  header(&m);
  section(&m, 2, BYTES(1, 1, 'm', 1, 'g', 3, 0x7f, 1));
  section(&m, 6, BYTES(1, 0x7f, 0, 0x23, 0, 0x0b));
  refused(m, -1, "global.get of global 0, which is mutable");
  /* global.get of an imported immutable one: valid; so is ref.func in an
   * initialiser, which declares the function */
  m = (buf){0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 1, 0x70));
  section(&m, 2, BYTES(1, 1, 'm', 1, 'g', 3, 0x7f, 0));
  section(&m, 3, BYTES(1, 0));
  section(&m, 6, BYTES(2, 0x7f, 1, 0x23, 0, 0x0b, 0x70, 0, 0xd2, 0, 0x0b));
  section(&m, 10, BYTES(1, 4, 0, 0xd2, 0, 0x0b));
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char err[256];
  assert_int_equal(parse(&m, err, sizeof err, &w, &a), 0);
  assert_int_equal(w.nglobals, 3);
  assert_int_equal(w.nglobal_imports, 1);
  assert_true(w.globals[0].imported && !w.globals[0].mut);
  assert_true(w.globals[1].mut && w.globals[1].type == 0x7f && w.globals[1].init.len == 3);
  assert_int_equal(m.b[w.globals[1].init.off], 0x23);
  assert_int_equal(w.globals[2].type, 0x70);
  dw_arena_free(&a);
  free(m.b);
}

/* Module-level rules: start, exports, limits, counts, names, order. */
static void test_module_rules(void **state) {
  (void)state;
  buf m = {0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 1, 0x7f));
  section(&m, 3, BYTES(1, 0));
  section(&m, 8, BYTES(0));
  section(&m, 10, BYTES(1, 4, 0, 0x41, 0, 0x0b));
  refused(m, -1, "the start function 0 has type () -> i32; it must be () -> ()");

  m = (buf){0};
  header(&m);
  section(&m, 5, BYTES(1, 1, 2, 1));
  refused(m, -1, "limits maximum 1 is below the minimum 2");
  m = (buf){0};
  header(&m);
  section(&m, 5, BYTES(1, 0, 0x81, 0x80, 0x04));
  refused(m, -1, "memory size above 65536 pages");
  m = (buf){0};
  header(&m);
  section(&m, 5, BYTES(1, 0, 0x80, 0x80, 0x04)); /* exactly 65536 pages: valid */
  accepted(m);

  /* two memories: a Wasm 3.0 feature */
  m = (buf){0};
  header(&m);
  section(&m, 5, BYTES(2, 0, 1, 0, 1));
  refused(m, DW_WASM_UNSUPPORTED, "multiple memories are not supported");

  /* the function section declares 2, the code section has 1 */
  m = (buf){0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 0));
  section(&m, 3, BYTES(2, 0, 0));
  section(&m, 10, BYTES(1, 2, 0, 0x0b));
  refused(m, -1, "function and code section have inconsistent lengths");
  /* the data count section says 2, the data section has 1 */
  m = (buf){0};
  header(&m);
  section(&m, 12, BYTES(2));
  section(&m, 11, BYTES(1, 1, 0));
  refused(m, -1, "data count and data section have inconsistent lengths");
  /* an active data segment without a memory */
  m = (buf){0};
  header(&m);
  section(&m, 11, BYTES(1, 0, 0x41, 0, 0x0b, 0));
  refused(m, -1, "names memory 0, which does not exist");
  /* names must be UTF-8 */
  m = (buf){0};
  header(&m);
  section(&m, 0, BYTES(2, 0xc0, 0x80, 'x'));
  refused(m, -1, "custom section name at byte 10 is not valid UTF-8");
  m = (buf){0};
  header(&m);
  section(&m, 2, BYTES(1, 1, 'm', 3, 0xed, 0xa0, 0x80, 0, 0)); /* a surrogate */
  refused(m, -1, "import name at byte 13 is not valid UTF-8");
  /* export names are compared as bytes, a NUL included */
  m = (buf){0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 0));
  section(&m, 3, BYTES(1, 0));
  section(&m, 7, BYTES(2, 1, 'f', 0, 0, 2, 'f', 0, 0, 0));
  section(&m, 10, BYTES(1, 2, 0, 0x0b));
  {
    dw_arena a;
    dw_arena_init(&a);
    dw_wasm_info w;
    char err[256];
    assert_int_equal(parse(&m, err, sizeof err, &w, &a), 0);
    assert_int_equal(w.exports[1].name_len, 2);
    assert_ptr_equal(dw_wasm_find_export(&w, "f"), &w.exports[0]);
    dw_arena_free(&a);
    free(m.b);
  }
  m = (buf){0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 0));
  section(&m, 3, BYTES(1, 0));
  section(&m, 7, BYTES(2, 1, 'f', 0, 0, 1, 'f', 0, 0));
  section(&m, 10, BYTES(1, 2, 0, 0x0b));
  refused(m, -1, "export name 'f' is used twice");
  /* export of a global that does not exist */
  m = (buf){0};
  header(&m);
  section(&m, 7, BYTES(1, 1, 'g', 3, 0));
  refused(m, -1, "export 'g' names global 0, which does not exist");
  /* malformed: mutability 2, a bad value type, the datacount section out of place */
  m = (buf){0};
  header(&m);
  section(&m, 6, BYTES(1, 0x7f, 2, 0x41, 0, 0x0b));
  refused(m, -1, "malformed mutability");
  m = (buf){0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 1, 0x55, 0));
  refused(m, -1, "unknown value type 0x55");
  m = (buf){0};
  header(&m);
  section(&m, 11, BYTES(0));
  section(&m, 12, BYTES(0));
  refused(m, -1, "section 12 (datacount) is out of order");
  /* a section that says it is longer than what it holds */
  m = (buf){0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 0, 0));
  refused(m, -1, "has 1 unread bytes");
}

/* The eight element segment encodings, and their checks. */
static void test_elem_segments(void **state) {
  (void)state;
  buf m = {0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 0, 0));
  section(&m, 3, BYTES(2, 0, 0));
  section(&m, 4, BYTES(2, 0x70, 0, 4, 0x6f, 0, 4));
  section(&m, 9,
          BYTES(8,
                /* 0: active table 0, function indices */
                0, 0x41, 0, 0x0b, 2, 0, 1,
                /* 1: passive, elemkind, function indices */
                1, 0, 1, 1,
                /* 2: active table 0 explicitly, elemkind, function indices */
                2, 0, 0x41, 1, 0x0b, 0, 1, 0,
                /* 3: declarative, elemkind, function indices */
                3, 0, 1, 1,
                /* 4: active table 0, expressions */
                4, 0x41, 2, 0x0b, 2, 0xd2, 0, 0x0b, 0xd0, 0x70, 0x0b,
                /* 5: passive, reftype, expressions */
                5, 0x6f, 1, 0xd0, 0x6f, 0x0b,
                /* 6: active table 1 (externref), reftype, expressions */
                6, 1, 0x41, 0, 0x0b, 0x6f, 1, 0xd0, 0x6f, 0x0b,
                /* 7: declarative, reftype, expressions */
                7, 0x70, 1, 0xd2, 1, 0x0b));
  section(&m, 10, BYTES(2, 2, 0, 0x0b, 2, 0, 0x0b));
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char err[256];
  int rc = parse(&m, err, sizeof err, &w, &a);
  if (rc) fprintf(stderr, "%s\n", err);
  assert_int_equal(rc, 0);
  assert_int_equal(w.nelems, 8);
  assert_int_equal(w.ntables, 2);
  assert_int_equal(w.tables[1].type, 0x6f);
  static const uint8_t modes[8] = {DW_SEG_ACTIVE,      DW_SEG_PASSIVE,    DW_SEG_ACTIVE,
                                   DW_SEG_DECLARATIVE, DW_SEG_ACTIVE,     DW_SEG_PASSIVE,
                                   DW_SEG_ACTIVE,      DW_SEG_DECLARATIVE};
  for (int i = 0; i < 8; i++) {
    assert_int_equal(w.elems[i].mode, modes[i]);
    assert_int_equal(w.elems[i].exprs, i >= 4);
  }
  assert_int_equal(w.elems[0].n, 2);
  assert_int_equal(w.elems[0].funcs[1], 1);
  assert_int_equal(w.elems[5].type, 0x6f);
  assert_int_equal(w.elems[6].table, 1);
  assert_int_equal(m.b[w.elems[4].items[0].off], 0xd2);
  assert_int_equal(m.b[w.elems[2].offset.off], 0x41);
  assert_int_equal(w.ncode, 2);
  assert_int_equal(w.bodies[1].len, 2);
  dw_arena_free(&a);
  free(m.b);

  /* a funcref segment into an externref table */
  m = (buf){0};
  header(&m);
  section(&m, 4, BYTES(1, 0x6f, 0, 1));
  section(&m, 9, BYTES(1, 0, 0x41, 0, 0x0b, 0));
  refused(m, -1, "element segment 0 of functions initialises table 0 of externref");
  /* an unknown element kind */
  m = (buf){0};
  header(&m);
  section(&m, 9, BYTES(1, 1, 1, 0));
  refused(m, -1, "malformed element kind");
  /* flags past 7 */
  m = (buf){0};
  header(&m);
  section(&m, 9, BYTES(1, 8, 0));
  refused(m, -1, "malformed elements segment kind");
  /* an item expression of the wrong type */
  m = (buf){0};
  header(&m);
  section(&m, 9, BYTES(1, 5, 0x70, 1, 0xd0, 0x6f, 0x0b));
  refused(m, -1, "an item of element segment 0 must give one funcref; it gives [externref]");
}

/* The proposals outside the accepted set: refused by name, with -2. */
static void test_unsupported(void **state) {
  (void)state;
  refused(body_module(T_V, BYTES(0, 0xfd, 0x0c, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "SIMD instructions are not supported");
  refused(body_module(BYTES(0x60, 1, 0x7b, 0), BYTES(0, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "SIMD (v128 values) is not supported");
  refused(body_module(T_V, BYTES(0, 0x12, 0, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "tail calls are not supported");
  refused(body_module(T_V, BYTES(0, 0x06, 0x40, 0x0b, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "exception handling instructions are not supported");
  refused(body_module(T_V, BYTES(0, 0xfe, 0x03, 0, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "threads (atomic instructions) are not supported");
  refused(body_module(T_V, BYTES(0, 0xfb, 0x01, 0, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "garbage-collected references (GC) are not supported");
  refused(body_module(T_V, BYTES(0, 0x14, 0, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "typed function references are not supported");
  refused(body_module(BYTES(0x60, 1, 0x64, 0x70, 0), BYTES(0, 0x0b), 0), DW_WASM_UNSUPPORTED,
          "a typed function reference type is not supported");
  refused(body_module(T_I, BYTES(0, 0x41, 0, 0x28, 0x42, 0, 0, 0x0b), MEM), DW_WASM_UNSUPPORTED,
          "multiple memories (a memory index in a memarg) are not supported");
  buf m = {0};
  header(&m);
  section(&m, 5, BYTES(1, 4, 1));
  refused(m, DW_WASM_UNSUPPORTED, "memory64 is not supported");
  m = (buf){0};
  header(&m);
  section(&m, 5, BYTES(1, 3, 1, 1));
  refused(m, DW_WASM_UNSUPPORTED, "shared memory (threads) is not supported");
  m = (buf){0};
  header(&m);
  section(&m, 13, BYTES(0));
  refused(m, DW_WASM_UNSUPPORTED, "exception handling (tag section) is not supported");
  /* extended constant expressions */
  m = (buf){0};
  header(&m);
  section(&m, 6, BYTES(1, 0x7f, 0, 0x41, 1, 0x41, 2, 0x6a, 0x0b));
  refused(m, DW_WASM_UNSUPPORTED, "extended constant expressions (i32.add) are not supported");
  m = (buf){0};
  header(&m);
  section(&m, 5, BYTES(1, 0, 1));
  section(&m, 6, BYTES(1, 0x7f, 0, 0x41, 1, 0x0b));
  section(&m, 11, BYTES(1, 0, 0x23, 0, 0x0b, 0));
  refused(m, DW_WASM_UNSUPPORTED,
          "extended constant expressions (global.get of the module's own global 0)");
  /* a global initialiser naming a later global is invalid everywhere */
  m = (buf){0};
  header(&m);
  section(&m, 6, BYTES(2, 0x7f, 0, 0x23, 1, 0x0b, 0x7f, 0, 0x41, 0, 0x0b));
  refused(m, -1, "global.get of global 1, which is not defined before it");
}

/* The caps against compile bombs are dagwood's own, and said so. */
static void test_limits(void **state) {
  (void)state;
  enum { DEPTH = 10001 };
  buf b = {0};
  put(&b, BYTES(0));
  for (int i = 0; i < DEPTH; i++) put(&b, BYTES(0x02, 0x40));
  for (int i = 0; i < DEPTH; i++) put(&b, BYTES(0x0b));
  put(&b, BYTES(0x0b));
  refused(body_module(T_V, b.b, b.n, 0), -1, "blocks nested 10001 deep; dagwood's limit is 10000");
  b.n = 1;
  for (int i = 0; i < DEPTH - 1; i++) put(&b, BYTES(0x02, 0x40));
  for (int i = 0; i < DEPTH - 1; i++) put(&b, BYTES(0x0b));
  put(&b, BYTES(0x0b));
  accepted(body_module(T_V, b.b, b.n, 0));
  /* a br_table of 65 537 targets */
  b.n = 1;
  put(&b, BYTES(0x02, 0x40, 0x41, 0, 0x0e));
  leb(&b, 65536);
  for (int i = 0; i <= 65536; i++) put(&b, BYTES(0));
  put(&b, BYTES(0x0b, 0x0b));
  refused(body_module(T_V, b.b, b.n, 0), -1,
          "br_table with 65537 targets; dagwood's limit is 65536");
  /* ifs nested 9 000 deep: quadratic C indentation */
  b.n = 1;
  for (int i = 0; i < 9000; i++) put(&b, BYTES(0x41, 1, 0x04, 0x40));
  for (int i = 0; i < 9000; i++) put(&b, BYTES(0x01, 0x05, 0x01, 0x0b));
  put(&b, BYTES(0x0b));
  refused(body_module(T_V, b.b, b.n, 0), -1, "over 256 MiB of indentation (dagwood's limit)");
  free(b.b);
  /* a type with more parameters than dagwood takes */
  buf t = {0};
  put(&t, BYTES(0x60));
  leb(&t, 1001);
  for (int i = 0; i < 1001; i++) put(&t, BYTES(0x7f));
  put(&t, BYTES(0));
  refused(body_module(t.b, t.n, BYTES(0, 0x0b), 0), -1,
          "type 0 has too many parameters (1001; dagwood's limit is 1000)");
  free(t.b);
}

/* The decoder alone: immediates and names. */
static void test_decoder(void **state) {
  (void)state;
  static const uint8_t code[] = {0x41, 0x7f, 0x42, 0x80, 0x7f, 0x0e, 2, 3, 0x81, 0x01, 0,
                                 0x02, 0x05, 0x02, 0x7f, 0xfc, 0x0e, 1, 2, 0x29, 3,    0x10};
  dw_cur c = {.b = code, .pos = 0, .end = sizeof code};
  dw_instr in;
  assert_int_equal(dw_instr_next(&c, &in, NULL), 0);
  assert_int_equal(in.op, DW_OP_I32_CONST);
  assert_int_equal((int64_t)in.k, -1);
  assert_int_equal(dw_instr_next(&c, &in, NULL), 0);
  assert_int_equal((int64_t)in.k, -128);
  assert_int_equal(dw_instr_next(&c, &in, NULL), 0);
  assert_int_equal(in.op, DW_OP_BR_TABLE);
  assert_int_equal(in.n, 2);
  uint32_t labels[3];
  dw_instr_labels(code, sizeof code, &in, labels);
  assert_int_equal(labels[0], 3);
  assert_int_equal(labels[1], 129);
  assert_int_equal(labels[2], 0);
  assert_int_equal(dw_instr_next(&c, &in, NULL), 0);
  assert_int_equal(in.op, DW_OP_BLOCK);
  assert_int_equal(in.bt, 5);
  assert_int_equal(dw_instr_next(&c, &in, NULL), 0);
  assert_int_equal(in.bt, -1);
  assert_int_equal(dw_instr_next(&c, &in, NULL), 0);
  assert_int_equal(in.op, DW_OP_TABLE_COPY);
  assert_int_equal(in.x, 1);
  assert_int_equal(in.y, 2);
  assert_string_equal(dw_instr_name(in.op), "table.copy");
  assert_int_equal(dw_instr_next(&c, &in, NULL), 0);
  assert_int_equal(in.op, 0x29);
  assert_int_equal(in.x, 3);
  assert_int_equal(in.y, 0x10);
  assert_string_equal(dw_instr_name(0x29), "i64.load");
  assert_int_equal(c.pos, sizeof code);
  int unsup = 0;
  static const uint8_t simd[] = {0xfd, 0};
  dw_cur c2 = {.b = simd, .pos = 0, .end = sizeof simd};
  assert_int_equal(dw_instr_next(&c2, &in, &unsup), -1);
  assert_int_equal(unsup, 1);
}

/* A 16 MiB module: many functions of straight-line arithmetic. */
static void test_speed(void **state) {
  (void)state;
  enum { NFUNC = 64 };
  size_t target = 16u << 20, per = (target - 4096) / NFUNC;
  buf body = {0};
  put(&body, BYTES(1, 1, 0x7f)); /* one i32 local */
  while (body.n + 16 < per) put(&body, BYTES(0x20, 0, 0x41, 1, 0x6a, 0x21, 1, 0x20, 1, 0x45, 0x1a));
  put(&body, BYTES(0x20, 0, 0x0b));
  buf m = {0}, s = {0};
  header(&m);
  section(&m, 1, BYTES(1, 0x60, 1, 0x7f, 1, 0x7f));
  leb(&s, NFUNC);
  for (int i = 0; i < NFUNC; i++) put(&s, BYTES(0));
  section(&m, 3, s.b, s.n);
  s.n = 0;
  leb(&s, NFUNC);
  for (int i = 0; i < NFUNC; i++) {
    leb(&s, body.n);
    put(&s, body.b, body.n);
  }
  section(&m, 10, s.b, s.n);
  assert_true(m.n <= DW_WASM_MAX_MODULE_BYTES);
  assert_true(m.n > (15u << 20));
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char err[256];
  int rc = parse(&m, err, sizeof err, &w, &a);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  fprintf(stderr, "validated %zu bytes in %.3f s%s%s\n", m.n, secs, rc ? ": " : "", rc ? err : "");
  assert_int_equal(rc, 0);
  assert_true(secs < 5.0); /* well under 1 s in a release build; room for sanitizers */
  dw_arena_free(&a);
  free(m.b);
  free(s.b);
  free(body.b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_valid_bodies), cmocka_unit_test(test_type_errors),
      cmocka_unit_test(test_index_errors), cmocka_unit_test(test_globals),
      cmocka_unit_test(test_module_rules), cmocka_unit_test(test_elem_segments),
      cmocka_unit_test(test_unsupported),  cmocka_unit_test(test_limits),
      cmocka_unit_test(test_decoder),      cmocka_unit_test(test_speed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
