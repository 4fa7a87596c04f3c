/* tests/components/guests/hostile: a component guest that breaks the
 * canonical ABI on request. The input selects the misbehaviour:
 *   misalign, ret-oob, bad-tag, bad-case, list-oob, str-oob, bad-utf8,
 *   unreachable, loop, grow, post-trap, failed, too-large, invalid
 * and anything else is echoed back unchanged. Built into several fixtures
 * (see build.mjs): with the world's WIT, with a wrong process type and
 * under another interface name. */
#include "../../../examples/components/cabi.h"

static int post_trap;

static int is(const uint8_t *in, uint32_t len, const char *s) {
  uint32_t n = 0;
  while (s[n]) n++;
  if (n != len) return 0;
  for (uint32_t i = 0; i < n; i++)
    if (in[i] != (uint8_t)s[i]) return 0;
  return 1;
}

static char bad_utf8[] = "bad \xff\xfe byte";
static char quoted[] = "it \"failed\"\n\tbadly \\ here";
static char invalid[] = "no good: caf\xc3\xa9";

EXPORT(PROCESS_NAME) uint8_t *process(uint8_t *in, uint32_t len) {
  if (is(in, len, "misalign")) return ret_ok(in, len) + 4;
  if (is(in, len, "ret-oob")) return (uint8_t *)0xfffffff8u;
  if (is(in, len, "bad-tag")) {
    ret_ok(in, len);
    ret_area[0] = 2;
    return ret_area;
  }
  if (is(in, len, "bad-case")) {
    ret_err_str(ERR_INVALID_INPUT, invalid, sizeof invalid - 1);
    ret_area[8] = 3;
    return ret_area;
  }
  if (is(in, len, "list-oob")) return ret_ok((const uint8_t *)0xffff0000u, 100);
  if (is(in, len, "str-oob"))
    return ret_err_str(ERR_PROCESSING_FAILED, (const char *)0xfffffff0u, 64);
  if (is(in, len, "bad-utf8")) return ret_err_str(ERR_INVALID_INPUT, bad_utf8, sizeof bad_utf8 - 1);
  if (is(in, len, "unreachable")) __builtin_trap();
  if (is(in, len, "loop")) {
    volatile uint32_t x = 0;
    for (;;) x++;
  }
  if (is(in, len, "grow")) {
    for (;;)
      if (__builtin_wasm_memory_grow(0, 256) == (size_t)-1) return ret_ok(in, len);
  }
  if (is(in, len, "post-trap")) post_trap = 1;
  if (is(in, len, "failed")) return ret_err_str(ERR_PROCESSING_FAILED, quoted, sizeof quoted - 1);
  if (is(in, len, "too-large")) return ret_err_u64(18446744073709551615ull);
  if (is(in, len, "invalid")) return ret_err_str(ERR_INVALID_INPUT, invalid, sizeof invalid - 1);
  return ret_ok(in, len);
}

EXPORT(POST_NAME) void post_process(uint8_t *ret) {
  (void)ret;
  if (post_trap) __builtin_trap();
  heap_top = 0;
}
