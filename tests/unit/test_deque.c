/* tests/unit/test_deque: the work-stealing deque of the reactive executor
 * (src/exec/deque.h). Alone: the owner takes newest first, thieves oldest
 * first, the array grows without losing or reordering anything. Under
 * contention: whatever the interleaving, every pushed element is taken
 * exactly once — by its owner or by one thief — and nothing else is ever
 * returned. The contended test also runs under ThreadSanitizer
 * (DW_TSAN_LABEL). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "exec/deque.h"

static void test_owner_lifo_thief_fifo(void **state) {
  (void)state;
  dw_deque d;
  assert_int_equal(dw_deque_init(&d, 4), 0);
  assert_int_equal(dw_deque_take(&d), DW_DQ_EMPTY);
  assert_int_equal(dw_deque_steal(&d), DW_DQ_EMPTY);
  assert_false(dw_deque_nonempty(&d));
  for (uint32_t i = 0; i < 5; i++) assert_int_equal(dw_deque_push(&d, i * 10), 0);
  assert_true(dw_deque_nonempty(&d));
  assert_int_equal(dw_deque_take(&d), 40); /* newest */
  assert_int_equal(dw_deque_steal(&d), 0); /* oldest */
  assert_int_equal(dw_deque_steal(&d), 10);
  assert_int_equal(dw_deque_take(&d), 30);
  assert_int_equal(dw_deque_take(&d), 20); /* the last one, taken by its owner */
  assert_int_equal(dw_deque_take(&d), DW_DQ_EMPTY);
  assert_int_equal(dw_deque_steal(&d), DW_DQ_EMPTY);
  /* empty again: indices go on from where they were */
  assert_int_equal(dw_deque_push(&d, 7), 0);
  assert_int_equal(dw_deque_steal(&d), 7);
  assert_int_equal(dw_deque_take(&d), DW_DQ_EMPTY);
  /* the largest rank is an element like any other, not a sentinel */
  assert_int_equal(dw_deque_push(&d, UINT32_MAX - 1), 0);
  assert_int_equal(dw_deque_take(&d), (int64_t)(UINT32_MAX - 1));
  dw_deque_free(&d);
}

/* Growth in the middle of a wrapped range keeps every element in order. */
static void test_growth_keeps_order(void **state) {
  (void)state;
  dw_deque d;
  assert_int_equal(dw_deque_init(&d, 2), 0);
  /* wrap the indices around the small array first */
  for (uint32_t i = 0; i < 7; i++) {
    assert_int_equal(dw_deque_push(&d, i), 0);
    assert_int_equal(dw_deque_steal(&d), i);
  }
  enum { N = 1000 };
  for (uint32_t i = 0; i < N; i++) assert_int_equal(dw_deque_push(&d, i), 0);
  for (uint32_t i = 0; i < N / 2; i++) assert_int_equal(dw_deque_steal(&d), i);
  for (uint32_t i = N; i-- > N / 2;) assert_int_equal(dw_deque_take(&d), i);
  assert_int_equal(dw_deque_take(&d), DW_DQ_EMPTY);
  dw_deque_free(&d);
}

/* Contention: an owner pushes bursts and takes some back, two thieves
 * steal; each element must come out exactly once. */
enum { TOTAL = 200000, THIEVES = 2 };

typedef struct shared {
  dw_deque d;
  atomic_uchar *seen; /* TOTAL counters */
  atomic_int done;    /* the owner has pushed everything and drained */
  atomic_long bad;    /* elements out of range */
} shared;

static void note(shared *sh, int64_t x) {
  if (x < 0 || x >= TOTAL) {
    atomic_fetch_add(&sh->bad, 1);
    return;
  }
  atomic_fetch_add(&sh->seen[x], 1);
}

static void *thief(void *arg) {
  shared *sh = arg;
  for (;;) {
    int64_t x = dw_deque_steal(&sh->d);
    if (x >= 0 || x < DW_DQ_LOST)
      note(sh, x);
    else if (x == DW_DQ_EMPTY && atomic_load(&sh->done))
      break;
  }
  return NULL;
}

static void test_contended_exactly_once(void **state) {
  (void)state;
  shared sh;
  assert_int_equal(dw_deque_init(&sh.d, 8), 0); /* small: it grows while stolen from */
  sh.seen = calloc(TOTAL, sizeof *sh.seen);
  assert_non_null(sh.seen);
  atomic_init(&sh.done, 0);
  atomic_init(&sh.bad, 0);
  pthread_t th[THIEVES];
  for (int i = 0; i < THIEVES; i++) assert_int_equal(pthread_create(&th[i], NULL, thief, &sh), 0);
  uint32_t next = 0, rng = 12345;
  while (next < TOTAL) {
    rng = rng * 1103515245u + 12345u;
    unsigned burst = 1 + (rng >> 16) % 64, takes = (rng >> 8) % 48;
    for (unsigned i = 0; i < burst && next < TOTAL; i++)
      assert_int_equal(dw_deque_push(&sh.d, next++), 0);
    for (unsigned i = 0; i < takes; i++) {
      int64_t x = dw_deque_take(&sh.d);
      if (x == DW_DQ_EMPTY) break;
      note(&sh, x);
    }
  }
  int64_t x;
  while ((x = dw_deque_take(&sh.d)) != DW_DQ_EMPTY) note(&sh, x);
  atomic_store(&sh.done, 1);
  for (int i = 0; i < THIEVES; i++) pthread_join(th[i], NULL);
  assert_int_equal(atomic_load(&sh.bad), 0);
  long missing = 0, twice = 0;
  for (uint32_t i = 0; i < TOTAL; i++) {
    unsigned c = atomic_load(&sh.seen[i]);
    missing += c == 0;
    twice += c > 1;
  }
  if (missing || twice) fprintf(stderr, "%ld never taken, %ld taken twice\n", missing, twice);
  assert_int_equal(missing, 0);
  assert_int_equal(twice, 0);
  free(sh.seen);
  dw_deque_free(&sh.d);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_owner_lifo_thief_fifo),
      cmocka_unit_test(test_growth_keeps_order),
      cmocka_unit_test(test_contended_exactly_once),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
