/* wasm/cursor: the bounds-checked byte cursor both binary readers use
 * (wasm/parse for core modules, wasm/component for components): every read
 * checked against the end, every LEB128 limited to its width, and the first
 * failure kept as a one-line message (later ones are dropped). A cursor with
 * errlen 0 checks without writing a message. Internal to src/wasm/. */
#ifndef DW_WASM_CURSOR_H
#define DW_WASM_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct dw_cur {
  const uint8_t *b;
  size_t pos, end; /* the next byte; one past the last readable one */
  char *err;
  size_t errlen;
  int failed;
  int unsupported; /* the failure is a feature outside the accepted set */
} dw_cur;

/* Record the first failure in err; always returns -1. */
__attribute__((format(printf, 2, 3))) int dw_cur_fail(dw_cur *c, const char *fmt, ...);

/* The same for a feature dagwood does not accept: also sets c->unsupported. */
__attribute__((format(printf, 2, 3))) int dw_cur_unsupported(dw_cur *c, const char *fmt, ...);

/* Are n more bytes there? 0, or -1: "<what> runs past the end of its
 * section at byte N". */
int dw_cur_need(dw_cur *c, size_t n, const char *what);
int dw_cur_skip(dw_cur *c, size_t n, const char *what);

/* One byte. *v is 0 on failure. */
int dw_cur_u8(dw_cur *c, uint8_t *v, const char *what);

/* An unsigned LEB128 of at most `bits` bits (no longer, no unused bits
 * set). *v is left alone on failure. */
int dw_cur_uleb(dw_cur *c, unsigned bits, uint64_t *v, const char *what);
/* A u32 LEB128. *v is 0 on failure. */
int dw_cur_u32(dw_cur *c, uint32_t *v, const char *what);
/* A signed LEB128 of at most `bits` bits: only checked and skipped. */
int dw_cur_sleb(dw_cur *c, unsigned bits, const char *what);
/* The same, giving the value sign-extended to 64 bits (*v is 0 on failure). */
int dw_cur_sleb_val(dw_cur *c, unsigned bits, int64_t *v, const char *what);

/* A count of items each at least `min` bytes long: more than the bytes left
 * can hold is "<what> N exceeds the bytes left at byte N". */
int dw_cur_count(dw_cur *c, uint32_t *n, size_t min, const char *what);

/* A string: u32 length + bytes; *s points into the bytes (not terminated),
 * NULL on failure. */
int dw_cur_str(dw_cur *c, const uint8_t **s, uint32_t *n, const char *what);

/* For bytes a reader has already accepted (no cursor, no message): the u32
 * LEB128 at pos, read up to 5 bytes and never past end. Returns the
 * position after it. */
size_t dw_leb_u32_at(const uint8_t *b, size_t pos, size_t end, uint32_t *v);

#endif
