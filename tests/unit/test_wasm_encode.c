/* tests/unit/test_wasm_encode: the canonical re-encoding (wasm/encode), the
 * only form of a guest module that reaches wasm2c and the C compiler. No
 * name the guest chose survives it (export names, custom sections), import
 * names come from dagwood's table, the fuel hooks sit where the costs say,
 * and bulk operations are charged by their length. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_wasm_util.h"
#include "wasm/encode.h"
#include "wasm/wasi.h"

static uint8_t *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  uint8_t *b = malloc(1 << 20);
  *len = b ? fread(b, 1, 1 << 20, f) : 0;
  fclose(f);
  return b;
}

/* Append a custom section (id 0) named name holding payload. */
static size_t add_custom(uint8_t *b, size_t len, const char *name, const char *payload) {
  size_t nl = strlen(name), pl = strlen(payload), body = 1 + nl + pl;
  assert_true(nl < 128 && body < 16384);
  b[len++] = 0;
  b[len++] = (uint8_t)(0x80 | (body & 0x7f));
  b[len++] = (uint8_t)(body >> 7);
  b[len++] = (uint8_t)nl;
  memcpy(b + len, name, nl), len += nl;
  memcpy(b + len, payload, pl), len += pl;
  return len;
}

static void encode(const uint8_t *b, size_t len, dw_exports_mode mode, dw_wasm_unit *u) {
  char err[512];
  if (dw_wasm_encode_bytes(b, len, mode, NULL, u, err, sizeof err)) fail_msg("encode: %s", err);
}

static bool holds(const uint8_t *b, size_t len, const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i + n <= len; i++)
    if (!memcmp(b + i, s, n)) return true;
  return false;
}

/* The same code with other names, more exports and custom sections: the
 * same canonical bytes, so the same C, the same cache key, the same object. */
static void test_names_never_reach_the_compiler(void **state) {
  (void)state;
  size_t lp = 0, ln = 0;
  uint8_t *plain = slurp(tw_fixture("ok_echo"), &lp);
  uint8_t *named = slurp(tw_fixture("echo_named"), &ln);
  assert_non_null(plain);
  assert_non_null(named);
  ln = add_custom(named, ln, "name", "\x01\x05\x01\x00\x02*/");
  ln = add_custom(named, ln, "producers", "__attribute__((constructor)) void p(void) {}");
  dw_wasm_unit a, b;
  encode(plain, lp, DW_EXPORTS_ABI, &a);
  encode(named, ln, DW_EXPORTS_ABI, &b);
  assert_int_equal(a.len, b.len);
  assert_memory_equal(a.wasm, b.wasm, a.len);
  assert_false(holds(b.wasm, b.len, "*/"));
  assert_false(holds(b.wasm, b.len, "passwd"));
  assert_false(holds(b.wasm, b.len, "producers"));
  /* every export under its fixed name and nothing else */
  dw_arena ar;
  dw_arena_init(&ar);
  dw_wasm_info w;
  char err[256];
  assert_int_equal(dw_wasm_parse(b.wasm, b.len, &ar, &w, err, sizeof err), 0);
  assert_int_equal(w.nexports, 4);
  assert_non_null(dw_wasm_find_export(&w, "memory"));
  assert_non_null(dw_wasm_find_export(&w, "process"));
  dw_arena_free(&ar);
  /* and for the testsuite: every export, renamed by position */
  dw_wasm_unit c;
  encode(named, ln, DW_EXPORTS_ALL, &c);
  assert_int_equal(c.nexports, 5); /* four functions and the global; not the memory */
  assert_string_equal(c.exports[3].name, "f4");
  assert_string_equal(c.exports[3].sig, "i>i");
  assert_string_equal(c.exports[4].name, "g5");
  assert_string_equal(c.exports[4].sig, "i");
  assert_false(holds(c.wasm, c.len, "*/"));
  dw_wasm_unit_free(&a);
  dw_wasm_unit_free(&b);
  dw_wasm_unit_free(&c);
  free(plain);
  free(named);
}

/* Import names are written from dagwood's table; one with a NUL byte in it
 * is not the import of the same text, and is refused. */
static void test_import_names(void **state) {
  (void)state;
  size_t len = 0;
  uint8_t *b = slurp(tw_fixture("wasi_write"), &len);
  assert_non_null(b);
  dw_wasm_unit u;
  encode(b, len, DW_EXPORTS_ABI, &u);
  assert_true(holds(u.wasm, u.len, DW_WASI_MODULE));
  assert_true(holds(u.wasm, u.len, "fd_write"));
  assert_true(holds(u.wasm, u.len, DW_HOOK_FUEL));
  dw_wasm_unit_free(&u);
  /* the same module with "fd_write" renamed "fd_writ\0": 8 bytes either way */
  uint8_t *bad = malloc(len);
  memcpy(bad, b, len);
  bool found = false;
  for (size_t i = 0; i + 8 <= len; i++)
    if (!memcmp(bad + i, "fd_write", 8)) bad[i + 7] = 0, found = true;
  assert_true(found);
  char err[512];
  assert_int_equal(dw_wasm_encode_bytes(bad, len, DW_EXPORTS_ABI, NULL, &u, err, sizeof err), -1);
  assert_non_null(strstr(err, "is not a function dagwood provides"));
  free(bad);
  free(b);
}

/* A site at each function entry and loop header, charged the instructions
 * it stands for; the same module twice gives the same bytes. */
static void test_fuel_sites(void **state) {
  (void)state;
  /* (func (result i32) (i32.const 1) (i32.const 2) (i32.add))
   * (func (param i32) (loop (br_if 0 (local.get 0)))) */
  static const uint8_t mod[] = {
      0,  'a', 's',  'm',  1,    0, 0,    0,                   /* header */
      1,  9,   2,    0x60, 0,    1, 0x7f, 0x60, 1,    0x7f, 0, /* types */
      3,  3,   2,    0,    1,                                  /* functions */
      10, 19,  2,                                              /* code: 2 bodies */
      7,  0,   0x41, 1,    0x41, 2, 0x6a, 0x0b,                /* 1 + 2 */
      9,  0,   0x03, 0x40, 0x20, 0, 0x0d, 0,    0x0b, 0x0b,    /* loop */
  };
  dw_wasm_unit u, v;
  encode(mod, sizeof mod, DW_EXPORTS_ALL, &u);
  encode(mod, sizeof mod, DW_EXPORTS_ALL, &v);
  assert_int_equal(u.len, v.len);
  assert_memory_equal(u.wasm, v.wasm, u.len);
  assert_int_equal(u.ncost, 3);       /* two entries, one loop header */
  assert_int_equal(u.cost[0], 1 + 3); /* the hook, const, const, add (end is free) */
  assert_int_equal(u.cost[1], 1 + 1); /* the hook, the loop instruction */
  assert_int_equal(u.cost[2], 1 + 2); /* the hook, local.get, br_if */
  dw_wasm_unit_free(&u);
  dw_wasm_unit_free(&v);
}

/* memory.fill costs fuel in proportion to its length (one unit per 16
 * bytes), after it ran. */
static void test_bulk_charged_by_length(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "f", tw_fixture("fill_once"), NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  dw_call c;
  assert_int_equal(tw_call(m, &c, "f", "a", NULL, 0), 0);
  unsigned long one = strtoul(tw_md(&c, "fuel_consumed"), NULL, 10);
  dw_call_clear(&c);
  assert_int_equal(tw_call(m, &c, "f", "aaaaa", NULL, 0), 0);
  unsigned long five = strtoul(tw_md(&c, "fuel_consumed"), NULL, 10);
  dw_call_clear(&c);
  /* four more input bytes: 16 KiB more filled, 1024 units more */
  if (five - one < 1000 || five - one > 1100)
    fail_msg("fuel for 4 KiB and 20 KiB filled: %lu and %lu", one, five);
  dw_wasm_module_free(m);
  tw_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_names_never_reach_the_compiler),
      cmocka_unit_test(test_import_names),
      cmocka_unit_test(test_fuel_sites),
      cmocka_unit_test(test_bulk_charged_by_length),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
