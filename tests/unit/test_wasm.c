/* tests/unit/test_wasm: the WebAssembly backend one piece at a time — the
 * binary parser's rejections (exact messages), dw_wasm_check's positioned
 * diagnostics, the example guests, every hostile fixture alone, fuel and
 * metadata, WASI capture, deadlines, cancellation and the compile cache. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "test_wasm_util.h"
#include "wasm/compile.h"
#include "wasm/parse.h"
#include "wasm/rt.h"

/* ------------------------------------------------------------- parser */

static const char *parse_err(const void *bytes, size_t len) {
  static char err[512];
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  int rc = dw_wasm_parse(bytes, len, &a, &w, err, sizeof err);
  dw_arena_free(&a);
  return rc ? err : NULL;
}

#define HDR "\0asm\1\0\0\0"

static void test_parse_rejections(void **state) {
  (void)state;
  assert_string_equal(parse_err("hello world!", 12), "not a WebAssembly binary (no \\0asm header)");
  assert_string_equal(parse_err("\0asm\x0d\0\1\0", 8),
                      "a WebAssembly component; components are not supported yet");
  assert_string_equal(parse_err("\0asm\2\0\0\0", 8), "unknown WebAssembly version 2");
  assert_string_equal(parse_err(HDR "\x01\x05\x01", 11),
                      "section 1 (type) runs past the end of the file at byte 8");
  assert_string_equal(parse_err(HDR "\x01\x06\x80\x80\x80\x80\x80\x01", 16),
                      "malformed LEB128 number (type count) at byte 10: too long or too large");
  assert_string_equal(parse_err(HDR "\x01\x02\x80\x80", 12),
                      "truncated LEB128 number (type count) at byte 10");
  assert_string_equal(parse_err(HDR "\x05\x03\x01\x00\x01"
                                    "\x01\x01\x00",
                                16),
                      "section 1 (type) is out of order or repeated at byte 13");
  assert_string_equal(parse_err(HDR "\x0e\x00", 10), "unknown section id 14 at byte 8");
  assert_string_equal(parse_err(HDR "\x05\x04\x01\x04\x01\x00", 14), "memory64 is not supported");
  assert_string_equal(parse_err(HDR "\x05\x04\x01\x03\x01\x01", 14),
                      "shared memory (threads) is not supported");
  assert_string_equal(parse_err(HDR "\x05\x04\x01\x00\x01\x00", 14),
                      "section 5 (memory) has 1 unread bytes at its end");
  /* a function type with a v128 parameter */
  assert_string_equal(parse_err(HDR "\x01\x05\x01\x60\x01\x7b\x00", 15),
                      "SIMD (v128 values) is not supported, in a function type");
  /* one function whose body is "v128.const ..." */
  static const uint8_t simd_body[] = {0, 'a', 's', 'm', 1, 0,  0, 0, 1, 4, 1,    0x60, 0,
                                      0, 3,   2,   1,   0, 10, 5, 1, 3, 0, 0xfd, 0x0c};
  assert_string_equal(parse_err(simd_body, sizeof simd_body),
                      "SIMD instructions are not supported (byte 23)");
  static const uint8_t atomic_body[] = {0, 'a', 's', 'm', 1, 0,  0, 0, 1, 4, 1,    0x60, 0,
                                        0, 3,   2,   1,   0, 10, 5, 1, 3, 0, 0xfe, 0x03};
  assert_string_equal(parse_err(atomic_body, sizeof atomic_body),
                      "threads (atomic instructions) are not supported (byte 23)");
  static const uint8_t no_end[] = {0, 'a', 's', 'm', 1, 0, 0,  0, 1, 4, 1, 0x60,
                                   0, 0,   3,   2,   1, 0, 10, 4, 1, 2, 0, 0x01};
  assert_string_equal(parse_err(no_end, sizeof no_end),
                      "instruction runs past the end of its section at byte 24");
  assert_null(parse_err(HDR, 8));
  /* two exports with one name (a function () -> () exported twice as "f") */
  static const uint8_t dup[] = {0, 'a', 's', 'm', 1,   0, 0, 0, 1,   4, 1, 0x60, 0, 0, 3, 2, 1,   0,
                                7, 9,   2,   1,   'f', 0, 0, 1, 'f', 0, 0, 10,   4, 1, 2, 0, 0x0b};
  assert_string_equal(parse_err(dup, sizeof dup), "export name 'f' is used twice");
  /* an imported function, no function section, an empty code section: valid */
  static const uint8_t imported_only[] = {0, 'a', 's', 'm', 1, 0,   0, 0,   1, 4, 1,  0x60, 0,
                                          0, 2,   7,   1,   1, 'm', 1, 'f', 0, 0, 10, 1,    0};
  assert_null(parse_err(imported_only, sizeof imported_only));
}

/* 200 000 exports: checked in n log n, not n^2 (that took minutes) */
static void test_parse_many_exports(void **state) {
  (void)state;
  enum { N = 200000 };
  size_t cap = 64 + (size_t)N * 12;
  uint8_t *b = malloc(cap), *body = malloc(cap);
  size_t n = 0, bn = 0;
#define LEB(buf, len, v)                                            \
  do {                                                              \
    uint32_t x_ = (v);                                              \
    do {                                                            \
      buf[len++] = (uint8_t)((x_ & 0x7f) | (x_ > 0x7f ? 0x80 : 0)); \
      x_ >>= 7;                                                     \
    } while (x_);                                                   \
  } while (0)
  LEB(body, bn, N);
  for (uint32_t i = 0; i < N; i++) {
    char nm[16];
    int l = snprintf(nm, sizeof nm, "e%u", i);
    body[bn++] = (uint8_t)l;
    memcpy(body + bn, nm, (size_t)l);
    bn += (size_t)l;
    body[bn++] = 0; /* function 0 */
    body[bn++] = 0;
  }
  memcpy(b,
         "\0asm\1\0\0\0"
         "\x01\x04\x01\x60\x00\x00"
         "\x03\x02\x01\x00",
         18);
  n = 18;
  b[n++] = 7;
  LEB(b, n, (uint32_t)bn);
  memcpy(b + n, body, bn);
  n += bn;
  memcpy(b + n, "\x0a\x04\x01\x02\x00\x0b", 6);
  n += 6;
#undef LEB
  uint64_t t0 = dw_rt_now_ns();
  assert_null(parse_err(b, n));
  assert_true(dw_rt_now_ns() - t0 < 2000000000ull);
  free(b);
  free(body);
}

/* Mutated and truncated modules: the parser must answer (yes or no) and
 * never read out of bounds (run it under AddressSanitizer). */
static void test_parse_mutations(void **state) {
  (void)state;
  const char *path = tw_example("wasi_hello");
  FILE *f = fopen(path, "rb");
  if (!f) fail_msg("cannot read %s (the examples are built with the tests)", path);
  static uint8_t orig[1 << 16];
  size_t n = fread(orig, 1, sizeof orig, f);
  fclose(f);
  assert_true(n > 100 && n < sizeof orig);
  assert_null(parse_err(orig, n));
  uint8_t *buf = malloc(n);
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  int rejected = 0;
  for (int i = 0; i < 3000; i++) {
    memcpy(buf, orig, n);
    int flips = 1 + i % 4;
    for (int k = 0; k < flips; k++) {
      seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
      buf[8 + seed % (n - 8)] = (uint8_t)(seed >> 32);
    }
    size_t len = i % 5 == 0 ? 8 + (seed >> 20) % (n - 8) : n; /* some truncated too */
    uint8_t *exact = malloc(len); /* exact size: ASan sees any overread */
    memcpy(exact, buf, len);
    if (parse_err(exact, len)) {
      rejected++;
    } else {
      /* whatever the parser accepts, the encoder re-encodes into a module
       * the parser accepts again (or refuses for an import it cannot name) */
      dw_wasm_unit u;
      char err[512];
      if (dw_wasm_encode_bytes(exact, len, DW_EXPORTS_ALL, NULL, &u, err, sizeof err) == 0) {
        if (parse_err(u.wasm, u.len)) fail_msg("re-encoded mutant %d is refused: %s", i, err);
        dw_wasm_unit_free(&u);
      } else if (!strstr(err, "is not a function dagwood provides")) {
        fail_msg("mutant %d accepted but not encoded: %s", i, err);
      }
    }
    free(exact);
  }
  free(buf);
  assert_true(rejected > 100);
}

/* --------------------------------------------------------------- check */

static void check_says(tw_pipe *t, int errors, const char *needle) {
  char out[8192];
  int n = tw_check(t, out, sizeof out, NULL);
  if (n != errors || (needle && !strstr(out, needle))) {
    fprintf(stderr, "check of %s: %d errors (want %d):\n%s(want: %s)\n", t->proc.module, n, errors,
            out, needle ? needle : "-");
    fail();
  }
}

static void test_check_messages(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "w", "no/such/module.wasm", NULL);
  check_says(&t, 1,
             "test.yaml:7:13: error: WASM module 'no/such/module.wasm' not found (looked for "
             "'no/such/module.wasm'); build the example modules (cmake --build BUILD --target "
             "wasm_examples, then run dagwood from BUILD, where they are in "
             "wasm_components/) or fix the path");
  tw_free(&t);

  tw_init(&t, "w", tw_fixture("missing_export"), NULL);
  check_says(&t, 2, "export 'allocate' has type (i32, i32) -> i32; it must be (i32) -> i32");
  check_says(&t, 2,
             "does not export 'process'; the C-style ABI needs memory, allocate(i32) -> "
             "i32, deallocate(i32, i32) and process(i32, i32, i32) -> i32");
  tw_free(&t);

  tw_init(&t, "w", tw_fixture("wrong_import"), "capabilities", "stdout", NULL);
  check_says(&t, 1,
             "imports wasi_snapshot_preview1.fd_write with type (i32) -> i32; it must be "
             "(i32, i32, i32, i32) -> i32");
  tw_free(&t);

  tw_init(&t, "clk", tw_fixture("clock_import"), NULL);
  check_says(&t, 1,
             "imports wasi_snapshot_preview1.clock_time_get, which needs the capability clock: "
             "add it to options.capabilities of 'clk'");
  tw_free(&t);
  tw_init(&t, "clk", tw_fixture("clock_import"), "capabilities", "stdout,random", NULL);
  /* positioned at options.capabilities */
  check_says(&t, 1, "test.yaml:9:20: error:");
  tw_free(&t);
  tw_init(&t, "clk", tw_fixture("clock_import"), "capabilities", "clock", NULL);
  check_says(&t, 0, NULL);
  tw_free(&t);

  tw_init(&t, "w", tw_fixture("unknown_import"), NULL);
  check_says(&t, 1, "imports env.system, which dagwood does not provide");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("command"), NULL);
  check_says(&t, 1,
             "is a WASI command (it exports _start); dagwood calls process on a reactor: build it "
             "with -mexec-model=reactor");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("exits"), NULL);
  check_says(&t, 1, "proc_exit, which needs the capability proc_exit");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("hook_import"), NULL);
  check_says(&t, 1, "imports env.log_execution, which dagwood does not provide");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("simd"), NULL);
  check_says(&t, 1, "cannot be loaded: SIMD instructions are not supported");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("shared_memory"), NULL);
  check_says(&t, 1, "cannot be loaded: shared memory (threads) is not supported");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("memory64"), NULL);
  check_says(&t, 1, "cannot be loaded: memory64 is not supported");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("big_initial"), NULL);
  check_says(&t, 1,
             "starts with 2000 pages (125 MiB) of memory; max_memory_mb allows 64 MiB: raise "
             "options.max_memory_mb or wasm.max_memory_mb");
  tw_free(&t);
  tw_init(&t, "w", tw_fixture("big_initial"), "max_memory_mb", "200", NULL);
  check_says(&t, 0, NULL);
  tw_free(&t);

  /* a component, and a file over 16 MiB */
  char path[1024];
  snprintf(path, sizeof path, "%s/test-wasm/component.wasm", tw_dir("DW_BUILD_DIR", "."));
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fwrite("\0asm\x0d\0\1\0", 1, 8, f);
  fclose(f);
  tw_init(&t, "comp", path, NULL);
  check_says(&t, 1,
             "cannot be loaded: the component does not export "
             "dagwood:component/processing-node@1.0.0");
  tw_free(&t);
  /* the original's legacy encoding: a "component" custom section on a core
   * module, refused even with the C-style exports */
  snprintf(path, sizeof path, "%s/test-wasm/legacy_component.wasm", tw_dir("DW_BUILD_DIR", "."));
  FILE *src = fopen(tw_fixture("ok_echo"), "rb");
  assert_non_null(src);
  static uint8_t mod[65536];
  size_t ml = fread(mod, 1, sizeof mod, src);
  fclose(src);
  f = fopen(path, "wb");
  assert_non_null(f);
  fwrite(mod, 1, ml, f);
  fwrite(
      "\x00\x10\x09"
      "componentlegacy",
      1, 18, f);
  fclose(f);
  tw_init(&t, "legacy", path, NULL);
  check_says(&t, 1,
             "is a legacy (Preview 1) component-model module (it has a \"component\" custom "
             "section); the component model is not supported yet");
  tw_free(&t);
  snprintf(path, sizeof path, "%s/test-wasm/huge.wasm", tw_dir("DW_BUILD_DIR", "."));
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  assert_true(fd >= 0);
  assert_int_equal(ftruncate(fd, (16 << 20) + 1), 0);
  close(fd);
  tw_init(&t, "big", path, NULL);
  check_says(&t, 1, "is 16777217 bytes; the limit is 16 MiB (16777216 bytes)");
  tw_free(&t);
  unlink(path);

  /* options */
  tw_init(&t, "w", tw_fixture("ok_echo"), "capabilities", "stdot", "fuel_level", "lots", "intent",
          "analyse", "max_memory_mb", "0", "fule", "1", NULL);
  char out[8192];
  assert_int_equal(tw_check(&t, out, sizeof out, NULL), 4);
  assert_non_null(strstr(out, "unknown capability 'stdot' for 'w'"));
  assert_non_null(strstr(out, "did you mean 'stdout'"));
  assert_non_null(strstr(out, "options.fuel_level of 'w' must be a whole number"));
  assert_non_null(strstr(out, "options.intent of 'w' must be one of: transform, analyze"));
  assert_non_null(strstr(out, "options.max_memory_mb of 'w' must be a whole number from 1"));
  assert_non_null(strstr(out, "warning: unknown option 'fule'"));
  tw_free(&t);
  dw_intent in;
  tw_init(&t, "w", tw_fixture("ok_echo"), "intent", "analyze", NULL);
  assert_int_equal(tw_check(&t, out, sizeof out, &in), 0);
  assert_int_equal(in, DW_INTENT_ANALYZE);
  tw_free(&t);
}

/* ------------------------------------------------------------ examples */

static void run_ok(const char *module, const char *input, const char *want, const char *caps) {
  tw_pipe t;
  if (caps)
    tw_init(&t, "p", module, "capabilities", caps, NULL);
  else
    tw_init(&t, "p", module, NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  dw_call c;
  int rc = tw_call(m, &c, "p", input, NULL, 0);
  if (rc) fprintf(stderr, "%s: %s\n", module, c.err_msg);
  assert_int_equal(rc, 0);
  assert_int_equal(c.out_len, strlen(want));
  assert_memory_equal(c.out, want, c.out_len);
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);
}

static void test_examples(void **state) {
  (void)state;
  run_ok(tw_example("wasm_appender"), "hello", "hello::WASM", NULL);
  run_ok(tw_example("wasm_appender"), "héllo wörld", "héllo wörld::WASM", NULL);
  run_ok(tw_example("rle"), "hello world", "1h1e2l1o1 1w1o1r1l1d", NULL);
  run_ok(tw_example("rle"), "", "", NULL);
  run_ok(tw_example("rle_wat"), "hello world", "1h1e2l1o1 1w1o1r1l1d", NULL);
  run_ok(tw_example("rle_wat"), "aaaaaaaaaaaab", "12a1b", NULL);
  run_ok(tw_example("wasi_hello"), "world", "Hello, world!", "stdout");

  /* the appender fails on empty and on invalid UTF-8, like the original */
  tw_pipe t;
  tw_init(&t, "app", tw_example("wasm_appender"), NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  dw_call c;
  assert_int_equal(tw_call(m, &c, "app", "", NULL, 0), -1);
  assert_int_equal(c.err_code, 400);
  assert_non_null(strstr(c.err_msg, "process returned 0 (the module reported a failure)"));
  dw_call_clear(&c);
  assert_int_equal(tw_call(m, &c, "app", "bad \xff utf8", NULL, 0), -1);
  assert_int_equal(c.err_code, 400);
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);

  /* the reactor needs `stdout` */
  tw_init(&t, "hi", tw_example("wasi_hello"), NULL);
  char out[4096];
  assert_int_equal(tw_check(&t, out, sizeof out, NULL), 1);
  assert_non_null(strstr(out, "fd_write, which needs the capability stdout or stderr"));
  tw_free(&t);
}

/* --------------------------------------------------------- metadata */

static void test_metadata_and_fuel(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "counter", tw_fixture("fuel_count"), "fuel_level", "2000000", NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  assert_int_equal(dw_wasm_module_fuel(m), 2000000);
  dw_call c;
  assert_int_equal(tw_call(m, &c, "counter", "abc", NULL, 0), 0);
  assert_string_equal(tw_md(&c, "processor_id"), "counter");
  assert_string_equal(tw_md(&c, "module_path"), tw_fixture("fuel_count"));
  assert_string_equal(tw_md(&c, "artifact_type"), "c_style_module");
  assert_string_equal(tw_md(&c, "capabilities"), "");
  assert_string_equal(tw_md(&c, "input_length"), "3");
  assert_string_equal(tw_md(&c, "output_length"), "3");
  unsigned long f3 = strtoul(tw_md(&c, "fuel_consumed"), NULL, 10);
  dw_call_clear(&c);
  assert_int_equal(tw_call(m, &c, "counter", "abcdefghijklmnopqrstuvwxyz", NULL, 0), 0);
  unsigned long f26 = strtoul(tw_md(&c, "fuel_consumed"), NULL, 10);
  dw_call_clear(&c);
  /* fuel counts instructions: 23 more iterations of the same loop body */
  assert_true(f3 > 0);
  assert_true(f26 - f3 > 23);
  assert_int_equal((f26 - f3) % 23, 0);
  /* deterministic */
  assert_int_equal(tw_call(m, &c, "counter", "abc", NULL, 0), 0);
  assert_int_equal(strtoul(tw_md(&c, "fuel_consumed"), NULL, 10), f3);
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);

  /* clamping: below the minimum, above the maximum */
  tw_init(&t, "x", tw_fixture("ok_echo"), "fuel_level", "5", NULL);
  m = tw_prepare(&t);
  assert_int_equal(dw_wasm_module_fuel(m), 1000000);
  dw_wasm_module_free(m);
  tw_free(&t);
  tw_init(&t, "x", tw_fixture("ok_echo"), "fuel_level", "900000000", NULL);
  m = tw_prepare(&t);
  assert_int_equal(dw_wasm_module_fuel(m), 500000000);
  dw_wasm_module_free(m);
  tw_free(&t);
  tw_init(&t, "x", tw_fixture("ok_echo"), NULL);
  m = tw_prepare(&t);
  assert_int_equal(dw_wasm_module_fuel(m), 100000000);
  dw_wasm_module_free(m);
  tw_free(&t);
}

/* Nothing leaks between calls: memory and globals start pristine every
 * time, whichever pooled reservation the call gets, on this thread or
 * another one. */
static void *scribble_thread(void *arg) {
  dw_wasm_module *m = arg;
  for (int i = 0; i < 5; i++) {
    dw_call c;
    if (tw_call(m, &c, "s", "x", NULL, 0) != 0 || c.out_len != 12) return (void *)1;
    uint32_t v[3];
    memcpy(v, c.out, 12);
    dw_call_clear(&c);
    if (v[0] != 0 || v[1] != 1 || v[2] != 1) return (void *)2;
  }
  return NULL;
}

static void test_pristine_instances(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "s", tw_fixture("scribble"), NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  for (int round = 0; round < 3; round++) {
    assert_null(scribble_thread(m));
    pthread_t th[3];
    for (int i = 0; i < 3; i++) pthread_create(&th[i], NULL, scribble_thread, m);
    for (int i = 0; i < 3; i++) {
      void *r;
      pthread_join(th[i], &r);
      assert_null(r);
    }
  }
  dw_wasm_module_free(m);
  tw_free(&t);
}

/* ------------------------------------------------------------ hostile */

typedef struct hostile {
  const char *fixture;
  const char *want; /* substring of the error */
  int code;
} hostile;

static const hostile hostiles[] = {
    {"loop", "out of fuel: process used its whole budget of 1000000 units", 500},
    {"oob_load", "trap: out-of-bounds memory access in process", 500},
    {"oob_store", "trap: out-of-bounds memory access in process", 500},
    {"recurse", "trap: call stack exhausted (recursion too deep) in process", 500},
    {"grow_bomb",
     "trap: unreachable instruction executed in process (memory limit: memory.grow was refused "
     "at max_memory_mb 64",
     500},
    {"div0", "trap: integer divide by zero in process", 500},
    {"unreachable", "trap: unreachable instruction executed in process", 500},
    {"bad_ptr", "process returned an output of 16 bytes at 4294967040, outside its memory", 500},
    {"bad_len", "outside its memory of 65536 bytes (null or out-of-range result)", 500},
    {"null_result", "process returned 0 (the module reported a failure)", 400},
    {"start_loop", "out of fuel: instantiation used its whole budget of 1000000 units", 500},
    {"bad_indirect", "trap: indirect call to a null or mistyped table entry in process", 500},
};

static void test_hostile_each(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof hostiles / sizeof *hostiles; i++) {
    tw_pipe t;
    /* deep recursion must meet the stack limit before the fuel limit */
    const char *fuel = strcmp(hostiles[i].fixture, "recurse") ? "1000000" : "100000000";
    tw_init(&t, hostiles[i].fixture, tw_fixture(hostiles[i].fixture), "fuel_level", fuel, NULL);
    char out[4096];
    assert_int_equal(tw_check(&t, out, sizeof out, NULL), 0);
    dw_wasm_module *m = tw_prepare(&t);
    assert_non_null(m);
    for (int rep = 0; rep < 3; rep++) {
      dw_call c;
      assert_int_equal(tw_call(m, &c, hostiles[i].fixture, "some input", NULL, 0), -1);
      if (!strstr(c.err_msg, hostiles[i].want)) {
        fprintf(stderr, "%s: got '%s'\nwant '%s'\n", hostiles[i].fixture, c.err_msg,
                hostiles[i].want);
        fail();
      }
      assert_int_equal(c.err_code, hostiles[i].code);
      dw_call_clear(&c);
    }
    dw_wasm_module_free(m);
    tw_free(&t);
  }
}

/* ----------------------------------------------------- time and cancel */

static void test_timeout(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "spin", tw_fixture("loop"), "fuel_level", "500000000", NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  dw_call c;
  uint64_t t0 = dw_rt_now_ns();
  assert_int_equal(tw_call(m, &c, "spin", "x", NULL, t0 + 30 * 1000000ull), -1);
  uint64_t took = dw_rt_now_ns() - t0;
  assert_non_null(strstr(c.err_msg, "timeout: process ran past its deadline"));
  assert_int_equal(c.err_code, 504);
  assert_true(took < 2000000000ull);
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);
}

/* A call that spends its time inside single long instructions (memory.fill
 * of 48 MiB): each is charged by its length, and the deadline is checked at
 * the fuel check after it (there is no timer to interrupt it). */
static void test_timeout_inside_instruction(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "fill", tw_fixture("fill_bomb"), "fuel_level", "500000000", NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  dw_call c;
  uint64_t t0 = dw_rt_now_ns();
  assert_int_equal(tw_call(m, &c, "fill", "x", NULL, t0 + 50 * 1000000ull), -1);
  uint64_t took = dw_rt_now_ns() - t0;
  assert_non_null(strstr(c.err_msg, "timeout: process ran past its deadline"));
  if (took > 1000000000ull)
    fail_msg("the timeout took %llu ms", (unsigned long long)took / 1000000);
  dw_call_clear(&c);
  /* the thread and the module are fine afterwards */
  assert_int_equal(tw_call(m, &c, "fill", "x", NULL, dw_rt_now_ns() + 20 * 1000000ull), -1);
  assert_non_null(strstr(c.err_msg, "timeout"));
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);
}

typedef struct canceller {
  atomic_int *flag;
  int ms;
} canceller;

static void *cancel_later(void *arg) {
  canceller *k = arg;
  struct timespec ts = {0, k->ms * 1000000L};
  nanosleep(&ts, NULL);
  atomic_store(k->flag, 1);
  return NULL;
}

static void test_cancel(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "spin", tw_fixture("loop"), "fuel_level", "500000000", NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  atomic_int flag = 0;
  canceller k = {&flag, 20};
  pthread_t th;
  pthread_create(&th, NULL, cancel_later, &k);
  dw_call c;
  assert_int_equal(tw_call(m, &c, "spin", "x", &flag, 0), -1);
  pthread_join(th, NULL);
  assert_non_null(strstr(c.err_msg, "cancelled during process"));
  dw_call_clear(&c);
  /* already cancelled: does not start */
  assert_int_equal(tw_call(m, &c, "spin", "x", &flag, 0), -1);
  assert_non_null(strstr(c.err_msg, "cancelled before it started"));
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);
}

/* ------------------------------------------------------------- WASI */

static char sink_buf[4096];
static size_t sink_len;

static void sink(void *user, const char *id, int fd, const char *line, size_t len) {
  (void)user;
  sink_len += (size_t)snprintf(sink_buf + sink_len, sizeof sink_buf - sink_len, "%s/%d/%.*s|", id,
                               fd, (int)len, line);
}

static void test_wasi_capture(void **state) {
  (void)state;
  dw_wasm_set_log_sink(sink, NULL);
  tw_pipe t;
  tw_init(&t, "talker", tw_fixture("wasi_write"), "capabilities", "stdout", NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  dw_call c;
  sink_len = 0;
  int rc = tw_call(m, &c, "talker", "in", NULL, 0);
  if (rc) fprintf(stderr, "%s\n", c.err_msg);
  assert_int_equal(rc, 0);
  assert_string_equal(tw_md(&c, "capabilities"), "stdout");
  assert_string_equal(sink_buf, "talker/1/hello|talker/1/world|");
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);

  tw_init(&t, "hi", tw_example("wasi_hello"), "capabilities", "stdout", NULL);
  m = tw_prepare(&t);
  assert_non_null(m);
  sink_len = 0;
  assert_int_equal(tw_call(m, &c, "hi", "dagwood", NULL, 0), 0);
  assert_string_equal(sink_buf, "hi/1/wasi_hello: greeting 7 bytes|");
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);

  tw_init(&t, "clk", tw_fixture("clock_import"), "capabilities", "clock", NULL);
  m = tw_prepare(&t);
  assert_non_null(m);
  assert_int_equal(tw_call(m, &c, "clk", "", NULL, 0), 0);
  uint64_t ns;
  assert_int_equal(c.out_len, 8);
  memcpy(&ns, c.out, 8);
  uint64_t now = dw_rt_now_ns();
  assert_true(ns <= now && ns + 5000000000ull > now);
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);
  /* a data segment past the end of memory: a valid module whose
   * instantiation traps, as the spec says */
  tw_init(&t, "oob", tw_fixture("data_oob"), NULL);
  m = tw_prepare(&t);
  assert_non_null(m);
  assert_int_equal(tw_call(m, &c, "oob", "x", NULL, 0), -1);
  assert_non_null(strstr(c.err_msg, "trap: out-of-bounds memory access in instantiation"));
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);

  /* proc_exit ends the call as a failure */
  tw_init(&t, "bye", tw_fixture("exits"), "capabilities", "proc_exit", NULL);
  m = tw_prepare(&t);
  assert_non_null(m);
  assert_int_equal(tw_call(m, &c, "bye", "x", NULL, 0), -1);
  assert_non_null(strstr(c.err_msg, "called proc_exit(3) during process"));
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);
  dw_wasm_set_log_sink(NULL, NULL);
}

/* ------------------------------------------------------------- cache */

static void test_cache(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "a", tw_example("rle"), NULL);
  dw_wasm_module *m1 = tw_prepare(&t);
  assert_non_null(m1);
  unsigned before = dw_wasm_compile_count();
  dw_wasm_module *m2 = tw_prepare(&t);
  assert_non_null(m2);
  assert_true(dw_wasm_module_cached(m2));
  assert_int_equal(dw_wasm_compile_count(), before);
  dw_wasm_module_free(m1);
  dw_wasm_module_free(m2);
  tw_free(&t);

  /* a corrupted cache entry is detected and rebuilt */
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/test-wasm/cache-corrupt", tw_dir("DW_BUILD_DIR", "."));
  assert_true(dw_wasm_cache_clear(dir) >= 0); /* entries of older runtime versions */
  char err[2048];
  tw_init(&t, "a", tw_example("rle"), NULL);
  dw_wasm_module *m = dw_wasm_prepare(&t.spec, &t.proc, dir, err, sizeof err);
  assert_non_null(m);
  dw_wasm_module_free(m);
  dw_wasm_compiled cc;
  FILE *f = fopen(tw_example("rle"), "rb");
  uint8_t buf[65536];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  dw_wasm_unit unit;
  assert_int_equal(dw_wasm_encode_bytes(buf, n, DW_EXPORTS_ABI, NULL, &unit, err, sizeof err), 0);
  assert_int_equal(dw_wasm_compile(&unit, dir, NULL, &cc, err, sizeof err), 0);
  dw_wasm_unit_free(&unit);
  dw_wasm_compiled_close(&cc);
  assert_true(cc.from_cache);
  f = fopen(cc.so_path, "r+b");
  fseek(f, 100, SEEK_SET);
  fputc('X', f);
  fclose(f);
  before = dw_wasm_compile_count();
  m = dw_wasm_prepare(&t.spec, &t.proc, dir, err, sizeof err);
  assert_non_null(m);
  assert_false(dw_wasm_module_cached(m));
  assert_int_equal(dw_wasm_compile_count(), before + 1);
  dw_call c;
  assert_int_equal(tw_call(m, &c, "a", "aab", NULL, 0), 0);
  assert_memory_equal(c.out, "2a1b", 4);
  dw_call_clear(&c);
  dw_wasm_module_free(m);
  tw_free(&t);

  /* dagwood cache list|clear */
  assert_int_equal(dw_wasm_cache_list(dir, NULL, NULL), 1);
  assert_int_equal(dw_wasm_cache_clear(dir), 1);
  assert_int_equal(dw_wasm_cache_list(dir, NULL, NULL), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_parse_rejections),
      cmocka_unit_test(test_parse_mutations),
      cmocka_unit_test(test_parse_many_exports),
      cmocka_unit_test(test_check_messages),
      cmocka_unit_test(test_examples),
      cmocka_unit_test(test_metadata_and_fuel),
      cmocka_unit_test(test_pristine_instances),
      cmocka_unit_test(test_hostile_each),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_timeout_inside_instruction),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_wasi_capture),
      cmocka_unit_test(test_cache),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
