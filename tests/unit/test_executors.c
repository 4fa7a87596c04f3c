/* How each executor schedules, beyond the results they share: level's
 * barrier, work_queue's priority (longest remaining path, then rank),
 * reactive's depth-first hand-off, and hybrid's reported choice. Processors
 * registered through the public API record the order in which they start
 * and finish. DW_TSAN_LABEL */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <pthread.h>

#include "dagwood/dagwood.h"

enum { MAXN = 16 };
static atomic_int clock_seq;
static int started[MAXN], ended[MAXN]; /* sequence numbers, by id letter */
static char order[MAXN + 1];
static atomic_int norder;

static int idx(const dw_call *c) { return dw_call_processor_id(c)[0] - 'a'; }

/* Records its start and end; option "ms" makes it take that long. */
static int record(dw_call *c, void *user) {
  (void)user;
  int i = idx(c);
  started[i] = atomic_fetch_add(&clock_seq, 1);
  int k = atomic_fetch_add(&norder, 1);
  if (k < MAXN) order[k] = (char)('a' + i); /* runs beyond MAXN are not recorded */
  const char *ms = dw_call_option(c, "ms");
  if (ms) {
    struct timespec ts = {0, atol(ms) * 1000000L};
    nanosleep(&ts, NULL);
  }
  ended[i] = atomic_fetch_add(&clock_seq, 1);
  return dw_call_set_output(c, "x", 1);
}

/* Outputs one byte and records nothing (for many processors at once). */
static int plain(dw_call *c, void *user) {
  (void)user;
  return dw_call_set_output(c, "x", 1);
}

static double now_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Keeps its CPU busy for as many µs as its input says (a sleep would take
 * the timer's slack, tens of µs), outputs nothing. */
static int busy_input(dw_call *c, void *user) {
  (void)user;
  size_t len;
  const uint8_t *in = dw_call_input(c, &len);
  char buf[16] = {0};
  memcpy(buf, in, len < sizeof buf - 1 ? len : sizeof buf - 1);
  double until = now_us() + atof(buf);
  while (now_us() < until) {
  }
  return 0;
}

/* Sleeps as many ms as its input says when its option nap is set, else
 * returns at once; an analyzer (for runs of a pipeline that are fast, then
 * slow, with the same processors). */
static int nap_input(dw_call *c, void *user) {
  (void)user;
  if (!dw_call_option(c, "nap")) return 0;
  size_t len;
  const uint8_t *in = dw_call_input(c, &len);
  char buf[16] = {0};
  memcpy(buf, in, len < sizeof buf - 1 ? len : sizeof buf - 1);
  double until = now_us() + 1000.0 * (double)atol(buf);
  while (now_us() < until) { /* (a sleep may end early on a signal) */
    struct timespec ts = {0, 1000000L};
    nanosleep(&ts, NULL);
  }
  return 0;
}

/* Sleeps option ms (for ids that record() cannot index), outputs one byte. */
static int sleeper(dw_call *c, void *user) {
  (void)user;
  const char *ms = dw_call_option(c, "ms");
  long v = ms ? atol(ms) : 0;
  struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
  nanosleep(&ts, NULL);
  return dw_call_set_output(c, "x", 1);
}

static dw_engine *engine(void) {
  dw_engine *e = dw_engine_new(NULL);
  assert_non_null(e);
  dw_processor_def d = {"record", DW_INTENT_TRANSFORM, record, NULL, "records order", NULL};
  assert_int_equal(dw_engine_register(e, &d), 0);
  dw_processor_def q = {"plain", DW_INTENT_TRANSFORM, plain, NULL, "one byte out", NULL};
  assert_int_equal(dw_engine_register(e, &q), 0);
  dw_processor_def s = {"busy_input", DW_INTENT_ANALYZE, busy_input, NULL, "busy", NULL};
  assert_int_equal(dw_engine_register(e, &s), 0);
  dw_processor_def n = {"nap_input", DW_INTENT_ANALYZE, nap_input, NULL, "naps", NULL};
  assert_int_equal(dw_engine_register(e, &n), 0);
  dw_processor_def z = {"sleeper", DW_INTENT_TRANSFORM, sleeper, NULL, "sleeps", NULL};
  assert_int_equal(dw_engine_register(e, &z), 0);
  return e;
}

static void run(dw_engine *e, const char *yaml, dw_strategy s, unsigned maxc) {
  memset(started, 0, sizeof started);
  memset(ended, 0, sizeof ended);
  memset(order, 0, sizeof order);
  atomic_store(&clock_seq, 1);
  atomic_store(&norder, 0);
  dw_pipeline *p = dw_pipeline_load_string(e, "x.yaml", yaml, strlen(yaml), NULL, NULL);
  assert_non_null(p);
  dw_run_options o;
  dw_run_options_init(&o);
  o.strategy = (int)s;
  o.max_concurrency = maxc;
  dw_result *r = dw_pipeline_run(e, p, "in", 2, &o);
  assert_non_null(r);
  assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
  dw_result_free(r);
  dw_pipeline_free(p);
}

#define P(id, deps) "  - {id: " id ", type: local, processor: record, depends_on: [" deps "]}\n"
#define PMS(id, deps, ms)                                               \
  "  - {id: " id ", type: local, processor: record, depends_on: [" deps \
  "], options: {ms: "                                                   \
  "\"" ms "\"}}\n"

/* level: c (level 1) waits for the slow a (level 0) although its own
 * dependency b finished long before; the other executors start it early. */
static void test_level_barrier(void **state) {
  (void)state;
  dw_engine *e = engine();
  const char *y = "processors:\n" PMS("a", "", "200") P("b", "") P("c", "b");
  run(e, y, DW_STRATEGY_LEVEL, 2);
  assert_true(started[2] > ended[0]); /* c after a: the barrier */
  run(e, y, DW_STRATEGY_REACTIVE, 2);
  assert_true(started[2] < ended[0]); /* c beside a */
  run(e, y, DW_STRATEGY_WORK_QUEUE, 2);
  assert_true(started[2] < ended[0]);
  dw_engine_free(e);
}

/* a -> {b, c}, b -> d. One worker, so the order is the policy's:
 * work_queue: longest remaining path first, then rank: a b c d
 * reactive: depth-first hand-off, the lowest rank first: a b d c
 * level: level by level: a b c d */
static void test_one_worker_orders(void **state) {
  (void)state;
  dw_engine *e = engine();
  const char *y = "processors:\n" P("a", "") P("b", "a") P("c", "a") P("d", "b");
  run(e, y, DW_STRATEGY_WORK_QUEUE, 1);
  assert_string_equal(order, "abcd");
  run(e, y, DW_STRATEGY_REACTIVE, 1);
  assert_string_equal(order, "abdc");
  run(e, y, DW_STRATEGY_LEVEL, 1);
  assert_string_equal(order, "abcd");
  dw_engine_free(e);
}

/* work_queue runs the head of the longest path first, even when it is
 * listed (and ranked) last among the entry points. */
static void test_work_queue_critical_path_first(void **state) {
  (void)state;
  dw_engine *e = engine();
  const char *y = "processors:\n" P("a", "") P("b", "") P("c", "") P("d", "c") P("e", "d");
  run(e, y, DW_STRATEGY_WORK_QUEUE, 1);
  assert_int_equal(order[0], 'c');
  run(e, y, DW_STRATEGY_LEVEL, 1); /* level goes by level: a b c, then d, e */
  assert_string_equal(order, "abcde");
  dw_engine_free(e);
}

/* hybrid says what it ran and why; the choice follows the shape and the
 * number of workers, and inspect (dw_pipeline_hybrid_choice) agrees. */
/* `width` processors p<i> that all depend on one source s0, which has
 * `width` dependents. With `regular`, p<i> also depends on a source s<i> of
 * its own: two levels of `width`; else s0 is the only source. */
static char *fan_yaml(unsigned width, int regular) {
  size_t cap = 128 + (size_t)width * 160, o = 0;
  char *y = malloc(cap);
  assert_non_null(y);
  o += (size_t)snprintf(y + o, cap - o, "processors:\n");
  for (unsigned i = 0; i < (regular ? width : 1); i++)
    o += (size_t)snprintf(y + o, cap - o, "  - {id: s%u, type: local, processor: plain}\n", i);
  for (unsigned i = 0; i < width; i++) {
    char deps[32] = "s0";
    if (regular && i) snprintf(deps, sizeof deps, "s0, s%u", i);
    o += (size_t)snprintf(y + o, cap - o,
                          "  - {id: p%u, type: local, processor: plain, depends_on: [%s]}\n", i,
                          deps);
  }
  return y;
}

static void test_hybrid_choice(void **state) {
  (void)state;
  dw_engine *e = engine();
  const char *chain = "processors:\n" P("a", "") P("b", "a") P("c", "b");
  const char *wide = "processors:\n" P("a", "") P("b", "a") P("c", "a") P("d", "a") P("e", "b");
  char *fan64 = fan_yaml(64, 0), *fan65 = fan_yaml(65, 0), *layers65 = fan_yaml(65, 1);
  struct {
    const char *yaml;
    unsigned maxc;
    dw_strategy want;
  } cases[] = {{chain, 1, DW_STRATEGY_REACTIVE},   /* a chain */
               {wide, 8, DW_STRATEGY_REACTIVE},    /* never wider than the workers */
               {wide, 1, DW_STRATEGY_REACTIVE},    /* one worker */
               {fan64, 2, DW_STRATEGY_REACTIVE},   /* 64 dependents: still a few */
               {fan65, 2, DW_STRATEGY_WORK_QUEUE}, /* 65, irregular levels (1, 65) */
               {fan65, 1, DW_STRATEGY_REACTIVE},   /* the same, one worker */
               {layers65, 2, DW_STRATEGY_LEVEL}};  /* 65, regular levels (65, 65) */
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    dw_pipeline *p =
        dw_pipeline_load_string(e, "h.yaml", cases[i].yaml, strlen(cases[i].yaml), NULL, NULL);
    assert_non_null(p);
    const char *why = NULL;
    assert_int_equal(dw_pipeline_hybrid_choice(p, cases[i].maxc, &why), cases[i].want);
    assert_non_null(why);
    dw_run_options o;
    dw_run_options_init(&o);
    o.strategy = DW_STRATEGY_HYBRID;
    o.max_concurrency = cases[i].maxc;
    dw_result *r = dw_pipeline_run(e, p, "x", 1, &o);
    assert_int_equal(dw_result_strategy(r), cases[i].want);
    assert_string_equal(dw_result_strategy_reason(r), why);
    dw_result_free(r);
    dw_pipeline_free(p);
  }
  free(fan64);
  free(fan65);
  free(layers65);
  dw_engine_free(e);
}

/* A pipeline whose levels hold one processor each can never run two at
 * once: it runs on one worker whatever max_concurrency says (no second
 * worker waiting for nothing), while a wider one uses both. */
static void test_total_order_one_worker(void **state) {
  (void)state;
  dw_engine *e = engine();
  const char *chain = "processors:\n" P("a", "") P("b", "a") P("c", "b") P("d", "c");
  const char *wide = "processors:\n" PMS("a", "", "50") PMS("b", "", "50");
  dw_run_options o;
  dw_run_options_init(&o);
  o.max_concurrency = 2;
  dw_pipeline *p = dw_pipeline_load_string(e, "c.yaml", chain, strlen(chain), NULL, NULL);
  assert_non_null(p);
  dw_result *r = dw_pipeline_run(e, p, "x", 1, &o);
  assert_non_null(r);
  for (size_t i = 0; i < dw_result_count(r); i++)
    assert_int_equal(dw_result_processor(r, i)->thread, 0);
  dw_result_free(r);
  dw_pipeline_free(p);
  p = dw_pipeline_load_string(e, "w.yaml", wide, strlen(wide), NULL, NULL);
  assert_non_null(p);
  o.strategy = DW_STRATEGY_WORK_QUEUE;
  r = dw_pipeline_run(e, p, "x", 1, &o);
  assert_non_null(r);
  assert_int_not_equal(dw_result_processor(r, 0)->thread, dw_result_processor(r, 1)->thread);
  dw_result_free(r);
  dw_pipeline_free(p);
  dw_engine_free(e);
}

/* A run of a pipeline whose processors were small in its last run starts
 * on the calling thread alone and recruits the other workers once it has
 * gone on for a while (exec/run.c, run_new): a short run of small
 * processors stays on one thread; a processor that turns out long brings
 * the others in when it returns; and after a run with long attempts the
 * next run starts them at once. Every executor. */
static void test_solo_start(void **state) {
  (void)state;
  dw_engine *e = engine();
  char yaml[1024] = "processors:\n";
  for (char c = 'a'; c <= 'h'; c++) {
    char line[96];
    snprintf(line, sizeof line, "  - {id: %c, type: local, processor: busy_input}\n", c);
    strcat(yaml, line);
  }
  for (int s = 0; s < 4; s++) {
    dw_pipeline *p = dw_pipeline_load_string(e, "s.yaml", yaml, strlen(yaml), NULL, NULL);
    assert_non_null(p);
    dw_run_options o;
    dw_run_options_init(&o);
    o.max_concurrency = 2;
    o.strategy = s;
    /* Runs of 5 µs attempts (40 µs in all: long enough for a helper woken
     * at the start to take a share): after the first, which has no history,
     * they stay on the calling thread — most of them, when the machine is
     * busy (a run with two preempted attempts sends the next one to both
     * workers: enough runs that one such does not decide) */
    int alone = 0, short_runs = 0;
    for (int run = 0; run < 17; run++) {
      dw_result *r = dw_pipeline_run(e, p, "5", 1, &o);
      assert_non_null(r);
      assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
      if (run > 0 && dw_result_duration_us(r) < 90) { /* (a slow machine's run outlives it) */
        size_t on_other = 0;
        for (size_t i = 0; i < dw_result_count(r); i++)
          on_other += dw_result_processor(r, i)->thread;
        short_runs++;
        alone += on_other == 0;
      }
      dw_result_free(r);
    }
    assert_true(alone * 4 >= short_runs * 3);
    /* 20 ms each: the first attempt brings the other worker in, which then
     * runs some of the other seven */
    dw_result *r = dw_pipeline_run(e, p, "20000", 5, &o);
    assert_non_null(r);
    size_t on_other = 0;
    for (size_t i = 0; i < dw_result_count(r); i++) on_other += dw_result_processor(r, i)->thread;
    assert_true(on_other > 0);
    dw_result_free(r);
    /* long attempts last time: both workers from the start, so the first
     * two processors overlap */
    r = dw_pipeline_run(e, p, "20000", 5, &o);
    assert_non_null(r);
    uint64_t first_end = UINT64_MAX, second_start = UINT64_MAX;
    for (size_t i = 0; i < dw_result_count(r); i++) {
      const dw_proc_report *pr = dw_result_processor(r, i);
      uint64_t end = pr->start_ns + pr->duration_us * 1000;
      if (end < first_end) first_end = end;
    }
    for (size_t i = 0; i < dw_result_count(r); i++) {
      const dw_proc_report *pr = dw_result_processor(r, i);
      if (pr->thread != dw_result_processor(r, 0)->thread && pr->start_ns < second_start)
        second_start = pr->start_ns;
    }
    assert_true(second_start < first_end);
    dw_result_free(r);
    dw_pipeline_free(p);
  }
  dw_engine_free(e);
}

#define SLEEP(id, deps, ms)                                                                       \
  "  - {id: " id ", type: local, processor: sleeper, depends_on: [" deps "], options: {ms: \"" ms \
  "\"}}\n"

/* start_ns of the processor with this id, in ms from the run's start. */
static double start_ms(const dw_result *r, const char *id) {
  for (size_t i = 0; i < dw_result_count(r); i++)
    if (!strcmp(dw_result_processor(r, i)->id, id))
      return (double)dw_result_processor(r, i)->start_ns / 1e6;
  fail_msg("no processor %s", id);
  return 0;
}

/* work_queue and level hand a worker several ready processors per lock
 * round trip; that must never hold a ready processor back while a worker
 * is free. (1) The chain a -> b -> c has the longest path, so work_queue
 * starts a first, with four of the eight independent x's in the same
 * batch: b must start when a ends (60 ms), not after the four x's (300 ms).
 * (2) One level of a long L and three short s's, two workers: the one that
 * takes L also takes s1, and once the other has run s2 and s3 it must take
 * s1 over rather than leave it behind L. */
static void test_batches_hold_nothing_back(void **state) {
  (void)state;
  dw_engine *e = engine();
  char chain[2048] =
      "processors:\n" SLEEP("a", "", "60") SLEEP("b", "a", "60") SLEEP("c", "b", "60");
  for (int i = 1; i <= 8; i++) {
    char id[8];
    snprintf(id, sizeof id, "x%d", i);
    char line[160];
    snprintf(line, sizeof line, SLEEP("%s", "", "60"), id);
    strcat(chain, line);
  }
  const char *level = "processors:\n" SLEEP("L", "", "300") SLEEP("s1", "", "40")
      SLEEP("s2", "", "40") SLEEP("s3", "", "40");
  dw_run_options o;
  dw_run_options_init(&o);
  o.max_concurrency = 2;
  o.strategy = DW_STRATEGY_WORK_QUEUE;
  dw_pipeline *p = dw_pipeline_load_string(e, "chain.yaml", chain, strlen(chain), NULL, NULL);
  assert_non_null(p);
  dw_result *r = dw_pipeline_run(e, p, "x", 1, &o);
  assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
  double a = start_ms(r, "a"), b = start_ms(r, "b"), c = start_ms(r, "c");
  if (b - a > 110 || c - a > 170)
    fail_msg("work_queue: b started %.0f ms and c %.0f ms after a (60 ms each)", b - a, c - a);
  dw_result_free(r);
  dw_pipeline_free(p);
  for (int s = 0; s < 2; s++) {
    o.strategy = s ? DW_STRATEGY_LEVEL : DW_STRATEGY_WORK_QUEUE;
    p = dw_pipeline_load_string(e, "level.yaml", level, strlen(level), NULL, NULL);
    assert_non_null(p);
    r = dw_pipeline_run(e, p, "x", 1, &o);
    assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
    double latest = 0;
    const char *ids[3] = {"s1", "s2", "s3"};
    for (int i = 0; i < 3; i++)
      if (start_ms(r, ids[i]) > latest) latest = start_ms(r, ids[i]);
    if (latest > 200)
      fail_msg("%s: a short processor started at %.0f ms, behind the 300 ms one",
               dw_strategy_name(o.strategy), latest);
    dw_result_free(r);
    dw_pipeline_free(p);
  }
  dw_engine_free(e);
}

/* A solo start (the last run was fast) must not keep ready processors
 * waiting while the calling thread is inside a long attempt: a sleeps
 * 200 ms in the last run, and b, ready beside it, starts within a few ms.
 * Every executor. */
static void test_solo_start_slow_attempt(void **state) {
  (void)state;
  dw_engine *e = engine();
  const char *y =
      "processors:\n"
      "  - {id: a, type: local, processor: nap_input, options: {nap: \"yes\"}}\n"
      "  - {id: b, type: local, processor: nap_input}\n";
  for (int s = 0; s < 4; s++) {
    dw_pipeline *p = dw_pipeline_load_string(e, "solo.yaml", y, strlen(y), NULL, NULL);
    assert_non_null(p);
    dw_run_options o;
    dw_run_options_init(&o);
    o.max_concurrency = 2;
    o.strategy = s;
    for (int run = 0; run < 3; run++) { /* fast runs: the next starts solo */
      dw_result *r = dw_pipeline_run(e, p, "0", 1, &o);
      assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
      dw_result_free(r);
    }
    dw_result *r = dw_pipeline_run(e, p, "200", 3, &o);
    assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
    uint64_t a_us = dw_result_processor(r, 0)->duration_us;
    /* (durations are in clock ticks, whose measured rate may be off by a
     * fraction of a per cent) */
    if (a_us < 190000)
      fail_msg("%s: a took %llu us", dw_strategy_name(s), (unsigned long long)a_us);
    double b = start_ms(r, "b");
    if (b > 50) fail_msg("%s: b started %.1f ms into the run, behind a", dw_strategy_name(s), b);
    dw_result_free(r);
    dw_pipeline_free(p);
  }
  dw_engine_free(e);
}

/* The per-processor reports are filled on first use: several threads that
 * ask at once all see the same, complete reports. */
typedef struct reader_arg {
  const dw_result *r;
  unsigned long sum; /* attempts + status + output bytes, over all reports */
} reader_arg;

static void *read_reports(void *arg) {
  reader_arg *a = arg;
  for (size_t i = 0; i < dw_result_count(a->r); i++) {
    const dw_proc_report *pr = dw_result_processor(a->r, i);
    a->sum += pr->attempts + (unsigned)pr->status + pr->output_len + (pr->id[0] == 'n');
  }
  return NULL;
}

static void test_reports_concurrent_first_use(void **state) {
  (void)state;
  dw_engine *e = engine();
  char yaml[8192] = "processors:\n";
  for (int i = 0; i < 60; i++) {
    char line[128];
    if (i == 0)
      snprintf(line, sizeof line, "  - {id: n%d, type: local, processor: plain}\n", i);
    else
      snprintf(line, sizeof line,
               "  - {id: n%d, type: local, processor: plain, depends_on: [n%d]}\n", i, i / 2);
    strcat(yaml, line);
  }
  dw_pipeline *p = dw_pipeline_load_string(e, "t.yaml", yaml, strlen(yaml), NULL, NULL);
  assert_non_null(p);
  for (int round = 0; round < 20; round++) {
    dw_result *r = dw_pipeline_run(e, p, "x", 1, NULL);
    assert_non_null(r);
    enum { T = 4 };
    pthread_t th[T];
    reader_arg args[T];
    for (int t = 0; t < T; t++) {
      args[t] = (reader_arg){r, 0};
      assert_int_equal(pthread_create(&th[t], NULL, read_reports, &args[t]), 0);
    }
    for (int t = 0; t < T; t++) pthread_join(th[t], NULL);
    /* 60 succeeded processors, one attempt and one output byte each */
    unsigned long want = 60ul * (1 + (unsigned)DW_PROC_SUCCEEDED + 1 + 1);
    for (int t = 0; t < T; t++) assert_int_equal(args[t].sum, want);
    dw_result_free(r);
  }
  dw_pipeline_free(p);
  dw_engine_free(e);
}

/* Back-to-back processors share a clock reading: a slow processor's time
 * still counts as its own, not its successor's. */
static void test_durations_back_to_back(void **state) {
  (void)state;
  dw_engine *e = engine();
  const char *y = "processors:\n" P("a", "") PMS("b", "a", "30") P("c", "b");
  dw_pipeline *p = dw_pipeline_load_string(e, "d.yaml", y, strlen(y), NULL, NULL);
  assert_non_null(p);
  dw_result *r = dw_pipeline_run(e, p, "x", 1, NULL);
  assert_non_null(r);
  assert_true(dw_result_processor(r, 1)->duration_us >= 30000);
  assert_true(dw_result_processor(r, 0)->duration_us < 15000);
  assert_true(dw_result_processor(r, 2)->duration_us < 15000);
  /* c started after b ended */
  assert_true(dw_result_processor(r, 2)->start_ns >=
              dw_result_processor(r, 1)->start_ns + 30000000ull);
  dw_result_free(r);
  dw_pipeline_free(p);
  dw_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_level_barrier),
      cmocka_unit_test(test_one_worker_orders),
      cmocka_unit_test(test_work_queue_critical_path_first),
      cmocka_unit_test(test_hybrid_choice),
      cmocka_unit_test(test_total_order_one_worker),
      cmocka_unit_test(test_solo_start),
      cmocka_unit_test(test_solo_start_slow_attempt),
      cmocka_unit_test(test_batches_hold_nothing_back),
      cmocka_unit_test(test_reports_concurrent_first_use),
      cmocka_unit_test(test_durations_back_to_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
