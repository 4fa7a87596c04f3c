/* examples/wasm/rle: a run-length encoder in freestanding C for dagwood's
 * C-style ABI: each run becomes its decimal count then the byte, so
 * "hello world" -> "1h1e2l1o1 1w1o1r1l1d" (the original's RLE examples).
 * Empty input gives empty output. */
#include "guest.h"

GUEST_ABI_ALLOCATOR

EXPORT("process") uint8_t *process(const uint8_t *in, int32_t len, int32_t *out_len) {
  /* worst case: every byte a run of 1 -> 2 bytes; counts up to 10 digits */
  uint8_t *out = guest_alloc((size_t)len * 2 + 16);
  if (!out) return 0;
  int32_t o = 0;
  for (int32_t i = 0; i < len;) {
    int32_t j = i;
    while (j < len && in[j] == in[i]) j++;
    uint32_t run = (uint32_t)(j - i);
    char digits[10];
    int nd = 0;
    do digits[nd++] = (char)('0' + run % 10), run /= 10;
    while (run);
    while (nd) out[o++] = (uint8_t)digits[--nd];
    out[o++] = in[i];
    i = j;
  }
  *out_len = o;
  return out;
}
