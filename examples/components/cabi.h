/* examples/components/cabi: what a freestanding C guest of the
 * dagwood:component/processing-node@1.0.0 world needs without libc or
 * wit-bindgen: a bump allocator (cabi_realloc), the 24-byte return area of
 * process's result<list<u8>, processing-error>, and setters for its cases.
 * post-return resets the heap, so a reused instance does not grow. */
#ifndef DW_EXAMPLE_CABI_H
#define DW_EXAMPLE_CABI_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))
/* the interface's name; tests build a guest under another one */
#ifndef IFACE
#define IFACE "dagwood:component/processing-node@1.0.0"
#endif
#define PROCESS_NAME IFACE "#process"
#define POST_NAME "cabi_post_" IFACE "#process"

extern unsigned char __heap_base;
static uintptr_t heap_top;

static inline void *bump(size_t align, size_t n) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  if (align == 0 || (align & (align - 1))) return 0;
  uintptr_t p = (heap_top + align - 1) & ~(uintptr_t)(align - 1);
  if (n > SIZE_MAX - p) return 0;
  uintptr_t end = p + n;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  heap_top = end;
  return (void *)p;
}

#ifndef CABI_OWN_REALLOC
EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  /* an empty list asks for (0, 0, 1, 0): any aligned pointer will do */
  void *p = bump(align, new_size);
  if (p && old)
    for (size_t i = 0; i < old_size && i < new_size; i++) ((uint8_t *)p)[i] = ((uint8_t *)old)[i];
  if (!p) __builtin_trap();
  return p;
}
#endif

/* The return area: tag u8 @0; ok: ptr @8, len @12; err: case u8 @8, then a
 * string (ptr @16, len @20) or a u64 @16. */
static _Alignas(8) uint8_t ret_area[24];

enum { ERR_INVALID_INPUT = 0, ERR_PROCESSING_FAILED = 1, ERR_INPUT_TOO_LARGE = 2 };

static inline uint8_t *ret_ok(const uint8_t *p, uint32_t len) {
  ret_area[0] = 0;
  *(uint32_t *)(ret_area + 8) = (uint32_t)(uintptr_t)p;
  *(uint32_t *)(ret_area + 12) = len;
  return ret_area;
}

static inline uint8_t *ret_err_str(uint8_t which, const char *s, uint32_t len) {
  ret_area[0] = 1;
  ret_area[8] = which;
  *(uint32_t *)(ret_area + 16) = (uint32_t)(uintptr_t)s;
  *(uint32_t *)(ret_area + 20) = len;
  return ret_area;
}

static inline uint8_t *ret_err_u64(uint64_t v) {
  ret_area[0] = 1;
  ret_area[8] = ERR_INPUT_TOO_LARGE;
  *(uint64_t *)(ret_area + 16) = v;
  return ret_area;
}

/* Decimal digits of v at p; returns how many. */
static inline size_t put_u32(char *p, uint32_t v) {
  char t[10];
  size_t n = 0;
  do t[n++] = (char)('0' + v % 10), v /= 10;
  while (v);
  for (size_t i = 0; i < n; i++) p[i] = t[n - 1 - i];
  return n;
}

static inline size_t put_str(char *p, const char *s) {
  size_t n = 0;
  while (s[n]) p[n] = s[n], n++;
  return n;
}

#define CABI_POST_RETURN \
  EXPORT(POST_NAME) void post_process(uint8_t *ret) { (void)ret, heap_top = 0; }

#endif
