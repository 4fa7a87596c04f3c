/* exec/deque: a work-stealing deque of processor ranks — Chase and Lev's
 * (2005), with C11 atomics after Lê, Pop, Cohen and Zappa Nardelli (2013).
 * Its owner pushes and takes at the bottom; other workers steal from the
 * top. There is no lock: a push costs two stores, a take and a steal one
 * sequentially consistent operation each, plus a compare-and-swap when they
 * compete for the last element.
 *
 * The operations on bottom and top that decide who gets an element are
 * sequentially consistent (not relaxed accesses behind fences): the same
 * machine code on x86, and ThreadSanitizer can follow them. A push stores
 * bottom sequentially consistently too, so that a pusher that then looks
 * for sleeping workers (exec/run.c) cannot miss one that looked at this
 * deque before it went to sleep.
 *
 * The array grows by doubling. A thief may still be reading an old array,
 * so replaced arrays stay allocated until the deque is freed (together they
 * are smaller than the last one).
 *
 * Every store to bottom is at least a release (a plain store on x86): a
 * thief that reads any value of bottom sees the elements stored below it. */
#ifndef DW_EXEC_DEQUE_H
#define DW_EXEC_DEQUE_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

enum { DW_DQ_EMPTY = -1, DW_DQ_LOST = -2 }; /* lost: a race with another thief */

typedef struct dw_dq_array {
  struct dw_dq_array *older; /* replaced arrays, freed with the deque */
  int64_t mask;              /* capacity - 1 (a power of two) */
  _Atomic uint32_t v[];
} dw_dq_array;

typedef struct dw_deque {
  _Alignas(64) _Atomic int64_t top; /* thieves write it: a line of its own */
  _Alignas(64) _Atomic int64_t bottom;
  _Atomic(dw_dq_array *) a;
} dw_deque;

static inline dw_dq_array *dw_dq_array_new(int64_t cap) {
  dw_dq_array *a = malloc(sizeof *a + (size_t)cap * sizeof a->v[0]);
  if (a) {
    a->older = NULL;
    a->mask = cap - 1;
  }
  return a;
}

/* cap: a power of two. 0, or -1 when out of memory. */
static inline int dw_deque_init(dw_deque *d, int64_t cap) {
  dw_dq_array *a = dw_dq_array_new(cap);
  atomic_init(&d->top, 0);
  atomic_init(&d->bottom, 0);
  atomic_init(&d->a, a);
  return a ? 0 : -1;
}

static inline void dw_deque_free(dw_deque *d) {
  dw_dq_array *a = atomic_load_explicit(&d->a, memory_order_relaxed);
  while (a) {
    dw_dq_array *older = a->older;
    free(a);
    a = older;
  }
  atomic_store_explicit(&d->a, NULL, memory_order_relaxed);
}

/* Owner only. 0, or -1 when the array could not grow. */
static inline int dw_deque_push(dw_deque *d, uint32_t x) {
  int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed);
  int64_t t = atomic_load_explicit(&d->top, memory_order_acquire);
  dw_dq_array *a = atomic_load_explicit(&d->a, memory_order_relaxed);
  if (b - t > a->mask) {
    dw_dq_array *na = dw_dq_array_new((a->mask + 1) * 2);
    if (!na) return -1;
    for (int64_t i = t; i < b; i++)
      atomic_store_explicit(&na->v[i & na->mask],
                            atomic_load_explicit(&a->v[i & a->mask], memory_order_relaxed),
                            memory_order_relaxed);
    na->older = a;
    atomic_store_explicit(&d->a, na, memory_order_release);
    a = na;
  }
  atomic_store_explicit(&a->v[b & a->mask], x, memory_order_relaxed);
  atomic_store_explicit(&d->bottom, b + 1, memory_order_seq_cst);
  return 0;
}

/* Owner only: the newest element, or DW_DQ_EMPTY. */
static inline int64_t dw_deque_take(dw_deque *d) {
  int64_t b = atomic_load_explicit(&d->bottom, memory_order_relaxed) - 1;
  dw_dq_array *a = atomic_load_explicit(&d->a, memory_order_relaxed);
  atomic_store_explicit(&d->bottom, b, memory_order_seq_cst);
  int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
  if (t > b) { /* it was empty */
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
    return DW_DQ_EMPTY;
  }
  int64_t x = atomic_load_explicit(&a->v[b & a->mask], memory_order_relaxed);
  if (t == b) { /* the last one: a thief may be after it too */
    if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
      x = DW_DQ_EMPTY;
    atomic_store_explicit(&d->bottom, b + 1, memory_order_release);
  }
  return x;
}

/* Any thread: the oldest element, DW_DQ_EMPTY, or DW_DQ_LOST when another
 * thread took it first (try again). */
static inline int64_t dw_deque_steal(dw_deque *d) {
  int64_t t = atomic_load_explicit(&d->top, memory_order_seq_cst);
  int64_t b = atomic_load_explicit(&d->bottom, memory_order_seq_cst);
  if (t >= b) return DW_DQ_EMPTY;
  dw_dq_array *a = atomic_load_explicit(&d->a, memory_order_acquire);
  int64_t x = atomic_load_explicit(&a->v[t & a->mask], memory_order_relaxed);
  if (!atomic_compare_exchange_strong_explicit(&d->top, &t, t + 1, memory_order_seq_cst,
                                               memory_order_relaxed))
    return DW_DQ_LOST;
  return x;
}

/* Any thread: whether it looked non-empty (a hint). */
static inline int dw_deque_nonempty(dw_deque *d) {
  return atomic_load_explicit(&d->top, memory_order_seq_cst) <
         atomic_load_explicit(&d->bottom, memory_order_seq_cst);
}

#endif
