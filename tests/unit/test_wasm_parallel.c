/* tests/unit/test_wasm_parallel: hostile modules side by side with healthy
 * ones on 8 threads, repeated — every trap must stay on its own thread and
 * call (thread-local trap state, per-thread alt-stacks), healthy calls must
 * be unaffected, and nothing may leak between calls. Also runs under
 * ThreadSanitizer (DW_TSAN_LABEL). */
#include <pthread.h>
#include <stdatomic.h>

#include "test_wasm_util.h"
#include "wasm/rt.h"

typedef struct job {
  const char *name; /* fixture, or "example:NAME" */
  const char *fuel; /* fuel_level */
  const char *caps; /* capabilities or NULL */
  const char *input;
  const char *want_out; /* healthy: exact output */
  const char *want_err; /* hostile: substring of the error */
  int deadline_ms;      /* > 0: a deadline */
} job;

static job jobs[] = {
    {"loop", "1000000", NULL, "x", NULL, "out of fuel", 0},
    {"oob_load", "1000000", NULL, "x", NULL, "out-of-bounds memory access", 0},
    {"oob_store", "1000000", NULL, "x", NULL, "out-of-bounds memory access", 0},
    {"recurse", "100000000", NULL, "x", NULL, "call stack exhausted", 0},
    {"grow_bomb", "1000000", NULL, "x", NULL, "memory.grow was refused", 0},
    {"div0", "1000000", NULL, "x", NULL, "integer divide by zero", 0},
    {"unreachable", "1000000", NULL, "x", NULL, "unreachable instruction executed", 0},
    {"bad_ptr", "1000000", NULL, "x", NULL, "outside its memory", 0},
    {"bad_len", "1000000", NULL, "x", NULL, "null or out-of-range result", 0},
    {"null_result", "1000000", NULL, "x", NULL, "process returned 0", 0},
    {"loop", "500000000", NULL, "x", NULL, "timeout", 20},
    {"start_loop", "1000000", NULL, "x", NULL, "out of fuel: instantiation", 0},
    {"bad_indirect", "1000000", NULL, "x", NULL, "indirect call", 0},
    {"ok_echo", "1000000", NULL, "healthy echo", "healthy echo", NULL, 0},
    {"stack_only", "5000000", NULL, "fib then echo", "fib then echo", NULL, 0},
    {"wasi_write", "1000000", "stdout", "talk", "talk", NULL, 0},
    {"example:rle", "1000000", NULL, "hello world", "1h1e2l1o1 1w1o1r1l1d", NULL, 0},
    {"example:wasm_appender", "1000000", NULL, "HELLO", "HELLO::WASM", NULL, 0},
    {"example:rle_wat", "1000000", NULL, "aaab", "3a1b", NULL, 0},
};
#define NJOBS (sizeof jobs / sizeof *jobs)
static dw_wasm_module *mods[NJOBS];
static tw_pipe pipes[NJOBS];

/* 24 hostile and 24 healthy calls per round, interleaved. */
enum { ROUND = 48, ROUNDS = 6, THREADS = 8 };
static unsigned plan[ROUND];
static atomic_uint next_task;
static atomic_uint failures;
static unsigned first_healthy;

static void quiet(void *u, const char *id, int fd, const char *line, size_t len) {
  (void)u, (void)id, (void)fd, (void)line, (void)len;
}

static void *worker(void *arg) {
  (void)arg;
  for (;;) {
    unsigned t = atomic_fetch_add(&next_task, 1);
    if (t >= ROUND * ROUNDS) break;
    unsigned ji = plan[t % ROUND];
    job *j = &jobs[ji];
    dw_call c;
    uint64_t dl = j->deadline_ms ? dw_rt_now_ns() + (uint64_t)j->deadline_ms * 1000000u : 0;
    int rc = tw_call(mods[ji], &c, j->name, j->input, NULL, dl);
    bool ok;
    if (j->want_out)
      ok = rc == 0 && c.out_len == strlen(j->want_out) && !memcmp(c.out, j->want_out, c.out_len);
    else
      ok = rc == -1 && c.err_msg && strstr(c.err_msg, j->want_err);
    if (!ok) {
      fprintf(stderr, "job %s: rc %d, error '%s', output '%.*s'\n", j->name, rc,
              c.err_msg ? c.err_msg : "", (int)c.out_len, c.out ? (char *)c.out : "");
      atomic_fetch_add(&failures, 1);
    }
    dw_call_clear(&c);
  }
  return NULL;
}

static void test_parallel_hostile(void **state) {
  (void)state;
  dw_wasm_set_log_sink(quiet, NULL);
  for (size_t i = 0; i < NJOBS; i++) {
    job *j = &jobs[i];
    const char *path =
        !strncmp(j->name, "example:", 8) ? tw_example(j->name + 8) : tw_fixture(j->name);
    if (j->caps)
      tw_init(&pipes[i], j->name, path, "fuel_level", j->fuel, "capabilities", j->caps, NULL);
    else
      tw_init(&pipes[i], j->name, path, "fuel_level", j->fuel, NULL);
    mods[i] = tw_prepare(&pipes[i]);
    assert_non_null(mods[i]);
  }
  /* hostile jobs come first, then the healthy ones */
  unsigned nh = 0;
  while (!jobs[nh].want_out) nh++;
  unsigned nok = NJOBS - nh;
  first_healthy = nh;
  for (unsigned i = 0; i < ROUND; i++) plan[i] = i % 2 ? nh + (i / 2) % nok : (i / 2) % nh;
  unsigned before = dw_rt_reservations();
  pthread_t th[THREADS];
  for (int i = 0; i < THREADS; i++) assert_int_equal(pthread_create(&th[i], NULL, worker, NULL), 0);
  /* meanwhile, load and unload modules the workers are running */
  for (int i = 0; i < 10; i++) {
    dw_wasm_module *again = tw_prepare(&pipes[first_healthy + (size_t)i % 3]);
    assert_non_null(again);
    dw_call c;
    assert_int_equal(tw_call(again, &c, "again", "x", NULL, 0), 0);
    dw_call_clear(&c);
    dw_wasm_module_free(again);
  }
  for (int i = 0; i < THREADS; i++) pthread_join(th[i], NULL);
  assert_int_equal(atomic_load(&failures), 0);
  /* every reservation went back to the pool: at most one more per thread
   * that ran calls at the same time (the workers and this one) */
  assert_true(dw_rt_reservations() <= before + THREADS + 1);
  for (size_t i = 0; i < NJOBS; i++) {
    dw_wasm_module_free(mods[i]);
    tw_free(&pipes[i]);
  }
  dw_wasm_set_log_sink(NULL, NULL);
}

/* DW_TSAN_LABEL: this test also runs under ThreadSanitizer. */
int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_parallel_hostile)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
