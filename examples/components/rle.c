/* examples/components/rle: the run-length encoder of the original project as
 * a component of the dagwood:component/processing-node@1.0.0 world, in
 * freestanding C with no imports: `hello world` -> `1h1e2l1o1 1w1o1r1l1d`,
 * `aaabbc` -> `3a2b1c`. A byte outside ASCII is invalid-input; more than
 * 1 MiB is input-too-large(length). Built by build.mjs (clang, jco embed,
 * jco new). */
#include "cabi.h"

#define MAX_INPUT (1u << 20)

/* The error path, kept out of the loop below. */
__attribute__((noinline)) static uint8_t *not_ascii(uint8_t ch, uint32_t at) {
  char *msg = bump(1, 64);
  if (!msg) __builtin_trap();
  size_t m = put_str(msg, "input is not ASCII: byte ");
  m += put_u32(msg + m, ch);
  m += put_str(msg + m, " at offset ");
  m += put_u32(msg + m, at);
  return ret_err_str(ERR_INVALID_INPUT, msg, (uint32_t)m);
}

__attribute__((noinline)) static size_t put_count(char *p, uint32_t k) { return put_u32(p, k); }

/* One pass with a short loop body: dagwood's fuel charges a loop body's
 * instructions (the untaken branches too) per iteration, so the rare paths
 * are calls. The first byte outside ASCII always starts a run, so checking
 * run starts finds it. */
EXPORT(PROCESS_NAME) uint8_t *process(const uint8_t *in, uint32_t len) {
  if (len > MAX_INPUT) return ret_err_u64(len);
  /* at most 2 bytes per input byte: a run of length k takes digits(k) + 1 <= k + 1 */
  char *out = bump(1, (size_t)len * 2 + 1);
  if (!out) __builtin_trap();
  size_t n = 0;
#pragma clang loop unroll(disable)
  for (uint32_t i = 0; i < len;) {
    uint8_t ch = in[i];
    if (ch >= 0x80) return not_ascii(ch, i);
    uint32_t k = 1;
#pragma clang loop unroll(disable)
    while (i + k < len && in[i + k] == ch) k++;
    if (k < 10)
      out[n++] = (char)('0' + k);
    else
      n += put_count(out + n, k);
    out[n++] = (char)ch;
    i += k;
  }
  return ret_ok((const uint8_t *)out, (uint32_t)n);
}

CABI_POST_RETURN
