/* examples/wasm/guest: the few helpers a freestanding C guest of dagwood's
 * C-style ABI needs (no libc): a bump allocator over the module's linear
 * memory and the export attribute. Each call runs in a fresh instance, so
 * nothing is ever freed. */
#ifndef DW_EXAMPLE_GUEST_H
#define DW_EXAMPLE_GUEST_H

#include <stddef.h>
#include <stdint.h>

#define EXPORT(name) __attribute__((export_name(name)))

extern unsigned char __heap_base;
static uintptr_t heap_top;

static inline void *guest_alloc(size_t n) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + 7) & ~(uintptr_t)7;
  uintptr_t end = p + n;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have) {
    size_t pages = (end - have + 65535) / 65536;
    if (__builtin_wasm_memory_grow(0, pages) == (size_t)-1) return 0;
  }
  heap_top = end;
  return (void *)p;
}

#define GUEST_ABI_ALLOCATOR                                                       \
  EXPORT("allocate") void *allocate(int32_t n) { return guest_alloc((size_t)n); } \
  EXPORT("deallocate") void deallocate(void *p, int32_t n) { (void)p, (void)n; }

#endif
