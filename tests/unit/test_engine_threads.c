/*
 * test_engine_threads: the engine's objects used across threads, through the
 * public API only. A run keeps its pipeline alive: the caller may free the
 * pipeline between dw_run_start and dw_run_wait (ASan sees any use after
 * free). The processor registry may be written while other threads load
 * pipelines and list processors (TSan sees any unguarded access), and a
 * definition handed out by dw_engine_processor stays valid and unchanged
 * after later registrations.
 */
/* DW_TSAN_LABEL */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dagwood/dagwood.h"

/* Sleeps option ms, then appends its id to its input. */
static int napper(dw_call *c, void *user) {
  (void)user;
  const char *ms = dw_call_option(c, "ms");
  long v = ms ? atol(ms) : 0;
  struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  size_t len;
  const uint8_t *in = dw_call_input(c, &len);
  const char *id = dw_call_processor_id(c);
  size_t il = strlen(id);
  uint8_t *out = dw_call_output_buffer(c, len + il);
  if (!out) return dw_call_fail(c, 507, "out of memory");
  memcpy(out, in, len);
  memcpy(out + len, id, il);
  return 0;
}

static int noop(dw_call *c, void *user) {
  (void)c;
  (void)user;
  return 0;
}

static dw_engine *engine(void) {
  dw_engine *e = dw_engine_new(NULL);
  assert_non_null(e);
  dw_processor_def d = {"napper", DW_INTENT_TRANSFORM,      napper,
                        NULL,     "sleeps, appends its id", NULL};
  assert_int_equal(dw_engine_register(e, &d), 0);
  return e;
}

static const char *CHAIN =
    "processors:\n"
    "  - {id: a, type: local, processor: napper, options: {ms: \"30\"}}\n"
    "  - {id: b, type: local, processor: napper, depends_on: [a], options: {ms: \"30\"}}\n"
    "  - {id: c, type: local, processor: napper, depends_on: [b]}\n"
    "  - {id: d, type: local, processor: napper, depends_on: [a]}\n";

/* The pipeline is freed right after dw_run_start, while its first processor
 * sleeps: the run goes on to the end on its own reference, and the result
 * (which outlives both) still names every processor. Every executor, and a
 * cancelled run too. */
static void test_run_outlives_pipeline(void **state) {
  (void)state;
  dw_engine *e = engine();
  for (int s = 0; s < 4; s++)
    for (int cancel = 0; cancel < 2; cancel++) {
      dw_pipeline *p = dw_pipeline_load_string(e, "chain.yaml", CHAIN, strlen(CHAIN), NULL, NULL);
      assert_non_null(p);
      dw_run_options o;
      dw_run_options_init(&o);
      o.strategy = s;
      o.max_concurrency = 2;
      dw_run *run = dw_run_start(e, p, ">", 1, &o);
      assert_non_null(run);
      dw_pipeline_free(p); /* the caller's reference: the run holds its own */
      if (cancel) dw_run_cancel(run);
      dw_result *r = dw_run_wait(run);
      assert_non_null(r);
      assert_int_equal(dw_result_count(r), 4);
      const char *ids[4] = {"a", "b", "c", "d"};
      for (size_t i = 0; i < 4; i++) assert_string_equal(dw_result_processor(r, i)->id, ids[i]);
      assert_string_equal(dw_result_config(r), "chain.yaml");
      if (!cancel) {
        assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
        size_t len;
        const uint8_t *out = dw_result_output(r, &len);
        assert_int_equal(len, 3);
        assert_memory_equal(out, ">ad", 3); /* d ranks last */
        const dw_proc_report *c = dw_result_processor(r, 2);
        assert_int_equal(c->output_len, 4);
        assert_memory_equal(c->output, ">abc", 4);
      }
      dw_result_free(r);
    }
  dw_engine_free(e);
}

/* A definition obtained from dw_engine_processor stays valid, and says the
 * same, however many processors are registered after it; replacing a
 * processor makes a new definition and leaves the old one as it was. */
static void test_definitions_stay_put(void **state) {
  (void)state;
  dw_engine *e = engine();
  size_t n0 = dw_engine_processor_count(e);
  assert_true(n0 >= 9); /* eight built-ins and napper */
  const dw_processor_def *first = dw_engine_processor(e, 0);
  const dw_processor_def *mine = dw_engine_processor(e, n0 - 1);
  char first_name[64];
  snprintf(first_name, sizeof first_name, "%s", first->name);
  assert_string_equal(mine->name, "napper");
  static const char *const opts[] = {"ms", NULL};
  for (int i = 0; i < 1000; i++) {
    char name[32], desc[48];
    snprintf(name, sizeof name, "extra_%d", i);
    snprintf(desc, sizeof desc, "extra processor %d", i);
    dw_processor_def d = {name, DW_INTENT_ANALYZE, noop, NULL, desc, opts};
    assert_int_equal(dw_engine_register(e, &d), 0);
  }
  assert_int_equal(dw_engine_processor_count(e), n0 + 1000);
  /* the same records, unchanged */
  assert_ptr_equal(dw_engine_processor(e, 0), first);
  assert_string_equal(first->name, first_name);
  assert_ptr_equal(dw_engine_processor(e, n0 - 1), mine);
  assert_string_equal(mine->name, "napper");
  assert_ptr_equal(mine->process, napper);
  const dw_processor_def *x = dw_engine_processor(e, n0 + 500);
  assert_string_equal(x->name, "extra_500");
  assert_string_equal(x->description, "extra processor 500");
  assert_string_equal(x->options[0], "ms");
  assert_null(x->options[1]);
  /* replaced: a new record at the same index; the old one is as it was */
  dw_processor_def again = {"extra_500", DW_INTENT_TRANSFORM, napper, NULL, "replaced", NULL};
  assert_int_equal(dw_engine_register(e, &again), 0);
  assert_int_equal(dw_engine_processor_count(e), n0 + 1000);
  const dw_processor_def *y = dw_engine_processor(e, n0 + 500);
  assert_ptr_not_equal(x, y);
  assert_string_equal(y->description, "replaced");
  assert_int_equal(y->intent, DW_INTENT_TRANSFORM);
  assert_string_equal(x->description, "extra processor 500");
  assert_int_equal(x->intent, DW_INTENT_ANALYZE);
  assert_null(dw_engine_processor(e, n0 + 1000));
  dw_engine_free(e);
}

/* One thread registers processors while others load pipelines (which look
 * processors up, and list the registered names in their errors) and list
 * the processors. */
typedef struct shared {
  dw_engine *e;
  atomic_int done;
  atomic_int loads, lists;
} shared;

static void *registrar(void *arg) {
  shared *sh = arg;
  for (int i = 0; i < 3000; i++) {
    char name[32];
    snprintf(name, sizeof name, "late_%d", i);
    dw_processor_def d = {name, DW_INTENT_TRANSFORM, noop, NULL, "registered late", NULL};
    if (dw_engine_register(sh->e, &d) != 0) abort();
  }
  atomic_store(&sh->done, 1);
  return NULL;
}

static void *loader(void *arg) {
  shared *sh = arg;
  const char *good =
      "processors:\n"
      "  - {id: a, type: local, processor: change_text_case_upper}\n"
      "  - {id: b, type: local, processor: napper, depends_on: [a]}\n";
  /* an unknown name: the error lists the names registered so far */
  const char *bad = "processors:\n  - {id: a, type: local, processor: late_99999}\n";
  do {
    dw_pipeline *p = dw_pipeline_load_string(sh->e, "good.yaml", good, strlen(good), NULL, NULL);
    if (!p) abort();
    dw_result *r = dw_pipeline_run(sh->e, p, "x", 1, NULL);
    if (!r || dw_result_status(r) != DW_RUN_SUCCEEDED) abort();
    dw_result_free(r);
    dw_pipeline_free(p);
    dw_diags *d = NULL;
    if (dw_pipeline_load_string(sh->e, "bad.yaml", bad, strlen(bad), NULL, &d)) abort();
    if (!d || dw_diags_errors(d) == 0) abort();
    dw_diags_free(d);
    atomic_fetch_add(&sh->loads, 1);
  } while (!atomic_load(&sh->done));
  return NULL;
}

static void *lister(void *arg) {
  shared *sh = arg;
  do {
    size_t n = dw_engine_processor_count(sh->e), total = 0;
    for (size_t i = 0; i < n; i++) {
      const dw_processor_def *d = dw_engine_processor(sh->e, i);
      if (!d || !d->name || !d->process) abort();
      total += strlen(d->name);
    }
    if (n && !total) abort();
    atomic_fetch_add(&sh->lists, 1);
  } while (!atomic_load(&sh->done));
  return NULL;
}

static void test_register_while_loading(void **state) {
  (void)state;
  shared sh = {.e = engine()};
  pthread_t t[3];
  assert_int_equal(pthread_create(&t[0], NULL, loader, &sh), 0);
  assert_int_equal(pthread_create(&t[1], NULL, lister, &sh), 0);
  assert_int_equal(pthread_create(&t[2], NULL, registrar, &sh), 0);
  for (int i = 0; i < 3; i++) pthread_join(t[i], NULL);
  assert_true(atomic_load(&sh.loads) > 0);
  assert_true(atomic_load(&sh.lists) > 0);
  assert_int_equal(dw_engine_processor_count(sh.e), 9 + 3000);
  /* a pipeline loaded now finds the processors registered last */
  const char *y = "processors:\n  - {id: a, type: local, processor: late_2999}\n";
  dw_pipeline *p = dw_pipeline_load_string(sh.e, "late.yaml", y, strlen(y), NULL, NULL);
  assert_non_null(p);
  dw_pipeline_free(p);
  dw_engine_free(sh.e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_outlives_pipeline),
      cmocka_unit_test(test_definitions_stay_put),
      cmocka_unit_test(test_register_while_loading),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
