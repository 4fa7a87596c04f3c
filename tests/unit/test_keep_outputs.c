/*
 * test_keep_outputs: dw_run_options.keep_outputs = DW_KEEP_RUN_OUTPUT
 * (PIPELINES 3.6). A run asked for its output alone releases each output
 * once every dependent that may take it has resolved for good and it can no
 * longer be the run's output; its bytes go back to the memory budget, its
 * report says output_released, and the run's output stays. Each case runs on
 * every executor with 1, 2 and 4 workers: a chain of growing outputs that
 * fits a budget only with the releases; a fan whose dependents (one through
 * an analyzer, one after retries, one much later) must each get the
 * output; the run's output falling back to an earlier transform when a
 * later one fails; best_effort's fallback input; a cancel. A recording
 * processor checks the input of every attempt. Public API only.
 */
/* DW_TSAN_LABEL */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dagwood/dagwood.h"
#include "test_load.h"

static dw_engine *g_engine;
static char g_ctx[128]; /* the case being checked, printed with a failure */

#define CHECK(cond, ...)                                \
  do {                                                  \
    if (!(cond)) {                                      \
      fprintf(stderr, "[%s] ", g_ctx);                  \
      fprintf(stderr, __VA_ARGS__);                     \
      fprintf(stderr, "\n");                            \
      fail_msg("%s:%d: %s", __FILE__, __LINE__, #cond); \
    }                                                   \
  } while (0)

static const unsigned WORKERS[] = {1, 2, 4};

static void sleep_ms(unsigned ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* ------------------------------------------------- registered processors */

/* rec: records the input of every attempt, sleeps option `ms`, fails the
 * attempts up to option `fail`, then outputs its input + "+" + its id. */
enum { MAXREC = 256 };
typedef struct rec_entry {
  char id[16];
  unsigned attempt;
  char *input;
  size_t len;
} rec_entry;
static struct {
  pthread_mutex_t mu;
  size_t n;
  rec_entry e[MAXREC];
} g_rec = {.mu = PTHREAD_MUTEX_INITIALIZER};

static void rec_clear(void) {
  pthread_mutex_lock(&g_rec.mu);
  for (size_t i = 0; i < g_rec.n; i++) free(g_rec.e[i].input);
  g_rec.n = 0;
  pthread_mutex_unlock(&g_rec.mu);
}

static int rec_process(dw_call *c, void *u) {
  (void)u;
  size_t len;
  const uint8_t *in = dw_call_input(c, &len);
  const char *id = dw_call_processor_id(c);
  pthread_mutex_lock(&g_rec.mu);
  if (g_rec.n < MAXREC) {
    rec_entry *e = &g_rec.e[g_rec.n++];
    snprintf(e->id, sizeof e->id, "%s", id);
    e->attempt = dw_call_attempt(c);
    e->input = malloc(len + 1);
    if (e->input) memcpy(e->input, in, len);
    e->len = len;
  }
  pthread_mutex_unlock(&g_rec.mu);
  const char *ms = dw_call_option(c, "ms");
  if (ms) sleep_ms((unsigned)atoi(ms));
  const char *fail = dw_call_option(c, "fail");
  if (fail && dw_call_attempt(c) <= (unsigned)atoi(fail))
    return dw_call_fail(c, 503, "attempt %u fails", dw_call_attempt(c));
  size_t il = strlen(id);
  uint8_t *out = dw_call_output_buffer(c, len + 1 + il);
  if (!out) return dw_call_fail(c, 507, "out of memory");
  if (len) memcpy(out, in, len);
  out[len] = '+';
  memcpy(out + len + 1, id, il);
  return 0;
}

/* The inputs recorded for id: each must be `want`; returns how many. */
static unsigned rec_check(const char *id, const char *want) {
  unsigned n = 0;
  pthread_mutex_lock(&g_rec.mu);
  for (size_t i = 0; i < g_rec.n; i++) {
    const rec_entry *e = &g_rec.e[i];
    if (strcmp(e->id, id) != 0) continue;
    n++;
    if (e->len != strlen(want) || memcmp(e->input, want, e->len) != 0) {
      fprintf(stderr, "[%s] %s attempt %u got input '%.*s', want '%s'\n", g_ctx, id, e->attempt,
              (int)e->len, e->input, want);
      pthread_mutex_unlock(&g_rec.mu);
      fail_msg("%s: wrong input", id);
    }
  }
  pthread_mutex_unlock(&g_rec.mu);
  return n;
}

/* boom: always fails (after option `ms`). */
static int boom_process(dw_call *c, void *u) {
  (void)u;
  const char *ms = dw_call_option(c, "ms");
  if (ms) sleep_ms((unsigned)atoi(ms));
  return dw_call_fail(c, 422, "boom at %s", dw_call_processor_id(c));
}

static int setup(void **state) {
  (void)state;
  dw_engine_options eo = {.max_threads = 4};
  g_engine = dw_engine_new(&eo);
  if (!g_engine) return -1;
  const dw_processor_def defs[] = {
      {.name = "rec", .intent = DW_INTENT_TRANSFORM, .process = rec_process},
      {.name = "boom", .intent = DW_INTENT_TRANSFORM, .process = boom_process},
  };
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
    if (dw_engine_register(g_engine, &defs[i]) != 0) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  rec_clear();
  dw_engine_free(g_engine);
  return 0;
}

/* ---------------------------------------------------------------- helpers */

static dw_pipeline *load(const char *yaml) {
  dw_pipeline *p = tl_load(g_engine, "keep.yaml", yaml);
  assert_non_null(p);
  return p;
}

static dw_result *run(dw_pipeline *p, int strategy, unsigned workers, int keep, const char *in) {
  dw_run_options o;
  dw_run_options_init(&o);
  o.strategy = strategy;
  o.max_concurrency = workers;
  o.keep_outputs = keep;
  o.retry_base_ms = 4;
  o.seed = 7;
  snprintf(g_ctx, sizeof g_ctx, "%s, %u workers, %s", dw_strategy_name((dw_strategy)strategy),
           workers, keep == DW_KEEP_RUN_OUTPUT ? "keep run output" : "keep all");
  rec_clear();
  dw_result *r = dw_pipeline_run(g_engine, p, in, strlen(in), &o);
  assert_non_null(r);
  return r;
}

static const dw_proc_report *proc(const dw_result *r, const char *id) {
  for (size_t i = 0; i < dw_result_count(r); i++)
    if (strcmp(dw_result_processor(r, i)->id, id) == 0) return dw_result_processor(r, i);
  fail_msg("no processor %s", id);
  return NULL;
}

static void check_output(const dw_result *r, const char *want) {
  size_t len;
  const uint8_t *out = dw_result_output(r, &len);
  CHECK(len == strlen(want) && memcmp(out, want, len) == 0, "run output '%.*s', want '%s'",
        (int)len, (const char *)out, want);
}

/* id succeeded; its output released, or kept and equal to want. */
static void check_proc(const dw_result *r, const char *id, bool released, const char *want) {
  const dw_proc_report *pr = proc(r, id);
  CHECK(pr->status == DW_PROC_SUCCEEDED, "%s: %s", id, dw_proc_status_name(pr->status));
  CHECK(!pr->output_released == !released, "%s: output_released %d", id, pr->output_released);
  if (released) {
    CHECK(pr->output == NULL && pr->output_len == 0, "%s: a released output is shown", id);
  } else {
    CHECK(pr->output && pr->output_len == strlen(want) && !memcmp(pr->output, want, strlen(want)),
          "%s: output '%.*s', want '%s'", id, (int)pr->output_len,
          pr->output ? (const char *)pr->output : "", want);
  }
}

/* ------------------------------------------------------------------ cases */

/* Two chains side by side, A and B, of n prefix_suffix_adders sharing a
 * prefix of plen 'x's (one alias), with a token_counter between each two:
 * outputs of plen, 2 plen, ... n plen bytes (and the input's one). Written
 * interleaved, so that every executor moves both chains along. Everything
 * kept, they pass a 1 MiB budget about halfway; released, each chain holds
 * two outputs at a time (under 300 KiB each) and the run finishes. */
static char *chains_yaml(unsigned n, size_t plen) {
  size_t cap = plen + 256 + (size_t)n * 400, o = 0;
  char *y = malloc(cap);
  assert_non_null(y);
  o += (size_t)snprintf(y, cap,
                        "executor_options: {max_run_memory_mb: 1}\n"
                        "common: &o {prefix: \"");
  memset(y + o, 'x', plen);
  o += plen;
  o += (size_t)snprintf(y + o, cap - o, "\", suffix: \"\"}\nprocessors:\n");
  for (unsigned i = 0; i < n; i++)
    for (char c = 'A'; c <= 'B'; c++) {
      char deps[32] = "";
      if (i) snprintf(deps, sizeof deps, "%ca%u", c, i - 1);
      o += (size_t)snprintf(y + o, cap - o,
                            "  - {id: %ct%u, type: local, processor: prefix_suffix_adder, "
                            "options: *o, depends_on: [%s]}\n",
                            c, i, deps);
    }
  for (unsigned i = 0; i < n; i++)
    for (char c = 'A'; c <= 'B'; c++)
      o += (size_t)snprintf(y + o, cap - o,
                            "  - {id: %ca%u, type: local, processor: token_counter, "
                            "depends_on: [%ct%u]}\n",
                            c, i, c, i);
  return y;
}

static void test_chain_fits_only_released(void **state) {
  (void)state;
  enum { N = 32, PLEN = 4096 };
  char *y = chains_yaml(N, PLEN);
  dw_pipeline *p = load(y);
  free(y);
  size_t want_len = (size_t)N * PLEN + 1;
  for (int s = 0; s < 4; s++)
    for (size_t k = 0; k < sizeof WORKERS / sizeof WORKERS[0]; k++) {
      /* everything kept: past the budget, one processor fails with 507 */
      dw_result *r = run(p, s, WORKERS[k], DW_KEEP_ALL, "!");
      CHECK(dw_result_status(r) == DW_RUN_FAILED, "status %s",
            dw_run_status_name(dw_result_status(r)));
      unsigned over = 0;
      for (size_t i = 0; i < dw_result_count(r); i++) {
        const dw_proc_report *pr = dw_result_processor(r, i);
        CHECK(!pr->output_released, "%s released under DW_KEEP_ALL", pr->id);
        if (pr->status == DW_PROC_SUCCEEDED) CHECK(pr->output != NULL, "%s: no output", pr->id);
        over += pr->status == DW_PROC_FAILED && pr->error_code == 507;
      }
      CHECK(over >= 1, "no processor over the budget");
      dw_result_free(r);

      /* the run's output only: it fits, every other output is released */
      r = run(p, s, WORKERS[k], DW_KEEP_RUN_OUTPUT, "!");
      CHECK(dw_result_status(r) == DW_RUN_SUCCEEDED, "status %s",
            dw_run_status_name(dw_result_status(r)));
      size_t len;
      const uint8_t *out = dw_result_output(r, &len);
      CHECK(len == want_len, "run output of %zu bytes, want %zu", len, want_len);
      for (size_t i = 0; i + 1 < len; i++) CHECK(out[i] == 'x', "byte %zu is %d", i, out[i]);
      CHECK(out[len - 1] == '!', "the last byte is %d", out[len - 1]);
      for (unsigned i = 0; i < N; i++)
        for (char c = 'A'; c <= 'B'; c++) {
          char id[16];
          snprintf(id, sizeof id, "%ct%u", c, i);
          const dw_proc_report *pr = proc(r, id);
          CHECK(pr->status == DW_PROC_SUCCEEDED, "%s: %s", id, dw_proc_status_name(pr->status));
          if (i + 1 < N || c == 'A') {
            CHECK(pr->output_released && !pr->output, "%s: not released", id);
          } else { /* the highest-ranked transform */
            CHECK(!pr->output_released && pr->output_len == want_len, "%s: the run's output", id);
            CHECK(pr->output == out, "%s: the run's output is another buffer", id);
          }
          snprintf(id, sizeof id, "%ca%u", c, i);
          pr = proc(r, id);
          CHECK(pr->output_released && !pr->output, "%s: an analyzer's output kept", id);
          /* metadata stays */
          CHECK(pr->metadata_count == 3, "%s: %zu metadata entries", id, pr->metadata_count);
          char chars[32];
          snprintf(chars, sizeof chars, "%zu", (size_t)(i + 1) * PLEN + 1);
          CHECK(strcmp(pr->metadata[0].key, "char_count") == 0 &&
                    strcmp(pr->metadata[0].value, chars) == 0,
                "%s: %s = %s, want char_count = %s", id, pr->metadata[0].key, pr->metadata[0].value,
                chars);
        }
      dw_result_free(r);
    }
  dw_pipeline_free(p);
}

/* One output feeding several dependents: directly (fast), through an
 * analyzer and long after the others (slow waits for gate), after two
 * failed attempts (flaky), by input_from beside another dependency (side).
 * Each attempt of each gets the output, so it is released only after the
 * last of them resolved; then every output but the run's is released. */
static void test_fan_released_after_last_dependent(void **state) {
  (void)state;
  const char *yaml =
      "failure_strategy: continue_on_error\n"
      "processors:\n"
      "  - {id: src, type: local, processor: prefix_suffix_adder,"
      " options: {prefix: \"S:\", suffix: \"\"}}\n"
      "  - {id: an, type: local, processor: token_counter, depends_on: [src]}\n"
      "  - {id: gate, type: local, processor: rec, options: {ms: \"40\"}}\n"
      "  - {id: slow, type: local, processor: rec, depends_on: [an, gate], input_from: an}\n"
      "  - {id: fast, type: local, processor: rec, depends_on: [src]}\n"
      "  - {id: flaky, type: local, processor: rec, depends_on: [src], retry_attempts: 2,"
      " options: {fail: \"2\"}}\n"
      "  - {id: side, type: local, processor: rec, depends_on: [src, fast], input_from: src}\n"
      "  - {id: join, type: local, processor: rec, depends_on: [slow, fast, flaky, side]}\n";
  dw_pipeline *p = load(yaml);
  for (int s = 0; s < 4; s++)
    for (size_t k = 0; k < sizeof WORKERS / sizeof WORKERS[0]; k++)
      for (int keep = DW_KEEP_ALL; keep <= DW_KEEP_RUN_OUTPUT; keep++) {
        dw_result *r = run(p, s, WORKERS[k], keep, "in");
        CHECK(dw_result_status(r) == DW_RUN_SUCCEEDED, "status %s",
              dw_run_status_name(dw_result_status(r)));
        CHECK(rec_check("slow", "S:in") == 1, "slow ran other than once");
        CHECK(rec_check("fast", "S:in") == 1, "fast ran other than once");
        CHECK(rec_check("flaky", "S:in") == 3, "flaky: not three attempts");
        CHECK(rec_check("side", "S:in") == 1, "side ran other than once");
        /* join takes the highest-ranked producer among its dependencies: side */
        CHECK(rec_check("join", "S:in+side") == 1, "join ran other than once");
        CHECK(proc(r, "flaky")->attempts == 3, "flaky: %u attempts", proc(r, "flaky")->attempts);
        bool rel = keep == DW_KEEP_RUN_OUTPUT;
        check_proc(r, "src", rel, "S:in");
        check_proc(r, "an", rel, "S:in");
        check_proc(r, "gate", rel, "in+gate");
        check_proc(r, "slow", rel, "S:in+slow");
        check_proc(r, "fast", rel, "S:in+fast");
        check_proc(r, "flaky", rel, "S:in+flaky");
        check_proc(r, "side", rel, "S:in+side");
        check_proc(r, "join", false, "S:in+side+join");
        check_output(r, "S:in+side+join");
        CHECK(proc(r, "an")->metadata_count == 3, "an: metadata dropped");
        dw_result_free(r);
      }
  dw_pipeline_free(p);
}

/* The run's output is the highest-ranked transform that succeeded: when a
 * later one fails (continue_on_error, fail_fast), it is an earlier one,
 * whose dependents have all resolved by then — its output was kept for
 * that. x, ranked below a, is released once a succeeded. */
static void test_output_falls_back_to_earlier_transform(void **state) {
  (void)state;
  const char *tmpl =
      "failure_strategy: %s\n"
      "processors:\n"
      "  - {id: x, type: local, processor: prefix_suffix_adder, options: {prefix: X, suffix: "
      "\"\"}}\n"
      "  - {id: a, type: local, processor: prefix_suffix_adder, options: {prefix: A, suffix: "
      "\"\"}}\n"
      "  - {id: c, type: local, processor: token_counter, depends_on: [a]}\n"
      "  - {id: b, type: local, processor: boom, depends_on: [a], options: {ms: \"5\"}}\n"
      "  - {id: d, type: local, processor: reverse_text, depends_on: [b]}\n";
  const char *fs[] = {"continue_on_error", "fail_fast"};
  for (size_t f = 0; f < 2; f++) {
    char yaml[1024];
    snprintf(yaml, sizeof yaml, tmpl, fs[f]);
    dw_pipeline *p = load(yaml);
    for (int s = 0; s < 4; s++)
      for (size_t k = 0; k < sizeof WORKERS / sizeof WORKERS[0]; k++) {
        dw_result *r = run(p, s, WORKERS[k], DW_KEEP_RUN_OUTPUT, "hi");
        CHECK(dw_result_status(r) == (f == 0 ? DW_RUN_PARTIAL : DW_RUN_FAILED), "status %s",
              dw_run_status_name(dw_result_status(r)));
        check_output(r, "Ahi");
        check_proc(r, "a", false, "Ahi");
        check_proc(r, "x", true, NULL);
        check_proc(r, "c", true, NULL);
        CHECK(proc(r, "b")->status == DW_PROC_FAILED, "b did not fail");
        CHECK(!proc(r, "b")->output_released, "b: a failure is not a release");
        dw_result_free(r);
      }
    dw_pipeline_free(p);
  }
}

/* best_effort: j names f in input_from; f fails, so j takes s's output
 * instead — which must still be there although a higher-ranked transform
 * (t) succeeded before j ran. */
static void test_best_effort_fallback_input(void **state) {
  (void)state;
  const char *yaml =
      "failure_strategy: best_effort\n"
      "processors:\n"
      "  - {id: s, type: local, processor: prefix_suffix_adder, options: {prefix: S, suffix: "
      "\"\"}}\n"
      "  - {id: f, type: local, processor: boom, options: {ms: \"20\"}}\n"
      "  - {id: t, type: local, processor: prefix_suffix_adder, options: {prefix: T, suffix: "
      "\"\"}}\n"
      "  - {id: j, type: local, processor: rec, depends_on: [f, s], input_from: f}\n";
  dw_pipeline *p = load(yaml);
  for (int s = 0; s < 4; s++)
    for (size_t k = 0; k < sizeof WORKERS / sizeof WORKERS[0]; k++) {
      dw_result *r = run(p, s, WORKERS[k], DW_KEEP_RUN_OUTPUT, "q");
      CHECK(dw_result_status(r) == DW_RUN_PARTIAL, "status %s",
            dw_run_status_name(dw_result_status(r)));
      CHECK(rec_check("j", "Sq") == 1, "j ran other than once");
      check_output(r, "Sq+j");
      check_proc(r, "s", true, NULL);
      check_proc(r, "t", true, NULL);
      check_proc(r, "j", false, "Sq+j");
      dw_result_free(r);
    }
  dw_pipeline_free(p);
}

/* A cancel while outputs are being released and retries wait: the run
 * ends failed, whatever was released is reported so, nothing leaks (ASan)
 * and the run's output is one of the outputs or the input. */
static void test_cancel(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - {id: a, type: local, processor: rec, options: {ms: \"2\"}}\n"
      "  - {id: b, type: local, processor: rec, depends_on: [a], options: {ms: \"2\"}}\n"
      "  - {id: w, type: local, processor: rec, depends_on: [a], retry_attempts: 5,"
      " options: {fail: \"5\"}}\n"
      "  - {id: c, type: local, processor: rec, depends_on: [b], options: {ms: \"2\"}}\n"
      "  - {id: d, type: local, processor: rec, depends_on: [c], options: {ms: \"200\"}}\n";
  dw_pipeline *p = load(yaml);
  for (int s = 0; s < 4; s++) {
    dw_run_options o;
    dw_run_options_init(&o);
    o.strategy = s;
    o.max_concurrency = 2;
    o.keep_outputs = DW_KEEP_RUN_OUTPUT;
    o.retry_base_ms = 100;
    snprintf(g_ctx, sizeof g_ctx, "cancel, %s", dw_strategy_name((dw_strategy)s));
    dw_run *run = dw_run_start(g_engine, p, "z", 1, &o);
    assert_non_null(run);
    sleep_ms(30);
    dw_run_cancel(run);
    dw_result *r = dw_run_wait(run);
    assert_non_null(r);
    CHECK(dw_result_status(r) == DW_RUN_FAILED, "status %s",
          dw_run_status_name(dw_result_status(r)));
    CHECK(proc(r, "w")->status == DW_PROC_CANCELLED, "w: %s",
          dw_proc_status_name(proc(r, "w")->status));
    size_t len;
    const uint8_t *out = dw_result_output(r, &len);
    const char *outs[] = {"z+a+b+c+d", "z+a+b+c", "z+a+b", "z+a", "z"};
    bool found = false;
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++)
      found |= len == strlen(outs[i]) && !memcmp(out, outs[i], len);
    CHECK(found, "run output '%.*s'", (int)len, (const char *)out);
    for (size_t i = 0; i < dw_result_count(r); i++) {
      const dw_proc_report *pr = dw_result_processor(r, i);
      if (pr->output_released) CHECK(pr->status == DW_PROC_SUCCEEDED && !pr->output, "%s", pr->id);
    }
    dw_result_free(r);
  }
  dw_pipeline_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_chain_fits_only_released),
      cmocka_unit_test(test_fan_released_after_last_dependent),
      cmocka_unit_test(test_output_falls_back_to_earlier_transform),
      cmocka_unit_test(test_best_effort_fallback_input),
      cmocka_unit_test(test_cancel),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
