/* util/arena: see arena.h. Blocks grow geometrically so that a 100 000-node
 * pipeline costs a few dozen mallocs, not hundreds of thousands. */
#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct dw_arena_block {
  dw_arena_block *next;
  size_t cap;
  size_t used;
  _Alignas(16) unsigned char data[];
};

enum { ARENA_MIN_BLOCK = 4096, ARENA_MAX_BLOCK = 1 << 20 };
enum { LARGE_MAX_BLOCK = 8 << 20, HUGE_PAGE = 2 << 20 };

void dw_arena_init(dw_arena *a) {
  a->head = NULL;
  a->total = 0;
  a->large = false;
}

void dw_arena_init_large(dw_arena *a) {
  dw_arena_init(a);
  a->large = true;
}

void dw_arena_free(dw_arena *a) {
  dw_arena_block *b = a->head;
  while (b) {
    dw_arena_block *n = b->next;
    free(b);
    b = n;
  }
  a->head = NULL;
  a->total = 0;
}

/* Room for `size` bytes at `align` (a power of two, at most 16), not zeroed. */
static void *take(dw_arena *a, size_t size, size_t align) {
  dw_arena_block *b = a->head;
  size_t off = b ? (b->used + align - 1) & ~(align - 1) : 0;
  if (!b || off > b->cap || b->cap - off < size) {
    size_t need = (size + 15u) & ~(size_t)15u;
    if (need < size) return NULL;
    size_t cap = b ? b->cap * 2 : ARENA_MIN_BLOCK;
    size_t max = a->large ? LARGE_MAX_BLOCK : ARENA_MAX_BLOCK;
    if (cap > max) cap = max;
    if (cap < need) cap = need;
    if (cap > SIZE_MAX - sizeof(dw_arena_block)) return NULL;
    /* calloc: fresh pages come zeroed from the kernel at no cost, and a bump
     * allocator never hands the same bytes out twice, so dw_arena_alloc
     * needs no memset of its own */
    dw_arena_block *nb = calloc(1, sizeof(dw_arena_block) + cap);
    if (!nb) return NULL;
    nb->cap = cap;
    nb->used = 0;
#ifdef MADV_HUGEPAGE
    if (a->large && cap >= 2 * HUGE_PAGE) {
      /* one fault per 2 MiB instead of per 4 KiB: faults were a third of
       * reading a big pipeline. Only the aligned interior; advice only. */
      uintptr_t lo = ((uintptr_t)nb->data + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
      uintptr_t hi = ((uintptr_t)nb->data + cap) & ~(uintptr_t)(HUGE_PAGE - 1);
      if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#endif
    /* A big one-off allocation goes behind the current block so the
     * current block's free space stays usable. */
    if (b && cap == need && b->cap - b->used > ARENA_MIN_BLOCK / 4) {
      nb->next = b->next;
      b->next = nb;
    } else {
      nb->next = b;
      a->head = nb;
    }
    b = nb;
    off = 0;
  }
  void *p = b->data + off;
  a->total += off + size - b->used;
  b->used = off + size;
  return p;
}

void *dw_arena_alloc(dw_arena *a, size_t size) { return take(a, size, 16); }

void *dw_arena_alloc_raw(dw_arena *a, size_t size) { return take(a, size, 16); }

void *dw_arena_calloc(dw_arena *a, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size) return NULL;
  return dw_arena_alloc(a, n * size);
}

char *dw_arena_strndup(dw_arena *a, const char *s, size_t n) {
  if (n == SIZE_MAX) return NULL;
  char *p = take(a, n + 1, 1); /* text needs no alignment: ids pack tightly */
  if (!p) return NULL;
  memcpy(p, s, n);
  p[n] = 0;
  return p;
}

char *dw_arena_strdup(dw_arena *a, const char *s) { return dw_arena_strndup(a, s, strlen(s)); }

char *dw_arena_printf(dw_arena *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return NULL;
  char *p = dw_arena_alloc(a, (size_t)n + 1);
  if (!p) return NULL;
  va_start(ap, fmt);
  vsnprintf(p, (size_t)n + 1, fmt, ap);
  va_end(ap);
  return p;
}
