/*
 * test_memory_budget: executor_options.max_run_memory_mb (PIPELINES 1.2 and
 * 4.4). A run keeps every processor's output and metadata for its report, up
 * to the limit; the processor whose output would pass it fails with error
 * 507 and a message that names the limit and the key, and the run ends
 * cleanly by its failure strategy. The case of issue 13: a 1 MiB prefix
 * (one YAML alias) added by 2 000 chained prefix_suffix_adders, whose
 * outputs would add up to terabytes, fails at the limit within seconds.
 * Public API only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dagwood/dagwood.h"
#include "test_load.h"

enum { MIB = 1 << 20 };

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* n chained prefix_suffix_adders sharing one options mapping (an alias) with
 * a prefix of prefix_len 'x's; `settings` goes under executor_options. */
static char *chain_yaml(unsigned n, size_t prefix_len, const char *settings) {
  size_t cap = prefix_len + 256 + (size_t)n * 160, o = 0;
  char *y = malloc(cap);
  assert_non_null(y);
  o += (size_t)snprintf(y + o, cap - o, "executor_options: {%s}\ncommon: &o {prefix: \"",
                        settings ? settings : "");
  memset(y + o, 'x', prefix_len);
  o += prefix_len;
  o += (size_t)snprintf(y + o, cap - o, "\", suffix: \"\"}\nprocessors:\n");
  for (unsigned i = 0; i < n; i++) {
    char deps[32] = "";
    if (i) snprintf(deps, sizeof deps, "p%u", i - 1);
    o += (size_t)snprintf(y + o, cap - o,
                          "  - {id: p%u, type: local, processor: prefix_suffix_adder, options: *o, "
                          "depends_on: [%s]}\n",
                          i, deps);
  }
  return y;
}

static dw_pipeline *load(dw_engine *e, const char *yaml) {
  dw_pipeline *p = tl_load(e, "budget.yaml", yaml);
  assert_non_null(p);
  return p;
}

/* The result of a chain that failed at rank `at` for the budget: before it
 * every processor succeeded with its whole output, after it everything is
 * cancelled, and the error names the limit and the key. */
static void check_failed_at(const dw_result *r, unsigned n, unsigned at, unsigned limit_mb) {
  assert_int_equal(dw_result_status(r), DW_RUN_FAILED);
  assert_int_equal(dw_result_count(r), n);
  for (unsigned i = 0; i < n; i++) {
    const dw_proc_report *pr = dw_result_processor(r, i);
    if (i < at) {
      assert_int_equal(pr->status, DW_PROC_SUCCEEDED);
      assert_int_equal(pr->output_len, (size_t)(i + 1) * MIB + 1);
    } else if (i == at) {
      if (pr->status != DW_PROC_FAILED) fail_msg("p%u: %s", i, dw_proc_status_name(pr->status));
      assert_int_equal(pr->error_code, 507);
      assert_int_equal(pr->attempts, 1);
      char limit[64];
      snprintf(limit, sizeof limit, "executor_options.max_run_memory_mb = %u", limit_mb);
      if (!strstr(pr->error_message, limit))
        fail_msg("p%u's error does not name the limit: %s", i, pr->error_message);
      assert_null(pr->output);
    } else {
      assert_int_equal(pr->status, DW_PROC_CANCELLED);
    }
  }
  size_t len;
  dw_result_output(r, &len);
  assert_int_equal(len, (size_t)at * MIB + 1); /* the last that succeeded */
}

/* Issue 13's case with the default limit (1024 MiB): outputs of 1, 2, 3 ...
 * MiB; the 45th would take the run to 1 035 MiB. */
static void test_prefix_chain_default_limit(void **state) {
  (void)state;
  dw_engine *e = dw_engine_new(NULL);
  assert_non_null(e);
  char *y = chain_yaml(2000, MIB, NULL);
  dw_pipeline *p = load(e, y);
  free(y);
  double t0 = now_s();
  dw_result *r = dw_pipeline_run(e, p, "!", 1, NULL);
  double dt = now_s() - t0;
  assert_non_null(r);
  check_failed_at(r, 2000, 44, 1024);
  if (dt > 20) fail_msg("the run took %.1f s to fail", dt);
  dw_result_free(r);
  dw_pipeline_free(p);
  dw_engine_free(e);
}

/* A lower limit from the pipeline, by every executor: 1 + 2 + 3 MiB fit in
 * 8, the fourth output would not. Under continue_on_error the rest of the
 * chain is skipped and a processor beside it still runs. */
static void test_limit_from_pipeline(void **state) {
  (void)state;
  dw_engine *e = dw_engine_new(NULL);
  assert_non_null(e);
  char *y = chain_yaml(10, MIB, "max_run_memory_mb: 8");
  dw_pipeline *p = load(e, y);
  free(y);
  for (int s = 0; s < 4; s++) {
    dw_run_options o;
    dw_run_options_init(&o);
    o.strategy = s;
    o.max_concurrency = 2;
    dw_result *r = dw_pipeline_run(e, p, "!", 1, &o);
    assert_non_null(r);
    check_failed_at(r, 10, 3, 8);
    dw_result_free(r);
  }
  dw_pipeline_free(p);
  const char *side =
      "failure_strategy: continue_on_error\n"
      "executor_options: {max_run_memory_mb: 1}\n"
      "processors:\n"
      "  - {id: big, type: local, processor: prefix_suffix_adder,\n"
      "     options: {prefix: \"" /* filled below */;
  size_t cap = strlen(side) + 2 * MIB + 512, o = 0;
  char *z = malloc(cap);
  assert_non_null(z);
  o += (size_t)snprintf(z, cap, "%s", side);
  memset(z + o, 'y', MIB); /* 1 MiB and the input: over a 1 MiB limit */
  o += MIB;
  snprintf(z + o, cap - o,
           "\"}}\n"
           "  - {id: after, type: local, processor: reverse_text, depends_on: [big]}\n"
           "  - {id: count, type: local, processor: token_counter}\n");
  p = load(e, z);
  free(z);
  dw_result *r = dw_pipeline_run(e, p, "ab", 2, NULL);
  assert_int_equal(dw_result_status(r), DW_RUN_PARTIAL);
  assert_int_equal(dw_result_processor(r, 0)->status, DW_PROC_FAILED);
  assert_int_equal(dw_result_processor(r, 0)->error_code, 507);
  assert_non_null(strstr(dw_result_processor(r, 0)->error_message, "max_run_memory_mb = 1"));
  assert_int_equal(dw_result_processor(r, 1)->status, DW_PROC_SKIPPED);
  assert_int_equal(dw_result_processor(r, 2)->status, DW_PROC_SUCCEEDED);
  assert_int_equal(dw_result_processor(r, 2)->metadata_count, 3);
  dw_result_free(r);
  dw_pipeline_free(p);
  dw_engine_free(e);
}

/* The key is checked like the others: a whole number of MiB >= 1. */
static void test_key_validation(void **state) {
  (void)state;
  dw_engine *e = dw_engine_new(NULL);
  assert_non_null(e);
  const char *bad[] = {"0", "-5", "\"64\"", "1.5", "lots", "99999999999"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char y[256];
    snprintf(y, sizeof y,
             "executor_options:\n  max_run_memory_mb: %s\n"
             "processors:\n  - {id: a, type: local, processor: reverse_text}\n",
             bad[i]);
    dw_diags *d = NULL;
    dw_pipeline *p = dw_pipeline_load_string(e, "k.yaml", y, strlen(y), NULL, &d);
    if (p) fail_msg("max_run_memory_mb: %s was accepted", bad[i]);
    assert_int_equal(dw_diags_errors(d), 1);
    const dw_diag *g = dw_diags_get(d, 0);
    if (!strstr(g->message, "executor_options.max_run_memory_mb"))
      fail_msg("the error does not name the key: %s", g->message);
    assert_int_equal(g->line, 2);
    dw_diags_free(d);
  }
  const char *ok =
      "executor_options:\n  max_run_memory_mb: 4096\n"
      "processors:\n  - {id: a, type: local, processor: reverse_text}\n";
  dw_pipeline *p = dw_pipeline_load_string(e, "k.yaml", ok, strlen(ok), NULL, NULL);
  assert_non_null(p);
  dw_pipeline_free(p);
  dw_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_limit_from_pipeline),
      cmocka_unit_test(test_key_validation),
      cmocka_unit_test(test_prefix_chain_default_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
