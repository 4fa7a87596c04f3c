/* WASI args for components: the original's default context gives them
 * argv ["dagwood-component"]; classic modules see no arguments. Exercised
 * through the preview1 dispatcher on a plain memory buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "wasm/rt.h"
#include "wasm/wasi.h"

static uint32_t get32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, 4);
  return v;
}

static void setup_call(dw_rt_call *c, wasm_rt_memory_t *m, uint8_t *buf, size_t n) {
  memset(c, 0, sizeof *c);
  memset(m, 0, sizeof *m);
  memset(buf, 0xAA, n);
  m->data = buf;
  m->size = (uint32_t)n;
  c->mem = m;
  c->caps = DW_CAP_ARGS;
}

static void test_component_argv(void **state) {
  (void)state;
  uint8_t buf[256];
  wasm_rt_memory_t m;
  dw_rt_call c;
  setup_call(&c, &m, buf, sizeof buf);
  c.argv0 = "dagwood-component";
  int trap;
  uint64_t sizes[2] = {0, 4};
  assert_int_equal(dw_wasi_dispatch(&c, (uint32_t)dw_wasi_lookup("args_sizes_get"), sizes, &trap),
                   0);
  assert_int_equal(trap, 0);
  assert_int_equal(get32(buf + 0), 1);                               /* argc */
  assert_int_equal(get32(buf + 4), strlen("dagwood-component") + 1); /* bytes */
  uint64_t get[2] = {16, 64};
  assert_int_equal(dw_wasi_dispatch(&c, (uint32_t)dw_wasi_lookup("args_get"), get, &trap), 0);
  assert_int_equal(get32(buf + 16), 64); /* argv[0] points into the buffer */
  assert_string_equal((const char *)buf + 64, "dagwood-component");
  /* a buffer that does not fit in memory is EFAULT (21), not a host write */
  uint64_t bad[2] = {16, sizeof buf - 4};
  assert_int_equal(dw_wasi_dispatch(&c, (uint32_t)dw_wasi_lookup("args_get"), bad, &trap), 21);
}

static void test_classic_module_has_no_args(void **state) {
  (void)state;
  uint8_t buf[64];
  wasm_rt_memory_t m;
  dw_rt_call c;
  setup_call(&c, &m, buf, sizeof buf);
  int trap;
  uint64_t sizes[2] = {0, 4};
  assert_int_equal(dw_wasi_dispatch(&c, (uint32_t)dw_wasi_lookup("args_sizes_get"), sizes, &trap),
                   0);
  assert_int_equal(get32(buf + 0), 0);
  assert_int_equal(get32(buf + 4), 0);
  /* without the capability the function is not there at all */
  c.caps = 0;
  assert_int_not_equal(
      dw_wasi_dispatch(&c, (uint32_t)dw_wasi_lookup("args_sizes_get"), sizes, &trap), 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_component_argv),
      cmocka_unit_test(test_classic_module_has_no_args),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
