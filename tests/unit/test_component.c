/* tests/unit/test_component: WebAssembly components (issue 7). The parser
 * on the committed fixtures (tests/components/fixtures, built by regen.sh)
 * and on hostile mutations of them (truncated at every length, wrong
 * version, lying section sizes, start / async / thread / value / unknown
 * sections, nested components, legacy custom-section modules); the
 * canonical-ABI checks on a fake memory; the adapter; and whole calls
 * through wasm2c and the sandbox: the RLE components (freestanding and
 * wasi-libc + preview1 adapter) and every misbehaviour of the hostile
 * guest, each a clean failure with the host alive; what components get
 * without options.capabilities (the stand-ins for the original's Rust and
 * JS components log to stdout and stderr, read their argument, the clocks
 * and random bytes, and exit through proc_exit, with no grant) and what
 * they never get (files, sockets; the environment only with its grant);
 * and four threads sharing one prepared component (DW_TSAN_LABEL: part of
 * the TSan suite). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/call.h"
#include "util/arena.h"
#include "wasm/canon.h"
#include "wasm/component.h"
#include "wasm/component_run.h"
#include "wasm/parse.h"
#include "wasm/rt.h"
#include "wasm/wasi.h"
#include "wasm/wasm.h"

/* ------------------------------------------------------------ helpers */

static uint8_t *load(const char *name, size_t *len) {
  const char *src = getenv("DW_SOURCE_DIR");
  char path[2048];
  snprintf(path, sizeof path, "%s/tests/components/fixtures/%s.wasm", src && *src ? src : ".",
           name);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fail_msg("cannot open %s", path);
    return NULL;
  }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  uint8_t *b = malloc((size_t)n + 1);
  assert_non_null(b);
  assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
  fclose(f);
  *len = (size_t)n;
  return b;
}

/* Parse; returns 0 or -1 and the error text in err. */
static int parse(const uint8_t *b, size_t len, dw_component *c, char *err, size_t errlen) {
  dw_arena a;
  dw_arena_init(&a);
  int rc = dw_component_parse(b, len, &a, c, err, errlen);
  if (rc) {
    assert_true(err[0] != 0); /* a refusal always says why */
    assert_null(c->core);
  }
  dw_arena_free(&a);
  return rc;
}

static void expect_refusal(const uint8_t *b, size_t len, const char *needle) {
  dw_component c;
  char err[600];
  int rc = parse(b, len, &c, err, sizeof err);
  if (rc == 0) fail_msg("accepted; expected a refusal with '%s'", needle);
  if (!strstr(err, needle)) fail_msg("error '%s' lacks '%s'", err, needle);
}

/* A copy of b with a section (id, body) appended. */
static uint8_t *with_section(const uint8_t *b, size_t len, uint8_t id, const void *body,
                             size_t blen, size_t *out_len) {
  uint8_t *o = malloc(len + blen + 8);
  assert_non_null(o);
  memcpy(o, b, len);
  size_t n = len;
  o[n++] = id;
  uint32_t v = (uint32_t)blen;
  do {
    uint8_t x = v & 0x7f;
    v >>= 7;
    o[n++] = x | (v ? 0x80 : 0);
  } while (v);
  memcpy(o + n, body, blen);
  *out_len = n + blen;
  return o;
}

/* -------------------------------------------------------------- sniff */

static void test_sniff(void **state) {
  (void)state;
  size_t len;
  uint8_t *b = load("rle", &len);
  assert_int_equal(dw_bin_sniff(b, len), DW_BIN_COMPONENT);
  static const uint8_t core[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  assert_int_equal(dw_bin_sniff(core, sizeof core), DW_BIN_CORE);
  assert_int_equal(dw_bin_sniff(core, 4), DW_BIN_NOT_WASM);
  assert_int_equal(dw_bin_sniff((const uint8_t *)"hello wo", 8), DW_BIN_NOT_WASM);
  static const uint8_t v2[] = {0, 'a', 's', 'm', 2, 0, 0, 0};
  assert_int_equal(dw_bin_sniff(v2, sizeof v2), DW_BIN_UNKNOWN_VERSION);
  char buf[300];
  assert_non_null(
      strstr(dw_bin_refusal(v2, 8, DW_BIN_UNKNOWN_VERSION, buf, sizeof buf), "version 0x0002"));
  /* the original's legacy encoding: version 1 + a "component" custom section */
  static const uint8_t legacy[] = {0,   'a', 's', 'm', 1,   0,   0,   0,   0,   11, 9,
                                   'c', 'o', 'm', 'p', 'o', 'n', 'e', 'n', 't', 0};
  assert_int_equal(dw_bin_sniff(legacy, sizeof legacy), DW_BIN_LEGACY_COMPONENT);
  assert_string_equal(
      dw_bin_refusal(legacy, sizeof legacy, DW_BIN_LEGACY_COMPONENT, buf, sizeof buf),
      "Unsupported WASM binary: Legacy Preview 1 Component Model detected. Please "
      "upgrade to modern Component Model (binary version 2+) or use classic WASM.");
  expect_refusal(legacy, sizeof legacy, "Legacy Preview 1 Component Model");
  expect_refusal(core, sizeof core, "not a component");
  free(b);
}

/* ------------------------------------------------------------- parser */

static void test_parse_fixtures(void **state) {
  (void)state;
  size_t len;
  dw_component c;
  char err[600];
  uint8_t *b = load("rle", &len);
  assert_int_equal(parse(b, len, &c, err, sizeof err), 0);
  free(b);
  static const char *const ok[] = {"rle",     "rle_wasi",    "rle_rust", "rle_js",
                                   "hostile", "bad_realloc", "outside"};
  for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
    b = load(ok[i], &len);
    dw_arena a;
    dw_arena_init(&a);
    if (dw_component_parse(b, len, &a, &c, err, sizeof err)) fail_msg("%s: %s", ok[i], err);
    assert_true(c.core > b && c.core + c.core_len <= b + len);
    assert_memory_equal(c.core, "\0asm\1\0\0\0", 8);
    assert_string_equal(c.process_export, DW_COMPONENT_EXPORT "#process");
    assert_string_equal(c.realloc_export, "cabi_realloc");
    assert_string_equal(c.memory_export, "memory");
    assert_string_equal(c.post_return_export, "cabi_post_" DW_COMPONENT_EXPORT "#process");
    dw_wasm_info w;
    char why[300];
    assert_int_equal(dw_wasm_parse(c.core, c.core_len, &a, &w, why, sizeof why), 0);
    bool adapter = !strcmp(ok[i], "rle_wasi") || !strcmp(ok[i], "rle_rust") ||
                   !strcmp(ok[i], "rle_js") || !strcmp(ok[i], "outside");
    if (adapter) {
      assert_true(c.nimports > 0);
      assert_int_equal(c.ninstance_args, 1);
      assert_string_equal(c.instance_args[0], DW_WASI_MODULE);
      assert_int_equal(c.nmodules, 4); /* main, adapter, shim, fixup */
    } else {
      assert_int_equal(c.nimports, 0);
      assert_int_equal(c.nmodules, 1);
    }
    dw_arena_free(&a);
    free(b);
  }
  b = load("wrong_type", &len);
  expect_refusal(b, len,
                 "process: func(input: string) -> string; the world needs func(input: "
                 "list<u8>) -> result<list<u8>, processing-error>");
  free(b);
  b = load("other_name", &len);
  expect_refusal(b, len,
                 "does not export dagwood:component/processing-node@1.0.0 (the "
                 "dagwood:component@1.0.0 world); it exports dagwood:other/processing-node@1.0.0");
  free(b);
}

static void test_truncated(void **state) {
  (void)state;
  static const char *const names[] = {"rle", "rle_wasi", "hostile"};
  for (size_t k = 0; k < 3; k++) {
    size_t len;
    uint8_t *b = load(names[k], &len);
    for (size_t n = 0; n < len; n++) {
      /* an exact copy, so that ASan sees a read past the end */
      uint8_t *t = malloc(n ? n : 1);
      memcpy(t, b, n);
      dw_component c;
      char err[400];
      dw_arena a;
      dw_arena_init(&a);
      int rc = dw_component_parse(t, n, &a, &c, err, sizeof err);
      if (rc == 0 && n < len) {
        /* a cut exactly between trailing custom sections may still parse */
        assert_true(c.core + c.core_len <= t + n);
      } else {
        assert_true(err[0] != 0);
      }
      dw_arena_free(&a);
      free(t);
    }
    free(b);
  }
}

static void test_hostile_bytes(void **state) {
  (void)state;
  size_t len, n;
  uint8_t *b = load("rle", &len);
  uint8_t *t = malloc(len);
  /* wrong version and layer */
  memcpy(t, b, len);
  t[4] = 0x0e;
  expect_refusal(t, len, "unknown WebAssembly binary version 0x000e");
  memcpy(t, b, len);
  t[6] = 2;
  expect_refusal(t, len, "layer 0x0002");
  /* the first section (the core module) claims more bytes than the file has */
  memcpy(t, b, len);
  t[9] = 0xff, t[10] = 0x7f;
  expect_refusal(t, len, "claims");
  /* ... or fewer: the core module then ends early and the rest is garbage */
  memcpy(t, b, len);
  t[9] = 0x10, t[10] = 0x00;
  {
    dw_component c;
    char err[400];
    assert_int_not_equal(parse(t, len, &c, err, sizeof err), 0);
  }
  /* an over-long LEB128 in a section size */
  memcpy(t, b, len);
  memset(t + 9, 0x80, 5);
  expect_refusal(t, len, "LEB128");
  free(t);
  /* sections dagwood refuses */
  static const uint8_t start[] = {0, 0, 0};
  uint8_t *x = with_section(b, len, 9, start, sizeof start, &n);
  expect_refusal(x, n, "a start function");
  free(x);
  x = with_section(b, len, 13, start, sizeof start, &n);
  expect_refusal(x, n, "unknown section id 13");
  free(x);
  x = with_section(b, len, 12, start, sizeof start, &n);
  expect_refusal(x, n, "value section");
  free(x);
  static const uint8_t yield[] = {1, 0x0c, 0};
  x = with_section(b, len, 8, yield, sizeof yield, &n);
  expect_refusal(x, n, "async built-in canon yield");
  free(x);
  static const uint8_t task_return[] = {1, 0x09, 1, 0, 0};
  x = with_section(b, len, 8, task_return, sizeof task_return, &n);
  expect_refusal(x, n, "async built-in canon task.return");
  free(x);
  static const uint8_t spawn[] = {1, 0x40, 0};
  x = with_section(b, len, 8, spawn, sizeof spawn, &n);
  expect_refusal(x, n, "threads built-in canon thread.spawn-ref");
  free(x);
  /* a canon lift with the async option */
  static const uint8_t async_lift[] = {1, 0, 0, 0, 1, 6, 0};
  x = with_section(b, len, 8, async_lift, sizeof async_lift, &n);
  expect_refusal(x, n, "'async'");
  free(x);
  /* a nested component holding a core module (not a shim) */
  static const uint8_t nested[] = {0, 'a', 's', 'm', 0x0d, 0, 1, 0, 1,
                                   8, 0,   'a', 's', 'm',  1, 0, 0, 0};
  x = with_section(b, len, 4, nested, sizeof nested, &n);
  expect_refusal(x, n, "defines core modules");
  free(x);
  /* a component nested two deep */
  static const uint8_t deep[] = {0, 'a', 's', 'm', 0x0d, 0,    1, 0, 4,
                                 8, 0,   'a', 's', 'm',  0x0d, 0, 1, 0};
  x = with_section(b, len, 4, deep, sizeof deep, &n);
  expect_refusal(x, n, "nested 3 deep");
  free(x);
  /* an export naming an instance that does not exist */
  static const uint8_t bad_export[] = {1, 0, 1, 'x', 5, 99, 0};
  x = with_section(b, len, 11, bad_export, sizeof bad_export, &n);
  expect_refusal(x, n, "instance 99, which does not exist");
  free(x);
  /* a second export of the same name */
  static const char dup[] = "\x01\x00\x27" DW_COMPONENT_EXPORT "\x05\x00\x00";
  x = with_section(b, len, 11, dup, sizeof dup - 1, &n);
  expect_refusal(x, n, "is used twice");
  free(x);
  /* a core instantiation of a module that does not exist */
  static const uint8_t bad_inst[] = {1, 0, 9, 0};
  x = with_section(b, len, 2, bad_inst, sizeof bad_inst, &n);
  expect_refusal(x, n, "core module 9, which does not exist");
  free(x);
  /* a type section whose count lies */
  static const uint8_t lying[] = {0xff, 0xff, 0x03, 0x7d};
  x = with_section(b, len, 7, lying, sizeof lying, &n);
  expect_refusal(x, n, "exceeds the bytes left");
  free(x);
  /* types nested without end */
  uint8_t nest[200];
  size_t k = 0;
  nest[k++] = 1;
  for (int i = 0; i < 60; i++) nest[k++] = 0x42, nest[k++] = 1, nest[k++] = 1;
  nest[k++] = 0x7d;
  x = with_section(b, len, 7, nest, k, &n);
  expect_refusal(x, n, "nested more than");
  free(x);
  free(b);
}

/* ------------------------------------------------------ canonical ABI */

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void expect_read(const uint8_t *mem, uint64_t size, uint32_t ret, const char *needle) {
  dw_canon_result r;
  char why[400] = "";
  int rc = dw_canon_read_result(mem, size, ret, &r, why, sizeof why);
  if (!needle) {
    if (rc) fail_msg("refused: %s", why);
    return;
  }
  if (rc == 0) fail_msg("accepted; expected '%s'", needle);
  if (!strstr(why, needle)) fail_msg("'%s' lacks '%s'", why, needle);
}

static void test_canon(void **state) {
  (void)state;
  enum { SZ = 4096 };
  uint8_t *mem = calloc(1, SZ);
  /* ok: list at 100, 5 bytes */
  put32(mem + 1024 + 8, 100), put32(mem + 1024 + 12, 5);
  memcpy(mem + 100, "hello", 5);
  expect_read(mem, SZ, 1024, NULL);
  dw_canon_result r;
  char why[300];
  assert_int_equal(dw_canon_read_result(mem, SZ, 1024, &r, why, sizeof why), 0);
  assert_false(r.is_err);
  assert_int_equal(r.ptr, 100);
  assert_int_equal(r.len, 5);
  expect_read(mem, SZ, 1028, "not aligned to 8");
  expect_read(mem, SZ, SZ - 16, "run past the end of the memory");
  expect_read(mem, SZ, 0xfffffff8u, "run past the end of the memory");
  put32(mem + 1024 + 8, SZ - 2);
  expect_read(mem, SZ, 1024, "the output list (5 bytes at 4094) runs past the end");
  put32(mem + 1024 + 8, 0xffffffffu);
  expect_read(mem, SZ, 1024, "runs past the end");
  mem[1024] = 2;
  expect_read(mem, SZ, 1024, "discriminant is 2");
  /* err */
  mem[1024] = 1, mem[1024 + 8] = 3;
  expect_read(mem, SZ, 1024, "processing-error case is 3");
  mem[1024 + 8] = 0;
  put32(mem + 1024 + 16, 200), put32(mem + 1024 + 20, 4);
  memcpy(mem + 200, "b\xc3\xa9\"", 4);
  expect_read(mem, SZ, 1024, NULL);
  assert_int_equal(dw_canon_read_result(mem, SZ, 1024, &r, why, sizeof why), 0);
  char *msg = dw_canon_error_message(mem, &r);
  assert_string_equal(
      msg,
      "Component process() returned error: ProcessingError::InvalidInput(\"b\xc3\xa9"
      "\\\"\")");
  free(msg);
  assert_int_equal(dw_canon_error_code(r.err_case), 400);
  memcpy(mem + 200, "a\xff\n", 4);
  expect_read(mem, SZ, 1024, "not valid UTF-8 (at byte 1)");
  memcpy(mem + 200, "\xed\xa0\x80x", 4); /* a surrogate */
  expect_read(mem, SZ, 1024, "not valid UTF-8");
  memcpy(mem + 200, "\xf0\x9f\x98", 3); /* truncated 4-byte sequence + 'x' */
  mem[203] = 'x';
  expect_read(mem, SZ, 1024, "not valid UTF-8");
  put32(mem + 1024 + 16, SZ - 1);
  expect_read(mem, SZ, 1024, "the error string (4 bytes at 4095) runs past the end");
  /* processing-failed with characters Rust's Debug escapes */
  mem[1024 + 8] = 1;
  put32(mem + 1024 + 16, 300), put32(mem + 1024 + 20, 7);
  memcpy(mem + 300, "a\nb\t\\\x01\x7f", 7);
  assert_int_equal(dw_canon_read_result(mem, SZ, 1024, &r, why, sizeof why), 0);
  msg = dw_canon_error_message(mem, &r);
  assert_string_equal(msg,
                      "Component process() returned error: "
                      "ProcessingError::ProcessingFailed(\"a\\nb\\t\\\\\\u{1}\\u{7f}\")");
  free(msg);
  assert_int_equal(dw_canon_error_code(r.err_case), 500);
  /* input-too-large: a u64, no bounds to check */
  mem[1024 + 8] = 2;
  uint64_t v = 1048577;
  memcpy(mem + 1024 + 16, &v, 8);
  assert_int_equal(dw_canon_read_result(mem, SZ, 1024, &r, why, sizeof why), 0);
  msg = dw_canon_error_message(mem, &r);
  assert_string_equal(
      msg, "Component process() returned error: ProcessingError::InputTooLarge(1048577)");
  free(msg);
  assert_int_equal(dw_canon_error_code(r.err_case), 413);
  /* realloc's answer */
  assert_int_equal(dw_canon_check_alloc(SZ, 0, 0, 1, why, sizeof why), 0);
  assert_int_equal(dw_canon_check_alloc(SZ, SZ, 0, 1, why, sizeof why), 0);
  assert_int_equal(dw_canon_check_alloc(SZ, SZ - 3, 4, 1, why, sizeof why), -1);
  assert_non_null(strstr(why, "past the end of the memory"));
  assert_int_equal(dw_canon_check_alloc(SZ, 0xfffffff0u, 0x20, 1, why, sizeof why), -1);
  assert_int_equal(dw_canon_check_alloc(SZ, 3, 1, 4, why, sizeof why), -1);
  assert_non_null(strstr(why, "not aligned"));
  free(mem);
}

/* ------------------------------------------------------------ adapter */

static void test_adapt(void **state) {
  (void)state;
  size_t len, alen;
  uint8_t *b = load("rle_wasi", &len);
  dw_arena a;
  dw_arena_init(&a);
  dw_component c;
  char err[400];
  assert_int_equal(dw_component_parse(b, len, &a, &c, err, sizeof err), 0);
  uint8_t *m = dw_component_adapt(&c, &alen, err, sizeof err);
  if (!m) fail_msg("%s", err);
  dw_wasm_info w;
  assert_int_equal(dw_wasm_parse(m, alen, &a, &w, err, sizeof err), 0);
  const dw_wasm_export *e = dw_wasm_find_export(&w, "allocate");
  assert_non_null(e);
  assert_true(dw_wasm_func_sig_is(&w, e->index, "\x7f", "\x7f"));
  e = dw_wasm_find_export(&w, "process");
  assert_non_null(e);
  assert_true(dw_wasm_func_sig_is(&w, e->index, "\x7f\x7f\x7f", "\x7f"));
  assert_non_null(dw_wasm_find_export(&w, "memory"));
  assert_non_null(dw_wasm_find_export(&w, "_initialize"));
  assert_int_equal(w.nexports, 4);
  free(m);
  dw_arena_free(&a);
  free(b);
}

/* --------------------------------------------------------- whole calls */

typedef struct outcome {
  int rc;
  char out[256];
  size_t out_len;
  int code;
  char msg[1024];
  char artifact[64];
} outcome;

static void run(dw_component_run *r, const void *in, size_t len, outcome *o) {
  dw_call c;
  dw_call_init(&c, "p", in, len, NULL);
  memset(o, 0, sizeof *o);
  o->rc = dw_component_invoke(r, &c);
  if (o->rc == 0) {
    o->out_len = c.out_len;
    memcpy(o->out, c.out, c.out_len < sizeof o->out - 1 ? c.out_len : sizeof o->out - 1);
    for (size_t i = 0; i < c.md_n; i++)
      if (!strcmp(c.md[i].key, "artifact_type"))
        snprintf(o->artifact, sizeof o->artifact, "%s", c.md[i].value);
  } else {
    o->code = c.err_code;
    snprintf(o->msg, sizeof o->msg, "%s", c.err_msg ? c.err_msg : "");
  }
  dw_call_clear(&c);
}

static dw_component_run *prep(const char *name, uint32_t caps, uint64_t fuel) {
  size_t len;
  uint8_t *b = load(name, &len);
  dw_component_limits lim = {fuel, 16, 256, caps, 0};
  char err[1024];
  dw_component_run *r =
      dw_component_prepare(b, len, "p", name, name, &lim, NULL, NULL, err, sizeof err);
  free(b);
  if (!r) fail_msg("prepare %s: %s", name, err);
  return r;
}

static void check_rle(dw_component_run *r) {
  outcome o;
  run(r, "hello world", 11, &o);
  assert_int_equal(o.rc, 0);
  assert_string_equal(o.out, "1h1e2l1o1 1w1o1r1l1d");
  assert_string_equal(o.artifact, "WIT Component");
  run(r, "aaabbc", 6, &o);
  assert_string_equal(o.out, "3a2b1c");
  run(r, "", 0, &o);
  assert_int_equal(o.rc, 0);
  assert_int_equal(o.out_len, 0);
  run(r, "caf\xc3\xa9", 5, &o);
  assert_int_equal(o.rc, -1);
  assert_int_equal(o.code, 400);
  assert_string_equal(o.msg,
                      "Component process() returned error: ProcessingError::InvalidInput("
                      "\"input is not ASCII: byte 195 at offset 3\")");
  size_t big = (1u << 20) + 1;
  char *in = malloc(big);
  memset(in, 'z', big);
  run(r, in, big, &o);
  assert_int_equal(o.code, 413);
  assert_string_equal(
      o.msg, "Component process() returned error: ProcessingError::InputTooLarge(1048577)");
  run(r, in, big - 1, &o); /* exactly 1 MiB of one byte, within the default fuel */
  if (o.rc) fail_msg("1 MiB: %s", o.msg);
  assert_string_equal(o.out, "1048576z");
  free(in);
}

static void test_rle(void **state) {
  (void)state;
  dw_component_run *r = prep("rle", 0, 100000000);
  check_rle(r);
  dw_component_run_free(r);
  /* a second prepare finds the compiled module in the cache */
  r = prep("rle", 0, 100000000);
  assert_true(dw_component_run_cached(r));
  dw_component_run_free(r);
}

typedef struct msgs {
  char all[4096];
  int n;
} msgs;

static void collect(void *ctx, const char *msg) {
  msgs *m = ctx;
  size_t l = strlen(m->all);
  snprintf(m->all + l, sizeof m->all - l, "%s\n", msg);
  m->n++;
}

static void test_rle_wasi(void **state) {
  (void)state;
  size_t len;
  uint8_t *b = load("rle_wasi", &len);
  dw_component_limits lim = {100000000, 16, 256, 0, 0};
  msgs m = {.n = 0};
  /* fd_write is imported (wasi-libc's stdio): a component has it without a grant */
  assert_int_equal(dw_component_check(b, len, "rle_wasi.wasm", "p", &lim, collect, &m), 0);
  /* its initial memory over the processor's limit */
  lim.max_pages = 1, lim.max_mb = 1;
  m.n = 0, m.all[0] = 0;
  assert_int_equal(dw_component_check(b, len, "rle_wasi.wasm", "p", &lim, collect, &m), 1);
  assert_non_null(strstr(m.all, "pages"));
  assert_non_null(strstr(m.all, "max_memory_mb allows 1 MiB"));
  lim.max_pages = 256, lim.max_mb = 16;
  free(b);
  dw_component_run *r = prep("rle_wasi", 0, 100000000);
  check_rle(r);
  dw_component_run_free(r);
}

/* ------------------------------------------------ what components get */

/* The lines the calls wrote, as the log sink hands them over. */
typedef struct logged {
  pthread_mutex_t mu;
  char text[8192]; /* "<id> <fd> <line>\n"... */
} logged;

static void log_line(void *user, const char *id, int fd, const char *line, size_t len) {
  logged *l = user;
  pthread_mutex_lock(&l->mu);
  size_t n = strlen(l->text);
  snprintf(l->text + n, sizeof l->text - n, "%s %d %.*s\n", id, fd, (int)len, line);
  pthread_mutex_unlock(&l->mu);
}

static const char *md(const dw_call *c, const char *key) {
  for (size_t i = 0; i < c->md_n; i++)
    if (!strcmp(c->md[i].key, key)) return c->md[i].value;
  return "";
}

/* The stand-ins for the original's Rust and JS components (preview1
 * adapter; they import args_get, clock_time_get, random_get, fd_write,
 * proc_exit...) pass validation and run with no capability granted: their
 * stdout and stderr lines reach the log sink, their argument is the
 * original's, and proc_exit ends a call cleanly. */
static void test_default_caps(void **state) {
  (void)state;
  static logged l = {.mu = PTHREAD_MUTEX_INITIALIZER};
  static const char *const names[] = {"rle_rust", "rle_js"};
  for (size_t k = 0; k < 2; k++) {
    const char *name = names[k];
    size_t len;
    uint8_t *b = load(name, &len);
    dw_component_limits lim = {100000000, 16, 256, 0, 0};
    msgs m = {.n = 0};
    if (dw_component_check(b, len, name, "p", &lim, collect, &m))
      fail_msg("%s refused without capabilities: %s", name, m.all);
    free(b);
    dw_component_run *r = prep(name, 0, 100000000);
    l.text[0] = 0;
    dw_wasm_set_log_sink(log_line, &l);
    dw_call c;
    dw_call_init(&c, "p", (const uint8_t *)"hello world", 11, NULL);
    int rc = dw_component_invoke(r, &c);
    dw_wasm_set_log_sink(NULL, NULL);
    if (rc) fail_msg("%s: %s", name, c.err_msg);
    assert_int_equal(c.out_len, 20);
    assert_memory_equal(c.out, "1h1e2l1o1 1w1o1r1l1d", 20);
    /* the metadata says what the call could use */
    assert_string_equal(md(&c, "capabilities"), "stdout,stderr,clock,random,args,proc_exit");
    dw_call_clear(&c);
    char want[512];
    snprintf(want, sizeof want,
             "p 1 %s: 11 bytes -> 20 bytes (dagwood-component)\n"
             "p 2 %s: 10 runs\n",
             name, name);
    assert_string_equal(l.text, want);
    /* an error result writes its stderr line too */
    l.text[0] = 0;
    dw_wasm_set_log_sink(log_line, &l);
    outcome o;
    run(r, "caf\xc3\xa9", 5, &o);
    dw_wasm_set_log_sink(NULL, NULL);
    assert_int_equal(o.code, 400);
    snprintf(want, sizeof want, "p 2 %s: rejected: input is not ASCII: byte 195 at offset 3\n",
             name);
    assert_string_equal(l.text, want);
    check_rle(r);
    dw_component_run_free(r);
  }
  /* proc_exit: within 1 MiB of memory, a 900 000-byte input fits but its
   * output buffer does not; the guest says so on stderr and exits(70) */
  size_t len;
  uint8_t *b = load("rle_rust", &len);
  dw_component_limits lim = {100000000, 1, 16, 0, 0};
  char err[1024];
  dw_component_run *r =
      dw_component_prepare(b, len, "p", "rle_rust", "rle_rust", &lim, NULL, NULL, err, sizeof err);
  free(b);
  if (!r) fail_msg("prepare rle_rust within 1 MiB: %s", err);
  size_t big = 900000;
  char *in = malloc(big);
  memset(in, 'a', big);
  l.text[0] = 0;
  dw_wasm_set_log_sink(log_line, &l);
  outcome o;
  run(r, in, big, &o);
  dw_wasm_set_log_sink(NULL, NULL);
  free(in);
  assert_int_equal(o.rc, -1);
  assert_string_equal(o.msg,
                      "Component instantiation/call failed: WASM component 'rle_rust': "
                      "proc_exit(70) during process");
  assert_string_equal(l.text, "p 2 rle_rust: malloc failed (1800001)\n");
  dw_component_run_free(r);
}

/* What a component never gets without a grant: files and sockets (no
 * capability grants them), the environment (only with environ). Each
 * import is named, with what to do. */
static void test_outside_defaults(void **state) {
  (void)state;
  size_t len;
  uint8_t *b = load("outside", &len);
  dw_component_limits lim = {100000000, 16, 256, 0, 0};
  msgs m = {.n = 0};
  int n = dw_component_check(b, len, "outside.wasm", "p", &lim, collect, &m);
  static const char *const want[] = {
      "WASM component 'outside.wasm' imports wasi_snapshot_preview1.path_open (through the "
      "preview1 adapter), a file function: dagwood gives WebAssembly no files and no capability "
      "grants them; build the component without file access (components get stdout, stderr, "
      "clock, random, args and proc_exit without a grant, the environment with capabilities: "
      "[environ])\n",
      "imports wasi_snapshot_preview1.fd_read (through the preview1 adapter), a file function",
      "imports wasi_snapshot_preview1.fd_prestat_get (through the preview1 adapter), a file "
      "function",
      "imports wasi_snapshot_preview1.sock_send (through the preview1 adapter), a socket "
      "function: dagwood gives WebAssembly no network and no capability grants it; build the "
      "component without network access",
      "WASM component 'outside.wasm' imports wasi_snapshot_preview1.environ_get (through the "
      "preview1 adapter), which needs the capability environ: add it to options.capabilities of "
      "'p' (components get stdout, stderr, clock, random, args and proc_exit without a grant)\n",
      "imports wasi_snapshot_preview1.environ_sizes_get (through the preview1 adapter), which "
      "needs the capability environ"};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++)
    if (!strstr(m.all, want[i])) fail_msg("the refusal lacks '%s':\n%s", want[i], m.all);
  assert_int_equal(n, 8); /* the two environ_*, five file functions, sock_send */
  /* granting environ leaves the files and the socket refused; granting
   * everything there is changes nothing more */
  lim.caps = DW_CAP_ENVIRON;
  m.n = 0, m.all[0] = 0;
  assert_int_equal(dw_component_check(b, len, "outside.wasm", "p", &lim, collect, &m), 6);
  assert_null(strstr(m.all, "environ_get"));
  lim.caps = (1u << dw_cap_count) - 1;
  m.n = 0, m.all[0] = 0;
  assert_int_equal(dw_component_check(b, len, "outside.wasm", "p", &lim, collect, &m), 6);
  assert_non_null(strstr(m.all, "path_open"));
  char err[1024];
  dw_component_run *r =
      dw_component_prepare(b, len, "p", "outside", "outside", &lim, NULL, NULL, err, sizeof err);
  assert_null(r);
  assert_non_null(strstr(err, "a file function"));
  free(b);
  /* the classification behind the messages */
  assert_string_equal(dw_wasi_missing_kind("path_open"), "file");
  assert_string_equal(dw_wasi_missing_kind("fd_readdir"), "file");
  assert_string_equal(dw_wasi_missing_kind("sock_accept"), "network");
  assert_string_equal(dw_wasi_missing_kind("poll_oneoff"), "other");
  assert_null(dw_wasi_missing_kind("fd_write"));   /* in the subset */
  assert_null(dw_wasi_missing_kind("path_open ")); /* not a preview1 name */
  assert_null(dw_wasi_missing_kind("open"));
  assert_null(dw_wasi_missing_kind("fd_read fd_tell"));
  assert_null(dw_wasi_missing_kind(""));
}

static void test_hostile_calls(void **state) {
  (void)state;
  dw_component_run *r = prep("hostile", 0, 5000000);
  static const struct {
    const char *in, *want;
  } cases[] = {
      {"misalign",
       "Component instantiation/call failed: WASM component 'hostile': process "
       "returned the result pointer"},
      {"misalign", "not aligned to 8"},
      {"ret-oob", "its 24 bytes run past the end of the memory"},
      {"bad-tag", "the result's discriminant is 2"},
      {"bad-case", "the processing-error case is 3"},
      {"list-oob", "the output list (100 bytes at 4294901760) runs past the end"},
      {"str-oob", "the error string (64 bytes at 4294967280) runs past the end"},
      {"bad-utf8", "the error string (11 bytes at"},
      {"bad-utf8", "is not valid UTF-8 (at byte 4)"},
      {"unreachable",
       "Component instantiation/call failed: WASM component 'hostile': trap: "
       "unreachable instruction executed in process"},
      {"loop", "out of fuel: process used its whole budget of 5000000 units"},
      {"post-trap", "trap: unreachable instruction executed in post-return"},
      {"failed",
       "Component process() returned error: ProcessingError::ProcessingFailed(\"it "
       "\\\"failed\\\"\\n\\tbadly \\\\ here\")"},
      {"too-large", "ProcessingError::InputTooLarge(18446744073709551615)"},
      {"invalid", "ProcessingError::InvalidInput(\"no good: caf\xc3\xa9\")"},
  };
  outcome o;
  for (int round = 0; round < 2; round++) {
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
      run(r, cases[i].in, strlen(cases[i].in), &o);
      if (o.rc == 0) fail_msg("%s: succeeded", cases[i].in);
      if (!strstr(o.msg, cases[i].want))
        fail_msg("%s: '%s' lacks '%s'", cases[i].in, o.msg, cases[i].want);
    }
    /* the host is alive and the next call is a fresh instance */
    run(r, "echo me", 7, &o);
    assert_int_equal(o.rc, 0);
    assert_string_equal(o.out, "echo me");
  }
  /* growing until refused: max_memory_mb (16 MiB) holds, the call succeeds */
  run(r, "grow", 4, &o);
  assert_int_equal(o.rc, 0);
  assert_string_equal(o.out, "grow");
  dw_component_run_free(r);
  /* the wall clock: an endless loop with fuel to spare stops at its deadline */
  r = prep("hostile", 0, UINT64_MAX / 2);
  dw_call c;
  dw_call_init(&c, "p", (const uint8_t *)"loop", 4, NULL);
  c.deadline_ns = dw_rt_now_ns() + 100000000u;
  assert_int_equal(dw_component_invoke(r, &c), -1);
  assert_int_equal(c.err_code, 504);
  assert_non_null(strstr(c.err_msg,
                         "Component instantiation/call failed: WASM component "
                         "'hostile': timeout: process ran past its deadline"));
  dw_call_clear(&c);
  dw_component_run_free(r);
  r = prep("bad_realloc", 0, 1000000);
  run(r, "x", 1, &o);
  assert_int_equal(o.rc, -1);
  assert_non_null(strstr(o.msg,
                         "Component instantiation/call failed: WASM component "
                         "'bad_realloc': realloc returned 4294967280 for 1 bytes, past the "
                         "end of the memory"));
  dw_component_run_free(r);
}

/* Several threads share one prepared component; each call is a fresh
 * instance, so outputs never mix and traps stay in their thread. */
typedef struct par {
  dw_component_run *rle, *hostile;
  int id, bad;
} par;

static void *par_main(void *arg) {
  par *p = arg;
  outcome o;
  char in[64], want[160];
  for (int i = 0; i < 60; i++) {
    int n = snprintf(in, sizeof in, "%c%cx%d", 'a' + p->id, 'a' + p->id, i);
    run(p->rle, in, (size_t)n, &o);
    char digits[16];
    snprintf(digits, sizeof digits, "%d", i);
    size_t k = (size_t)snprintf(want, sizeof want, "2%c1x", 'a' + p->id);
    for (const char *d = digits; *d; d++) {
      size_t run_len = 1;
      while (d[run_len] == *d) run_len++;
      k += (size_t)snprintf(want + k, sizeof want - k, "%zu%c", run_len, *d);
      d += run_len - 1;
    }
    if (o.rc || strcmp(o.out, want)) {
      if (!p->bad)
        fprintf(stderr, "thread %d: '%s' -> '%s' (%s), want '%s'\n", p->id, in, o.out, o.msg, want);
      p->bad++;
    }
    static const char *const bad[] = {"unreachable", "bad-tag", "misalign", "post-trap"};
    run(p->hostile, bad[i % 4], strlen(bad[i % 4]), &o);
    if (o.rc == 0 || !strstr(o.msg, "Component instantiation/call failed")) {
      if (!p->bad) fprintf(stderr, "thread %d: %s -> %s\n", p->id, bad[i % 4], o.msg);
      p->bad++;
    }
  }
  return NULL;
}

static void test_parallel(void **state) {
  (void)state;
  dw_component_run *rle = prep("rle", 0, 100000000), *hostile = prep("hostile", 0, 1000000);
  pthread_t t[4];
  par ps[4];
  for (int i = 0; i < 4; i++) {
    ps[i] = (par){rle, hostile, i, 0};
    assert_int_equal(pthread_create(&t[i], NULL, par_main, &ps[i]), 0);
  }
  for (int i = 0; i < 4; i++) {
    pthread_join(t[i], NULL);
    assert_int_equal(ps[i].bad, 0);
  }
  dw_component_run_free(rle);
  dw_component_run_free(hostile);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sniff),         cmocka_unit_test(test_parse_fixtures),
      cmocka_unit_test(test_truncated),     cmocka_unit_test(test_hostile_bytes),
      cmocka_unit_test(test_canon),         cmocka_unit_test(test_adapt),
      cmocka_unit_test(test_rle),           cmocka_unit_test(test_rle_wasi),
      cmocka_unit_test(test_default_caps),  cmocka_unit_test(test_outside_defaults),
      cmocka_unit_test(test_hostile_calls), cmocka_unit_test(test_parallel),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
