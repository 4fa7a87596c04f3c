/* examples/components/rle: the run-length encoder of the original project as
 * a component of the dagwood:component/processing-node@1.0.0 world, in
 * freestanding C with no imports: `hello world` -> `1h1e2l1o1 1w1o1r1l1d`,
 * `aaabbc` -> `3a2b1c`. A byte outside ASCII is invalid-input; more than
 * 1 MiB is input-too-large(length). Built by build.mjs (clang, jco embed,
 * jco new). */
#include "cabi.h"

#define MAX_INPUT (1u << 20)

EXPORT(PROCESS_NAME) uint8_t *process(const uint8_t *in, uint32_t len) {
  if (len > MAX_INPUT) return ret_err_u64(len);
  for (uint32_t i = 0; i < len; i++) {
    if (in[i] >= 0x80) {
      char *msg = bump(1, 96);
      if (!msg) __builtin_trap();
      size_t n = put_str(msg, "input is not ASCII: byte ");
      n += put_u32(msg + n, in[i]);
      n += put_str(msg + n, " at offset ");
      n += put_u32(msg + n, i);
      return ret_err_str(ERR_INVALID_INPUT, msg, (uint32_t)n);
    }
  }
  /* at most 2 bytes per input byte: a run of length k takes digits(k) + 1 <= k + 1 */
  char *out = bump(1, (size_t)len * 2 + 1);
  if (!out) __builtin_trap();
  size_t n = 0;
  for (uint32_t i = 0; i < len;) {
    uint32_t k = 1;
    while (i + k < len && in[i + k] == in[i]) k++;
    n += put_u32(out + n, k);
    out[n++] = (char)in[i];
    i += k;
  }
  return ret_ok((const uint8_t *)out, (uint32_t)n);
}

CABI_POST_RETURN
