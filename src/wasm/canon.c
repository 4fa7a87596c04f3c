/* wasm/canon: see canon.h. Every guest-supplied pointer and length is
 * checked in 64-bit arithmetic against the memory's size before a byte is
 * read. */
#include "wasm/canon.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t rd32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p) { return rd32(p) | (uint64_t)rd32(p + 4) << 32; }

int dw_canon_check_alloc(uint64_t mem_size, uint32_t ptr, uint32_t len, uint32_t align, char *why,
                         size_t whylen) {
  if (align && ptr % align) {
    snprintf(why, whylen, "realloc returned %" PRIu32 ", which is not aligned to %" PRIu32, ptr,
             align);
    return -1;
  }
  if ((uint64_t)ptr + len > mem_size) {
    snprintf(why, whylen,
             "realloc returned %" PRIu32 " for %" PRIu32
             " bytes, past the end of the memory (%" PRIu64 " bytes)",
             ptr, len, mem_size);
    return -1;
  }
  return 0;
}

bool dw_utf8_valid(const uint8_t *s, size_t n, size_t *bad_at) {
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    size_t k;
    uint32_t cp;
    if (c < 0x80) {
      i++;
      continue;
    } else if (c >= 0xc2 && c <= 0xdf) {
      k = 1, cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      k = 2, cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      k = 3, cp = c & 0x07;
    } else {
      goto bad;
    }
    if (n - i <= k) goto bad;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xc0) != 0x80) goto bad;
      cp = cp << 6 | (s[i + j] & 0x3f);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
      goto bad;
    i += k + 1;
  }
  return true;
bad:
  if (bad_at) *bad_at = i;
  return false;
}

const char *dw_canon_case_name(uint8_t c) {
  switch (c) {
    case DW_CANON_INVALID_INPUT:
      return "invalid-input";
    case DW_CANON_PROCESSING_FAILED:
      return "processing-failed";
    case DW_CANON_INPUT_TOO_LARGE:
      return "input-too-large";
  }
  return "?";
}

static const char *rust_case(uint8_t c) {
  switch (c) {
    case DW_CANON_INVALID_INPUT:
      return "InvalidInput";
    case DW_CANON_PROCESSING_FAILED:
      return "ProcessingFailed";
    default:
      return "InputTooLarge";
  }
}

int dw_canon_error_code(uint8_t c) {
  switch (c) {
    case DW_CANON_INVALID_INPUT:
      return 400;
    case DW_CANON_INPUT_TOO_LARGE:
      return 413;
    default:
      return 500;
  }
}

int dw_canon_read_result(const uint8_t *mem, uint64_t mem_size, uint32_t ret, dw_canon_result *r,
                         char *why, size_t whylen) {
  memset(r, 0, sizeof *r);
  if (ret % DW_CANON_RET_ALIGN) {
    snprintf(why, whylen,
             "process returned the result pointer %" PRIu32
             ", which is not aligned to 8 (misaligned return area)",
             ret);
    return -1;
  }
  if ((uint64_t)ret + DW_CANON_RET_SIZE > mem_size) {
    snprintf(why, whylen,
             "process returned the result pointer %" PRIu32
             "; its 24 bytes run past the end of the memory (%" PRIu64 " bytes)",
             ret, mem_size);
    return -1;
  }
  const uint8_t *p = mem + ret;
  if (p[0] > 1) {
    snprintf(why, whylen, "the result's discriminant is %u; a result has only 0 (ok) and 1 (err)",
             p[0]);
    return -1;
  }
  r->is_err = p[0] == 1;
  const char *what;
  if (!r->is_err) {
    r->ptr = rd32(p + 8), r->len = rd32(p + 12);
    what = "the output list";
  } else {
    r->err_case = p[8];
    if (r->err_case > 2) {
      snprintf(why, whylen,
               "the processing-error case is %u; the variant has only 0 (invalid-input), 1 "
               "(processing-failed) and 2 (input-too-large)",
               r->err_case);
      return -1;
    }
    if (r->err_case == DW_CANON_INPUT_TOO_LARGE) {
      r->value = rd64(p + 16);
      return 0;
    }
    r->ptr = rd32(p + 16), r->len = rd32(p + 20);
    what = "the error string";
  }
  if ((uint64_t)r->ptr + r->len > mem_size) {
    snprintf(why, whylen,
             "%s (%" PRIu32 " bytes at %" PRIu32 ") runs past the end of the memory (%" PRIu64
             " bytes)",
             what, r->len, r->ptr, mem_size);
    return -1;
  }
  size_t bad;
  if (r->is_err && !dw_utf8_valid(mem + r->ptr, r->len, &bad)) {
    snprintf(why, whylen,
             "the error string (%" PRIu32 " bytes at %" PRIu32 ") is not valid UTF-8 (at byte %zu)",
             r->len, r->ptr, bad);
    return -1;
  }
  return 0;
}

char *dw_canon_error_message(const uint8_t *mem, const dw_canon_result *r) {
  static const char head[] = "Component process() returned error: ProcessingError::";
  if (r->err_case == DW_CANON_INPUT_TOO_LARGE) {
    char *s = malloc(sizeof head + 64);
    if (s)
      snprintf(s, sizeof head + 64, "%s%s(%" PRIu64 ")", head, rust_case(r->err_case), r->value);
    return s;
  }
  /* Rust's Debug of a str: quotes, \\ \" \n \r \t \0, other controls \u{..} */
  size_t cap = sizeof head + 32 + (size_t)r->len * 8;
  char *s = malloc(cap);
  if (!s) return NULL;
  size_t n = (size_t)snprintf(s, cap, "%s%s(\"", head, rust_case(r->err_case));
  const uint8_t *p = mem + r->ptr;
  for (uint32_t i = 0; i < r->len; i++) {
    uint8_t c = p[i];
    switch (c) {
      case '"':
      case '\\':
        s[n++] = '\\', s[n++] = (char)c;
        break;
      case '\n':
        s[n++] = '\\', s[n++] = 'n';
        break;
      case '\r':
        s[n++] = '\\', s[n++] = 'r';
        break;
      case '\t':
        s[n++] = '\\', s[n++] = 't';
        break;
      case 0:
        s[n++] = '\\', s[n++] = '0';
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          n += (size_t)snprintf(s + n, cap - n, "\\u{%x}", c);
        else
          s[n++] = (char)c;
    }
  }
  snprintf(s + n, cap - n, "\")");
  return s;
}
