/* examples/wasm/wasm_appender: dagwood's replacement for the original
 * project's wasm_appender module — returns the input followed by "::WASM",
 * and fails (process returns 0) on empty input or input that is not valid
 * UTF-8, like the original. Freestanding C, C-style ABI, no imports. */
#include "guest.h"

GUEST_ABI_ALLOCATOR

/* Strict UTF-8 (no overlongs, no surrogates, at most U+10FFFF). */
static int valid_utf8(const uint8_t *s, int32_t n) {
  int32_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    int len;
    uint32_t cp;
    if (c >= 0xc2 && c <= 0xdf)
      len = 2, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
      len = 3, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
      len = 4, cp = c & 0x07;
    else
      return 0;
    if (n - i < len) return 0;
    for (int k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return 0;
      cp = cp << 6 | (s[i + k] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
      return 0;
    i += len;
  }
  return 1;
}

EXPORT("process") uint8_t *process(const uint8_t *in, int32_t len, int32_t *out_len) {
  static const char suffix[] = "::WASM";
  if (len <= 0 || !valid_utf8(in, len)) return 0;
  int32_t n = len + (int32_t)sizeof suffix - 1;
  uint8_t *out = guest_alloc((size_t)n);
  if (!out) return 0;
  for (int32_t i = 0; i < len; i++) out[i] = in[i];
  for (int32_t i = 0; i < (int32_t)sizeof suffix - 1; i++) out[len + i] = (uint8_t)suffix[i];
  *out_len = n;
  return out;
}
