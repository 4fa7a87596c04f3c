/* wasm/cursor: see cursor.h. The readers of wasm/parse and wasm/component,
 * written once: the messages are the ones both readers' tests expect. */
#include "wasm/cursor.h"

#include <stdarg.h>
#include <stdio.h>

int dw_cur_fail(dw_cur *c, const char *fmt, ...) {
  if (!c->failed) {
    va_list ap;
    va_start(ap, fmt);
    if (c->errlen) vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    c->failed = 1;
  }
  return -1;
}

int dw_cur_unsupported(dw_cur *c, const char *fmt, ...) {
  if (!c->failed) {
    va_list ap;
    va_start(ap, fmt);
    if (c->errlen) vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    c->failed = 1;
    c->unsupported = 1;
  }
  return -1;
}

int dw_cur_need(dw_cur *c, size_t n, const char *what) {
  if (c->end - c->pos < n)
    return dw_cur_fail(c, "%s runs past the end of its section at byte %zu", what, c->pos);
  return 0;
}

int dw_cur_skip(dw_cur *c, size_t n, const char *what) {
  if (dw_cur_need(c, n, what)) return -1;
  c->pos += n;
  return 0;
}

int dw_cur_u8(dw_cur *c, uint8_t *v, const char *what) {
  *v = 0;
  if (dw_cur_need(c, 1, what)) return -1;
  *v = c->b[c->pos++];
  return 0;
}

int dw_cur_uleb(dw_cur *c, unsigned bits, uint64_t *v, const char *what) {
  uint64_t r = 0;
  unsigned shift = 0;
  size_t start = c->pos;
  for (;;) {
    if (c->pos >= c->end)
      return dw_cur_fail(c, "truncated LEB128 number (%s) at byte %zu", what, start);
    uint8_t byte = c->b[c->pos++];
    if (shift + 7 >= bits) {
      /* last permitted byte: no continuation, unused bits zero */
      unsigned left = bits - shift;
      if (byte & 0x80 || (left < 7 && (byte >> left) != 0))
        return dw_cur_fail(c, "malformed LEB128 number (%s) at byte %zu: too long or too large",
                           what, start);
      r |= (uint64_t)byte << shift;
      break;
    }
    r |= (uint64_t)(byte & 0x7f) << shift;
    shift += 7;
    if (!(byte & 0x80)) break;
  }
  *v = r;
  return 0;
}

int dw_cur_u32(dw_cur *c, uint32_t *v, const char *what) {
  uint64_t x = 0;
  *v = 0;
  if (dw_cur_uleb(c, 32, &x, what)) return -1;
  *v = (uint32_t)x;
  return 0;
}

int dw_cur_sleb(dw_cur *c, unsigned bits, const char *what) {
  unsigned shift = 0;
  size_t start = c->pos;
  for (;;) {
    if (c->pos >= c->end)
      return dw_cur_fail(c, "truncated LEB128 number (%s) at byte %zu", what, start);
    uint8_t byte = c->b[c->pos++];
    if (shift + 7 >= bits) {
      unsigned left = bits - shift; /* bits this byte may carry */
      if (byte & 0x80) goto bad;
      if (left < 7) {
        /* the unused high bits must all equal the sign bit */
        uint8_t sign = (byte >> (left - 1)) & 1;
        uint8_t high = (byte & 0x7f) >> left;
        if (high != (sign ? (0x7f >> left) : 0)) goto bad;
      }
      return 0;
    }
    shift += 7;
    if (!(byte & 0x80)) return 0;
  }
bad:
  return dw_cur_fail(c, "malformed LEB128 number (%s) at byte %zu: too long or too large", what,
                     start);
}

int dw_cur_sleb_val(dw_cur *c, unsigned bits, int64_t *v, const char *what) {
  size_t start = c->pos;
  *v = 0;
  if (dw_cur_sleb(c, bits, what)) return -1;
  uint64_t r = 0;
  unsigned shift = 0;
  uint8_t byte = 0;
  for (size_t i = start; i < c->pos; i++, shift += 7) {
    byte = c->b[i];
    r |= (uint64_t)(byte & 0x7f) << shift;
  }
  if (shift < 64 && (byte & 0x40)) r |= ~(uint64_t)0 << shift; /* sign-extend */
  *v = (int64_t)r;
  return 0;
}

int dw_cur_count(dw_cur *c, uint32_t *n, size_t min, const char *what) {
  if (dw_cur_u32(c, n, what)) return -1;
  if ((uint64_t)*n * min > c->end - c->pos)
    return dw_cur_fail(c, "%s %u exceeds the bytes left at byte %zu", what, *n, c->pos);
  return 0;
}

int dw_cur_str(dw_cur *c, const uint8_t **s, uint32_t *n, const char *what) {
  *s = NULL;
  if (dw_cur_u32(c, n, what) || dw_cur_need(c, *n, what)) return -1;
  *s = c->b + c->pos;
  c->pos += *n;
  return 0;
}

size_t dw_leb_u32_at(const uint8_t *b, size_t pos, size_t end, uint32_t *v) {
  uint32_t r = 0;
  unsigned shift = 0;
  while (pos < end && shift < 35) {
    uint8_t c = b[pos++];
    r |= (uint32_t)(c & 0x7f) << shift;
    shift += 7;
    if (!(c & 0x80)) break;
  }
  *v = r;
  return pos;
}
