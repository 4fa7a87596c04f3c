/* tests/unit/test_config: the pipeline loader (src/config) — every validation
 * rule of PIPELINES section 1 (docs/PIPELINES.md) with its exact position,
 * severity and message; the defaults; aliases, duplicate keys, syntax
 * errors; module path resolution; every example pipeline loading without
 * errors; and the speed of a 100 000-processor file. With the argument
 * "originals": the original project's pipelines (DAGWOOD_ORIGINAL_CONFIGS,
 * see originals.h). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/spec.h"
#include "originals.h"
#include "util/diag.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* ------------------------------------------------------------ test env */

/* The eight built-in names with the option lists PIPELINES section 2 gives them;
 * a local table so that these tests depend on the loader alone. */
static const char *const no_options[] = {NULL};
static const char *const ps_options[] = {"prefix", "suffix", NULL};
static const dw_processor_def defs[] = {
    {"change_text_case_upper", DW_INTENT_TRANSFORM, NULL, NULL, "", no_options},
    {"change_text_case_lower", DW_INTENT_TRANSFORM, NULL, NULL, "", no_options},
    {"change_text_case_proper", DW_INTENT_TRANSFORM, NULL, NULL, "", no_options},
    {"change_text_case_title", DW_INTENT_TRANSFORM, NULL, NULL, "", no_options},
    {"reverse_text", DW_INTENT_TRANSFORM, NULL, NULL, "", no_options},
    {"prefix_suffix_adder", DW_INTENT_TRANSFORM, NULL, NULL, "", ps_options},
    {"token_counter", DW_INTENT_ANALYZE, NULL, NULL, "", no_options},
    {"word_frequency_analyzer", DW_INTENT_ANALYZE, NULL, NULL, "", no_options},
    {"anything_goes", DW_INTENT_TRANSFORM, NULL, NULL, "", NULL}, /* options: any */
};
static const char *names[sizeof defs / sizeof defs[0]];

static const dw_processor_def *lookup(void *ctx, const char *name) {
  (void)ctx;
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
    if (strcmp(defs[i].name, name) == 0) return &defs[i];
  return NULL;
}

static dw_spec_env env(void) {
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) names[i] = defs[i].name;
  dw_spec_env e = {lookup, NULL, names, 8, false}; /* the extra one is not listed */
  return e;
}

/* -------------------------------------------------------------- helpers */

typedef struct {
  dw_spec *s;
  dw_diags *d;
} res;

static res load_base(const char *yaml, const char *base) {
  res r;
  dw_spec_env e = env();
  r.d = dw_diags_new();
  assert_non_null(r.d);
  r.s = dw_spec_parse("t.yaml", base, yaml, strlen(yaml), &e, r.d);
  dw_diags_sort(r.d);
  return r;
}

static res load(const char *yaml) { return load_base(yaml, NULL); }

static void done(res *r) {
  dw_spec_free(r->s);
  dw_diags_free(r->d);
}

static void dump(const dw_diags *d) {
  char buf[2048];
  for (size_t i = 0; i < dw_diags_count(d); i++) {
    dw_diag_format(dw_diags_get(d, i), buf, sizeof buf);
    print_message("  %s\n", buf);
  }
}

/* One entry with this severity, exact position, message containing `msg`
 * and (if sugg is not NULL) this suggestion ("" = no suggestion). */
static const dw_diag *expect_at(const res *r, dw_severity sev, unsigned line, unsigned col,
                                const char *msg, const char *sugg) {
  for (size_t i = 0; i < dw_diags_count(r->d); i++) {
    const dw_diag *g = dw_diags_get(r->d, i);
    if (g->severity != sev || g->line != line || g->column != col || !strstr(g->message, msg))
      continue;
    if (sugg && !sugg[0] && g->suggestion) continue;
    if (sugg && sugg[0] && (!g->suggestion || strcmp(g->suggestion, sugg) != 0)) continue;
    return g;
  }
  print_message("missing %s at %u:%u: '%s' (suggestion %s); got:\n",
                sev == DW_SEV_ERROR ? "error" : "warning", line, col, msg, sugg ? sugg : "-");
  dump(r->d);
  fail();
  return NULL;
}

#define ERROR_AT(r, line, col, msg) expect_at(&(r), DW_SEV_ERROR, line, col, msg, NULL)
#define WARN_AT(r, line, col, msg) expect_at(&(r), DW_SEV_WARNING, line, col, msg, NULL)

static void expect_counts(const res *r, size_t errors, size_t warnings) {
  size_t w = dw_diags_count(r->d) - dw_diags_errors(r->d);
  if (dw_diags_errors(r->d) != errors || w != warnings) {
    print_message("want %zu errors, %zu warnings; got %zu, %zu:\n", errors, warnings,
                  dw_diags_errors(r->d), w);
    dump(r->d);
    fail();
  }
}
#define COUNTS(r, e, w) expect_counts(&(r), e, w)

/* One error, exactly as printed. */
static void expect_only(const res *r, const char *formatted) {
  char buf[2048];
  if (dw_diags_count(r->d) != 1) {
    dump(r->d);
    fail_msg("want exactly one diagnostic");
  }
  dw_diag_format(dw_diags_get(r->d, 0), buf, sizeof buf);
  assert_string_equal(buf, formatted);
}

/* A valid processor list to append after the keys under test. */
#define ONE_PROC "processors:\n  - id: a\n    type: local\n    processor: reverse_text\n"

/* ------------------------------------------------------------- defaults */

static void test_defaults(void **state) {
  (void)state;
  res r = load("processors: []\n");
  assert_non_null(r.s);
  COUNTS(r, 0, 0);
  assert_int_equal(r.s->strategy, DW_STRATEGY_HYBRID);
  assert_int_equal(r.s->failure, DW_FAILURE_FAIL_FAST);
  assert_int_equal(r.s->max_concurrency, 0);
  assert_true(r.s->timeout_seconds < 0);
  assert_int_equal(r.s->retry_attempts, 0);
  assert_int_equal(r.s->batch_size, 1);
  assert_int_equal(r.s->fuel_default, 100000000);
  assert_int_equal(r.s->fuel_min, 1000000);
  assert_int_equal(r.s->fuel_max, 500000000);
  assert_int_equal(r.s->max_memory_mb, 64);
  assert_int_equal(r.s->nprocs, 0);
  assert_string_equal(r.s->file, "t.yaml");
  assert_null(r.s->base_dir);
  done(&r);

  /* empty sections are all defaults too */
  r = load("executor_options:\nwasm:\n  fuel:\nprocessors:\n");
  assert_non_null(r.s);
  COUNTS(r, 0, 0);
  assert_int_equal(r.s->nprocs, 0);
  assert_int_equal(r.s->fuel_max, 500000000);
  done(&r);

  r = load(ONE_PROC);
  COUNTS(r, 0, 0);
  const dw_proc_spec *p = &r.s->procs[0];
  assert_string_equal(p->id, "a");
  assert_int_equal(p->type, DW_PTYPE_LOCAL);
  assert_string_equal(p->processor, "reverse_text");
  assert_null(p->module);
  assert_null(p->module_path);
  assert_int_equal(p->ndeps, 0);
  assert_null(p->options);
  assert_int_equal(p->intent, -1);
  assert_true(p->timeout_seconds < 0);
  assert_int_equal(p->retry_attempts, -1);
  assert_null(p->input_from);
  assert_int_equal(p->input_from_idx, -1);
  assert_int_equal(p->pos.line, 2);
  assert_int_equal(p->pos.col, 5);
  assert_int_equal(p->id_pos.line, 2);
  assert_int_equal(p->id_pos.col, 9);
  assert_int_equal(p->type_pos.line, 3);
  assert_int_equal(p->type_pos.col, 11);
  assert_int_equal(p->processor_pos.line, 4);
  assert_int_equal(p->processor_pos.col, 16);
  done(&r);
}

static void test_full_pipeline(void **state) {
  (void)state;
  res r = load(
      "strategy: level_by_level\n"
      "failure_strategy: continue_on_error\n"
      "executor_options:\n"
      "  max_concurrency: 8\n"
      "  timeout_seconds: 2.5\n"
      "  retry_attempts: 3\n"
      "  batch_size: 16\n"
      "wasm:\n"
      "  fuel: {default: 5000, minimum: 1000, maximum: 9000}\n"
      "  max_memory_mb: 128\n"
      "processors:\n"
      "  - id: up\n"
      "    type: local\n"
      "    processor: change_text_case_upper\n"
      "  - id: w\n"
      "    type: wasm\n"
      "    module: m/x.wasm\n"
      "    depends_on: [up, later]\n"
      "    input_from: later\n"
      "    intent: analyze\n"
      "    timeout_seconds: 0.25\n"
      "    retry_attempts: 0\n"
      "    options:\n"
      "      fuel_level: 7000\n"
      "      capabilities: [stdout]\n"
      "  - id: later\n"
      "    type: local\n"
      "    processor: prefix_suffix_adder\n"
      "    depends_on:\n"
      "    options: {prefix: '<', suffix: \">\"}\n");
  assert_non_null(r.s);
  COUNTS(r, 0, 0);
  dw_spec *s = r.s;
  assert_int_equal(s->strategy, DW_STRATEGY_LEVEL);
  assert_int_equal(s->failure, DW_FAILURE_CONTINUE_ON_ERROR);
  assert_int_equal(s->max_concurrency, 8);
  assert_true(s->timeout_seconds == 2.5);
  assert_int_equal(s->retry_attempts, 3);
  assert_int_equal(s->batch_size, 16);
  assert_int_equal(s->fuel_default, 5000);
  assert_int_equal(s->fuel_min, 1000);
  assert_int_equal(s->fuel_max, 9000);
  assert_int_equal(s->max_memory_mb, 128);
  assert_int_equal(s->nprocs, 3);
  const dw_proc_spec *w = &s->procs[1];
  assert_int_equal(w->type, DW_PTYPE_WASM);
  assert_string_equal(w->module, "m/x.wasm");
  assert_string_equal(w->module_path, "m/x.wasm"); /* no base_dir: as written */
  assert_int_equal(w->module_pos.line, 17);
  assert_int_equal(w->module_pos.col, 13);
  assert_int_equal(w->ndeps, 2);
  assert_string_equal(w->deps[0], "up");
  assert_string_equal(w->deps[1], "later");
  assert_int_equal(w->dep_idx[0], 0);
  assert_int_equal(w->dep_idx[1], 2);
  assert_int_equal(w->dep_pos[1].line, 18);
  assert_int_equal(w->dep_pos[1].col, 22);
  assert_string_equal(w->input_from, "later");
  assert_int_equal(w->input_from_idx, 2);
  assert_int_equal(w->input_from_pos.line, 19);
  assert_int_equal(w->input_from_pos.col, 17);
  assert_int_equal(w->intent, DW_INTENT_ANALYZE);
  assert_true(w->timeout_seconds == 0.25);
  assert_int_equal(w->retry_attempts, 0);
  assert_non_null(w->options);
  assert_int_equal(w->options->kind, DW_VAL_MAP);
  assert_int_equal(w->options->n, 2);
  const dw_val *fl = dw_val_get(w->options, "fuel_level");
  assert_non_null(fl);
  assert_int_equal(fl->kind, DW_VAL_SCALAR);
  assert_string_equal(fl->str, "7000");
  assert_int_equal(fl->pos.line, 24);
  assert_int_equal(fl->pos.col, 19);
  const dw_val *caps = dw_val_get(w->options, "capabilities");
  assert_int_equal(caps->kind, DW_VAL_SEQ);
  assert_int_equal(caps->n, 1);
  assert_string_equal(caps->items[0].str, "stdout");
  assert_null(dw_val_get(w->options, "nope"));
  assert_null(dw_val_get(fl, "x")); /* not a map */
  assert_null(dw_val_get(NULL, "x"));
  const dw_proc_spec *l = &s->procs[2];
  assert_int_equal(l->ndeps, 0);
  const dw_val *pre = dw_val_get(l->options, "prefix");
  assert_string_equal(pre->str, "<");
  assert_true(pre->quoted);
  assert_false(fl->quoted);
  done(&r);
}

/* ------------------------------------------------------------ top level */

static void test_strategy(void **state) {
  (void)state;
  static const struct {
    const char *text;
    dw_strategy want;
  } ok[] = {{"work_queue", DW_STRATEGY_WORK_QUEUE}, {"level", DW_STRATEGY_LEVEL},
            {"level_by_level", DW_STRATEGY_LEVEL},  {"reactive", DW_STRATEGY_REACTIVE},
            {"hybrid", DW_STRATEGY_HYBRID},         {"\"reactive\"", DW_STRATEGY_REACTIVE}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    char y[256];
    snprintf(y, sizeof y, "strategy: %s\n" ONE_PROC, ok[i].text);
    res r = load(y);
    COUNTS(r, 0, 0);
    assert_int_equal(r.s->strategy, ok[i].want);
    done(&r);
  }
  res r = load("strategy: WorkQueue\n" ONE_PROC);
  assert_non_null(r.s);
  COUNTS(r, 1, 0);
  const dw_diag *g = expect_at(
      &r, DW_SEV_ERROR, 1, 11,
      "strategy must be one of work_queue, level, reactive, hybrid, got 'WorkQueue'", "work_queue");
  assert_null(g->processor_id);
  assert_string_equal(g->file, "t.yaml");
  assert_int_equal(r.s->strategy, DW_STRATEGY_HYBRID); /* left at the default */
  done(&r);

  r = load("strategy: Reactive\n" ONE_PROC);
  expect_at(&r, DW_SEV_ERROR, 1, 11, "got 'Reactive'", "reactive");
  done(&r);
  r = load("strategy: LevelByLevel\n" ONE_PROC);
  expect_at(&r, DW_SEV_ERROR, 1, 11, "got 'LevelByLevel'", "level_by_level");
  done(&r);
  r = load("strategy: banana\n" ONE_PROC);
  expect_at(&r, DW_SEV_ERROR, 1, 11, "got 'banana'", "");
  done(&r);
  r = load("strategy: true\n" ONE_PROC);
  ERROR_AT(r, 1, 11, "strategy must be a string, got the boolean 'true' (quote it");
  done(&r);
  r = load("strategy:\n" ONE_PROC);
  ERROR_AT(r, 1, 10, "strategy must be a string, got no value");
  done(&r);
  r = load("strategy: [level]\n" ONE_PROC);
  ERROR_AT(r, 1, 11, "strategy must be a string, got a list");
  done(&r);
}

static void test_failure_strategy(void **state) {
  (void)state;
  const char *ok[] = {"fail_fast", "continue_on_error", "best_effort"};
  for (int i = 0; i < 3; i++) {
    char y[256];
    snprintf(y, sizeof y, "failure_strategy: %s\n" ONE_PROC, ok[i]);
    res r = load(y);
    COUNTS(r, 0, 0);
    assert_int_equal(r.s->failure, i);
    done(&r);
  }
  res r = load(ONE_PROC "failure_strategy: best-effort\n");
  COUNTS(r, 1, 0);
  expect_at(&r, DW_SEV_ERROR, 5, 19,
            "failure_strategy must be one of fail_fast, continue_on_error, best_effort, got "
            "'best-effort'",
            "best_effort");
  done(&r);
}

static void test_executor_options(void **state) {
  (void)state;
  static const struct {
    const char *line; /* under executor_options, at column 3 */
    unsigned col;
    const char *msg;
  } bad[] = {
      {"max_concurrency: 0", 20,
       "executor_options.max_concurrency must be an integer >= 1, got '0'"},
      {"max_concurrency: 12abc", 20, "max_concurrency must be an integer >= 1, got '12abc'"},
      {"max_concurrency: 1.5", 20, "max_concurrency must be an integer >= 1, got '1.5'"},
      {"max_concurrency: -3", 20, "max_concurrency must be an integer >= 1, got '-3'"},
      {"max_concurrency: 0x10", 20, "got '0x10'"},
      {"max_concurrency: \"4\"", 20,
       "max_concurrency must be an integer >= 1, got the quoted string \"4\" (write numbers "
       "without quotes)"},
      {"max_concurrency: 4294967296", 20, "got '4294967296' (too large: at most 4294967295)"},
      {"max_concurrency: 99999999999999999999999", 20, "(too large: at most 4294967295)"},
      {"max_concurrency: true", 20, "got 'true'"},
      {"max_concurrency: ~", 20, "got null"},
      {"max_concurrency:", 19, "got no value"},
      {"max_concurrency: [1]", 20, "got a list"},
      {"max_concurrency: {a: 1}", 20, "got a mapping"},
      {"retry_attempts: -1", 19,
       "executor_options.retry_attempts must be an integer >= 0, got '-1'"},
      {"retry_attempts: 2147483648", 19, "(too large: at most 2147483647)"},
      {"retry_attempts: 1e2", 19, "got '1e2'"},
      {"batch_size: 0", 15, "executor_options.batch_size must be an integer >= 1, got '0'"},
      {"timeout_seconds: 0", 20,
       "executor_options.timeout_seconds must be a number of seconds > 0 (fractions allowed), got "
       "'0'"},
      {"timeout_seconds: -1.5", 20, "got '-1.5'"},
      {"timeout_seconds: abc", 20, "got 'abc'"},
      {"timeout_seconds: .nan", 20, "got '.nan'"},
      {"timeout_seconds: .inf", 20, "got '.inf'"},
      {"timeout_seconds: inf", 20, "got 'inf'"},
      {"timeout_seconds: 0x10", 20, "got '0x10'"},
      {"timeout_seconds: 1e", 20, "got '1e'"},
      {"timeout_seconds: 1e300", 20,
       "executor_options.timeout_seconds must be at most 1000000000 seconds, got '1e300'"},
      {"timeout_seconds: '5'", 20, "got the quoted string \"5\""},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char y[512];
    snprintf(y, sizeof y, "executor_options:\n  %s\n" ONE_PROC, bad[i].line);
    res r = load(y);
    assert_non_null(r.s);
    COUNTS(r, 1, 0);
    ERROR_AT(r, 2, bad[i].col, bad[i].msg);
    done(&r);
  }
  static const struct {
    const char *line;
    double want;
  } secs[] = {{"1", 1}, {"0.5", 0.5}, {".5", 0.5}, {"+2", 2}, {"1e3", 1000}, {"2.5E-1", 0.25}};
  for (size_t i = 0; i < sizeof secs / sizeof secs[0]; i++) {
    char y[512];
    snprintf(y, sizeof y, "executor_options:\n  timeout_seconds: %s\n" ONE_PROC, secs[i].line);
    res r = load(y);
    COUNTS(r, 0, 0);
    assert_true(r.s->timeout_seconds == secs[i].want);
    done(&r);
  }
  res r = load("executor_options:\n  max_concurency: 4\n  retry_attempts: +2\n" ONE_PROC);
  COUNTS(r, 1, 0); /* a misspelled key is an error: the limit meant would not apply */
  expect_at(&r, DW_SEV_ERROR, 2, 3, "misspelled key 'max_concurency' in executor_options",
            "max_concurrency");
  assert_int_equal(r.s->retry_attempts, 2);
  done(&r);

  r = load("executor_options:\n  workers_hint: 4\n" ONE_PROC);
  COUNTS(r, 0, 1); /* close to no known key: a warning */
  expect_at(&r, DW_SEV_WARNING, 2, 3, "unknown key 'workers_hint' in executor_options (ignored)",
            "");
  done(&r);

  r = load("executor_options: 4\n" ONE_PROC);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 1, 19,
           "executor_options must be a mapping (e.g. executor_options: "
           "{max_concurrency: 4}), got '4'");
  done(&r);
}

static void test_wasm_section(void **state) {
  (void)state;
  res r =
      load("wasm:\n  fuel:\n    minimum: 2000\n    maximum: 1000\n    default: 1500\n" ONE_PROC);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 3, 14,
           "wasm.fuel.minimum (2000) is greater than wasm.fuel.maximum (1000): lower the minimum "
           "or raise the maximum");
  done(&r);

  r = load("wasm:\n  fuel:\n    maximum: 1000\n" ONE_PROC); /* default min 1000000 */
  COUNTS(r, 1, 0);
  ERROR_AT(r, 3, 14, "wasm.fuel.minimum (1000000) is greater than wasm.fuel.maximum (1000)");
  done(&r);

  r = load("wasm:\n  fuel:\n    default: 10\n" ONE_PROC);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 3, 14,
           "wasm.fuel.default (10) must lie between wasm.fuel.minimum (1000000) and "
           "wasm.fuel.maximum (500000000)");
  done(&r);

  r = load("wasm:\n  fuel:\n    minimum: 200000000\n" ONE_PROC); /* default 100M < min */
  COUNTS(r, 1, 0);
  ERROR_AT(r, 3, 14, "wasm.fuel.default (100000000) must lie between wasm.fuel.minimum");
  done(&r);

  r = load("wasm:\n  fuel:\n    maximum: 50000000\n" ONE_PROC); /* default 100M > max */
  COUNTS(r, 1, 0);
  ERROR_AT(r, 3, 14, "wasm.fuel.default (100000000) must lie between");
  done(&r);

  r = load("wasm:\n  fuel: {default: 0, maximun: 5}\n  max_memory_mb: 0\n  fule: 3\n" ONE_PROC);
  COUNTS(r, 4, 0);
  ERROR_AT(r, 2, 19, "wasm.fuel.default must be an integer >= 1, got '0'");
  expect_at(&r, DW_SEV_ERROR, 2, 22, "misspelled key 'maximun' in wasm.fuel", "maximum");
  ERROR_AT(r, 3, 18, "wasm.max_memory_mb must be an integer between 1 and 65535, got '0'");
  expect_at(&r, DW_SEV_ERROR, 4, 3, "misspelled key 'fule' in wasm", "fuel");
  done(&r);

  r = load("wasm:\n  max_memory_mb: 65536\n" ONE_PROC);
  ERROR_AT(r, 2, 18, "between 1 and 65535, got '65536'");
  done(&r);
  r = load(
      "wasm:\n  max_memory_mb: 65535\n  fuel:\n    default: 18446744073709551615\n"
      "    maximum: 18446744073709551615\n" ONE_PROC);
  COUNTS(r, 0, 0);
  assert_int_equal(r.s->max_memory_mb, 65535);
  assert_true(r.s->fuel_max == UINT64_MAX);
  done(&r);
  r = load("wasm:\n  fuel:\n    maximum: 18446744073709551616\n" ONE_PROC);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 3, 14, "(too large: at most 18446744073709551615)");
  done(&r);
  r = load("wasm: [1]\n" ONE_PROC);
  ERROR_AT(r, 1, 7, "wasm must be a mapping");
  done(&r);
  r = load("wasm:\n  fuel: 5\n" ONE_PROC);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 2, 9, "wasm.fuel must be a mapping");
  done(&r);
}

static void test_top_level_keys(void **state) {
  (void)state;
  res r = load("stratgy: level\nprocesors: []\nprocessors: []\nzzzzzz: 1\n");
  assert_non_null(r.s);
  COUNTS(r, 2, 1);
  expect_at(&r, DW_SEV_ERROR, 1, 1, "misspelled key 'stratgy'", "strategy");
  expect_at(&r, DW_SEV_ERROR, 2, 1, "misspelled key 'procesors'", "processors");
  expect_at(&r, DW_SEV_WARNING, 4, 1, "unknown key 'zzzzzz' (ignored)", "");
  done(&r);

  r = load("strategy: level\n");
  assert_non_null(r.s);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 1, 1,
           "missing required key 'processors': list the pipeline's processors under it (an empty "
           "pipeline is 'processors: []')");
  done(&r);

  r = load("processors: {a: 1}\n");
  COUNTS(r, 1, 0);
  ERROR_AT(r, 1, 13,
           "processors must be a list of processors (each a mapping with 'id' and "
           "'type'), got a mapping");
  done(&r);

  r = load("processors:\n  - reverse_text\n  - [a]\n");
  COUNTS(r, 2, 0);
  ERROR_AT(r, 2, 5,
           "each processor must be a mapping with at least 'id' and 'type', got 'reverse_text'");
  ERROR_AT(r, 3, 5, "each processor must be a mapping with at least 'id' and 'type', got a list");
  done(&r);
}

static void test_document_shape(void **state) {
  (void)state;
  const char *empties[] = {"", "# only a comment\n", "---\n", "~\n", "null", "--- ~\n...\n"};
  for (size_t i = 0; i < sizeof empties / sizeof empties[0]; i++) {
    res r = load(empties[i]);
    assert_null(r.s);
    expect_only(&r,
                "t.yaml: error: empty pipeline file: expected a mapping with a 'processors' "
                "list");
    done(&r);
  }
  res r = load("- a\n- b\n");
  assert_null(r.s);
  expect_only(&r,
              "t.yaml:1:1: error: a pipeline file must be a mapping with a 'processors' "
              "list, got a list");
  done(&r);
  r = load("\n  hello\n");
  assert_null(r.s);
  expect_only(&r,
              "t.yaml:2:3: error: a pipeline file must be a mapping with a 'processors' "
              "list, got a scalar");
  done(&r);
  /* a second document would be silently ignored: refuse it */
  r = load("processors: []\n---\nprocessors: []\n");
  assert_non_null(r.s);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 2, 1, "a second YAML document starts here; a pipeline file holds exactly one");
  done(&r);
  /* NULL data with length 0 is an empty file */
  dw_spec_env e = env();
  dw_diags *d = dw_diags_new();
  assert_null(dw_spec_parse("x.yaml", NULL, NULL, 0, &e, d));
  assert_int_equal(dw_diags_errors(d), 1);
  dw_diags_free(d);
  /* no diags list: still safe */
  dw_spec *s = dw_spec_parse("x.yaml", NULL, "processors: []", 14, &e, NULL);
  assert_non_null(s);
  dw_spec_free(s);
  dw_spec_free(NULL);
}

static void test_syntax_errors(void **state) {
  (void)state;
  res r = load("processors:\n  - id: a\n    type: local: x\n");
  assert_null(r.s);
  expect_only(&r,
              "t.yaml:3:16: error: YAML syntax: mapping values are not allowed in this "
              "context");
  done(&r);
  r = load("a: 1\n b: 2\nprocessors: []\n");
  assert_null(r.s);
  expect_only(&r,
              "t.yaml:2:3: error: YAML syntax: mapping values are not allowed in this "
              "context");
  done(&r);
  r = load("processors: [a, b\n");
  assert_null(r.s);
  assert_int_equal(dw_diags_count(r.d), 1);
  ERROR_AT(
      r, 2, 1,
      "YAML syntax: did not find expected ',' or ']' (while parsing a flow sequence at line 1, "
      "column 13)");
  done(&r);
  r = load("processors:\n  - id: \"unterminated\n");
  assert_null(r.s);
  ERROR_AT(r, 3, 1,
           "YAML syntax: found unexpected end of stream (while scanning a quoted scalar at line 2, "
           "column 9)");
  done(&r);
  /* tabs for indentation */
  r = load("processors:\n\t- id: a\n");
  assert_null(r.s);
  ERROR_AT(r, 2, 1, "YAML syntax: found character that cannot start any token");
  done(&r);
  /* invalid UTF-8 and control characters: libyaml's reader error, positioned */
  r = load("processors: []\nx: \"a\xff\"\n");
  assert_null(r.s);
  expect_only(&r,
              "t.yaml:2:6: error: YAML syntax: invalid leading UTF-8 octet (#xFF); a pipeline "
              "file must be UTF-8 text");
  done(&r);
  const char nul[] = "processors: []\nab\0c: 1\n";
  dw_spec_env e = env();
  r.d = dw_diags_new();
  r.s = dw_spec_parse("t.yaml", NULL, nul, sizeof nul - 1, &e, r.d);
  assert_null(r.s);
  expect_only(&r,
              "t.yaml:2:3: error: YAML syntax: control characters are not allowed (#x0); a "
              "pipeline file must be UTF-8 text");
  done(&r);
  /* undefined alias: reported, the rest still checked */
  r = load("strategy: *nope\n" ONE_PROC);
  assert_non_null(r.s);
  COUNTS(r, 2, 0);
  ERROR_AT(r, 1, 11, "YAML: alias '*nope' names no anchor; define '&nope' on an earlier value");
  ERROR_AT(r, 1, 11, "strategy must be a string, got no value");
  done(&r);
}

static void test_duplicate_keys(void **state) {
  (void)state;
  res r = load("strategy: level\nprocessors: []\nstrategy: reactive\n");
  assert_non_null(r.s);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 3, 1, "duplicate key 'strategy' (first at line 1, column 1); remove one of them");
  assert_int_equal(r.s->strategy, DW_STRATEGY_LEVEL); /* the first is kept */
  done(&r);

  r = load(
      "processors:\n  - id: a\n    type: local\n    processor: reverse_text\n"
      "    id: b\n    options: {x: 1, x: 2}\n");
  COUNTS(r, 2, 1); /* and x is not an option of reverse_text */
  ERROR_AT(r, 5, 5, "duplicate key 'id' (first at line 2, column 5)");
  ERROR_AT(r, 6, 21, "duplicate key 'x' (first at line 6, column 15)");
  assert_string_equal(r.s->procs[0].id, "a");
  done(&r);

  /* large mappings use a hash set: same result */
  char *y = malloc(64 * 1024);
  size_t o = (size_t)sprintf(y, "processors: []\nbig:\n");
  for (int i = 0; i < 100; i++) o += (size_t)sprintf(y + o, "  k%d: 1\n", i);
  o += (size_t)sprintf(y + o, "  k7: 2\n");
  r = load(y);
  COUNTS(r, 1, 1);
  ERROR_AT(r, 103, 3, "duplicate key 'k7' (first at line 10, column 3)");
  WARN_AT(r, 2, 1, "unknown key 'big'");
  done(&r);
  free(y);

  /* keys must be scalars */
  r = load("processors: []\n? [a, b]\n: 1\n");
  assert_non_null(r.s);
  COUNTS(r, 1, 0);
  ERROR_AT(r, 2, 3, "a mapping key must be plain text, not a list; write the key as a name");
  done(&r);
}

/* ------------------------------------------------------------ processors */

static void test_processor_id(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - type: local\n"
      "    processor: reverse_text\n"
      "  - id: ''\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "  - id: true\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "  - id: [x]\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "  - id: 42\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "  - id: \"true\"\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "  - id: \"a\\0b\"\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "  - id:\n"
      "    type: local\n"
      "    processor: reverse_text\n");
  assert_non_null(r.s);
  COUNTS(r, 6, 0);
  ERROR_AT(r, 2, 5, "processor #1: missing required key 'id': give the processor a unique id");
  ERROR_AT(r, 4, 9, "processor #2: id must not be empty");
  ERROR_AT(r, 7, 9,
           "processor #3: id must be a string, got the boolean 'true' (quote it to use "
           "it as text)");
  ERROR_AT(r, 10, 9, "processor #4: id must be a string, got a list");
  ERROR_AT(r, 19, 9, "processor #7: id must not contain NUL characters");
  ERROR_AT(r, 22, 8, "processor #8: id must be a string, got no value");
  assert_string_equal(r.s->procs[4].id, "42"); /* numbers are text as written */
  assert_string_equal(r.s->procs[5].id, "true");
  for (int i = 0; i < 8; i++) assert_non_null(r.s->procs[i].id); /* "" when missing */
  assert_string_equal(r.s->procs[0].id, "");
  done(&r);

  r = load(
      "processors:\n"
      "  - id: a\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "  - {id: b, type: local, processor: reverse_text}\n"
      "  - type: local\n"
      "    processor: reverse_text\n"
      "    id: a\n"
      "  - {id: c, type: local, processor: reverse_text, depends_on: [a]}\n");
  COUNTS(r, 1, 0);
  const dw_diag *g =
      ERROR_AT(r, 8, 9,
               "duplicate processor id 'a' (first defined at line 2, column 9); ids must be "
               "unique");
  assert_string_equal(g->processor_id, "a");
  assert_int_equal(r.s->procs[4 - 1].dep_idx[0], 0); /* resolves to the first */
  done(&r);

  /* PIPELINES 3.5: initial_context holds the run's own metadata */
  r = load("processors:\n  - {id: initial_context, type: local, processor: reverse_text}\n");
  COUNTS(r, 1, 0);
  g = ERROR_AT(r, 2, 10,
               "processor id 'initial_context' is reserved for the run's context metadata; choose "
               "another id");
  assert_string_equal(g->processor_id, "initial_context");
  done(&r);
}

static void test_processor_type(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: a\n"
      "    processor: reverse_text\n"
      "  - id: b\n"
      "    type: grpc\n"
      "  - id: c\n"
      "    type: loadable\n"
      "  - id: d\n"
      "    type: http\n"
      "  - id: e\n"
      "    type: wsam\n"
      "    module: x.wasm\n"
      "  - id: f\n"
      "    type: Local\n"
      "  - id: g\n"
      "    type: 3\n");
  COUNTS(r, 7, 0);
  const dw_diag *g =
      ERROR_AT(r, 2, 5, "processor 'a': missing required key 'type' (local or wasm)");
  assert_string_equal(g->processor_id, "a");
  ERROR_AT(r, 5, 11,
           "processor 'b': processor type 'grpc' is not supported yet; use local or wasm");
  ERROR_AT(r, 7, 11, "processor 'c': processor type 'loadable' is not supported yet");
  ERROR_AT(r, 9, 11, "processor 'd': processor type 'http' is not supported yet");
  expect_at(&r, DW_SEV_ERROR, 11, 11, "processor 'e': type must be one of local, wasm, got 'wsam'",
            "wasm");
  expect_at(&r, DW_SEV_ERROR, 14, 11, "got 'Local'", "local");
  ERROR_AT(r, 16, 11, "processor 'g': type must be one of local, wasm, got '3'");
  done(&r);
}

static void test_local_processor(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: a\n"
      "    type: local\n"
      "  - id: b\n"
      "    type: local\n"
      "    processor: token_count\n"
      "  - id: c\n"
      "    type: local\n"
      "    processor: change_text_case_upper\n"
      "    module: x.wasm\n"
      "  - id: d\n"
      "    type: local\n"
      "    processor: false\n"
      "  - id: e\n"
      "    type: local\n"
      "    processor: zzzzzzzzzz\n");
  COUNTS(r, 4, 1);
  ERROR_AT(r, 2, 5,
           "processor 'a': missing required key 'processor': name the built-in processor to run");
  const dw_diag *g =
      expect_at(&r, DW_SEV_ERROR, 6, 16,
                "processor 'b': unknown processor 'token_count'; the built-in processors are: "
                "change_text_case_upper, change_text_case_lower, change_text_case_proper, "
                "change_text_case_title, reverse_text, prefix_suffix_adder, token_counter, "
                "word_frequency_analyzer",
                "token_counter");
  assert_string_equal(g->processor_id, "b");
  WARN_AT(r, 10, 5,
          "processor 'c': 'module' does not apply to a local processor, only to type wasm "
          "(ignored)");
  ERROR_AT(r, 13, 16, "processor 'd': processor must be a string, got the boolean 'false'");
  expect_at(&r, DW_SEV_ERROR, 16, 16, "unknown processor 'zzzzzzzzzz'", "");
  assert_null(r.s->procs[2].module);
  done(&r);

  /* registered (non-listed) names are found through lookup */
  r = load("processors:\n  - {id: a, type: local, processor: anything_goes, options: {q: 1}}\n");
  COUNTS(r, 0, 0);
  done(&r);

  /* without an env, names are not checked */
  dw_diags *d = dw_diags_new();
  const char *y = "processors:\n  - {id: a, type: local, processor: whatever}\n";
  dw_spec *s = dw_spec_parse("t.yaml", NULL, y, strlen(y), NULL, d);
  assert_non_null(s);
  assert_int_equal(dw_diags_count(d), 0);
  dw_spec_free(s);
  dw_diags_free(d);
}

static void test_wasm_processor(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: a\n"
      "    type: wasm\n"
      "  - id: b\n"
      "    type: wasm\n"
      "    module: ''\n"
      "  - id: c\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    processor: reverse_text\n"
      "  - id: d\n"
      "    type: wasm\n"
      "    module: {path: x}\n");
  COUNTS(r, 3, 1);
  ERROR_AT(r, 2, 5,
           "processor 'a': missing required key 'module': give the path of the .wasm file");
  ERROR_AT(r, 6, 13, "processor 'b': module must not be empty: give the path of the .wasm file");
  WARN_AT(r, 10, 5,
          "processor 'c': 'processor' does not apply to a wasm processor, only to type local "
          "(ignored)");
  ERROR_AT(r, 13, 13, "processor 'd': module must be a string, got a mapping");
  assert_null(r.s->procs[0].module_path);
  assert_null(r.s->procs[1].module);
  assert_null(r.s->procs[1].module_path);
  done(&r);
}

static void write_file(const char *path) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs("\0asm", f);
  fclose(f);
}

static void test_module_paths(void **state) {
  (void)state;
  char tmpl[] = "/tmp/dw_cfg_XXXXXX";
  char *dir = mkdtemp(tmpl);
  assert_non_null(dir);
  char base[512], sub[600], p1[700], cwdfile[] = "dw_cfg_cwd_only.wasm";
  snprintf(base, sizeof base, "%s/pipes", dir);
  assert_int_equal(mkdir(base, 0700), 0);
  snprintf(sub, sizeof sub, "%s/mods", base);
  assert_int_equal(mkdir(sub, 0700), 0);
  snprintf(p1, sizeof p1, "%s/in_base.wasm", sub);
  write_file(p1);
  write_file(cwdfile); /* relative to the working directory */

  const char *y =
      "processors:\n"
      "  - {id: a, type: wasm, module: mods/in_base.wasm}\n"
      "  - {id: b, type: wasm, module: dw_cfg_cwd_only.wasm}\n"
      "  - {id: c, type: wasm, module: nowhere.wasm}\n"
      "  - {id: d, type: wasm, module: /abs/x.wasm}\n"
      "  - {id: e, type: wasm, module: mods/in_base.wasm}\n";
  res r = load_base(y, base);
  COUNTS(r, 0, 0);
  char want[800];
  snprintf(want, sizeof want, "%s/mods/in_base.wasm", base);
  assert_string_equal(r.s->procs[0].module_path, want);
  assert_string_equal(r.s->procs[0].module, "mods/in_base.wasm");
  assert_string_equal(r.s->procs[1].module_path, "dw_cfg_cwd_only.wasm");
  snprintf(want, sizeof want, "%s/nowhere.wasm", base); /* neither exists: the folder's */
  assert_string_equal(r.s->procs[2].module_path, want);
  assert_string_equal(r.s->procs[3].module_path, "/abs/x.wasm");
  assert_string_equal(r.s->procs[4].module_path, r.s->procs[0].module_path);
  assert_string_equal(r.s->base_dir, base);
  done(&r);

  /* a trailing slash on base_dir is not doubled */
  char base2[600];
  snprintf(base2, sizeof base2, "%s/", base);
  r = load_base("processors:\n  - {id: a, type: wasm, module: x.wasm}\n", base2);
  snprintf(want, sizeof want, "%s/x.wasm", base);
  assert_string_equal(r.s->procs[0].module_path, want);
  done(&r);

  unlink(cwdfile);
  unlink(p1);
  rmdir(sub);
  rmdir(base);
  rmdir(dir);
}

static void test_depends_on(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: first\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on:\n"
      "  - id: second\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: []\n"
      "  - id: third\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [frist, second, second, third, fourth, nothing_like_it]\n"
      "  - id: fourth\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: first\n"
      "  - id: fifth\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [true, ~, [first], first]\n"
      "  - id: sixth\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: {a: 1}\n");
  assert_non_null(r.s);
  COUNTS(r, 7, 1);
  const dw_diag *g =
      expect_at(&r, DW_SEV_ERROR, 13, 18,
                "processor 'third': depends_on names unknown processor 'frist'", "first");
  assert_string_equal(g->processor_id, "third");
  expect_at(&r, DW_SEV_WARNING, 13, 33,
            "processor 'third': depends_on lists 'second' more than once; the repeat is ignored",
            "");
  expect_at(&r, DW_SEV_ERROR, 13, 56, "depends_on names unknown processor 'nothing_like_it'", "");
  ERROR_AT(r, 17, 17,
           "processor 'fourth': depends_on must be a list of processor ids; write depends_on: "
           "[first]");
  ERROR_AT(r, 21, 18,
           "processor 'fifth': each depends_on entry must be a string, got the boolean 'true'");
  ERROR_AT(r, 21, 24, "processor 'fifth': each depends_on entry must be a string, got null");
  ERROR_AT(r, 21, 27, "processor 'fifth': each depends_on entry must be a string, got a list");
  ERROR_AT(r, 25, 17,
           "processor 'sixth': depends_on must be a list of processor ids, got a "
           "mapping");
  const dw_proc_spec *p = r.s->procs;
  assert_int_equal(p[0].ndeps, 0);
  assert_int_equal(p[1].ndeps, 0);
  /* duplicates removed; unknown kept as unresolved; itself kept for the
   * graph's cycle check; a later definition resolves */
  assert_int_equal(p[2].ndeps, 5);
  assert_string_equal(p[2].deps[0], "frist");
  assert_int_equal(p[2].dep_idx[0], DW_SPEC_UNRESOLVED);
  assert_string_equal(p[2].deps[1], "second");
  assert_int_equal(p[2].dep_idx[1], 1);
  assert_string_equal(p[2].deps[2], "third");
  assert_int_equal(p[2].dep_idx[2], 2);
  assert_int_equal(p[2].dep_idx[3], 3);
  assert_int_equal(p[2].dep_pos[3].line, 13);
  assert_int_equal(p[2].dep_pos[3].col, 48);
  assert_int_equal(p[2].dep_idx[4], DW_SPEC_UNRESOLVED);
  assert_int_equal(p[3].ndeps, 0);
  assert_int_equal(p[4].ndeps, 1);
  assert_int_equal(p[4].dep_idx[0], 0);
  done(&r);

  /* long lists: the dedup switches to a hash set */
  char *y = malloc(1 << 16);
  size_t o = (size_t)sprintf(y,
                             "processors:\n  - {id: a, type: local, processor: reverse_text}\n"
                             "  - id: b\n    type: local\n    processor: reverse_text\n"
                             "    depends_on:\n");
  for (int i = 0; i < 40; i++) o += (size_t)sprintf(y + o, "      - a\n");
  r = load(y);
  COUNTS(r, 0, 39);
  WARN_AT(r, 8, 9, "processor 'b': depends_on lists 'a' more than once");
  assert_int_equal(r.s->procs[1].ndeps, 1);
  done(&r);
  free(y);
}

static void test_options(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: t\n"
      "    type: local\n"
      "    processor: token_counter\n"
      "    options:\n"
      "      count_type: \"characters\"\n"
      "      intent: analyze\n"
      "  - id: p\n"
      "    type: local\n"
      "    processor: prefix_suffix_adder\n"
      "    options:\n"
      "      prefix: [a]\n"
      "      suffix:\n"
      "      prefx: x\n"
      "  - id: q\n"
      "    type: local\n"
      "    processor: prefix_suffix_adder\n"
      "    options: [prefix]\n"
      "  - id: r\n"
      "    type: local\n"
      "    processor: prefix_suffix_adder\n"
      "    options: {prefix: 1, suffix: true}\n"
      "  - id: w\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    options: {fuel_level: 5, anything: [1, 2]}\n"
      "  - id: n\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    options:\n");
  COUNTS(r, 4, 1);
  const dw_diag *g =
      expect_at(&r, DW_SEV_WARNING, 6, 7,
                "processor 't': option 'count_type' is not used by token_counter", "");
  assert_string_equal(g->processor_id, "t");
  ERROR_AT(r, 12, 15,
           "processor 'p': option 'prefix' of prefix_suffix_adder must be a string, got a list");
  ERROR_AT(r, 13, 14,
           "processor 'p': option 'suffix' of prefix_suffix_adder must be a string, got no value");
  expect_at(&r, DW_SEV_ERROR, 14, 7,
            "processor 'p': misspelled option 'prefx' of prefix_suffix_adder", "prefix");
  ERROR_AT(r, 18, 14,
           "processor 'q': options must be a mapping (e.g. options: {prefix: \">\"}), got a list");
  const dw_proc_spec *p = r.s->procs;
  assert_int_equal(p[0].intent, DW_INTENT_ANALYZE); /* from options.intent */
  assert_int_equal(p[0].intent_pos.line, 7);
  assert_int_equal(p[0].intent_pos.col, 15);
  assert_null(p[2].options);
  assert_string_equal(dw_val_get(p[3].options, "prefix")->str, "1");
  assert_non_null(p[4].options);
  assert_null(p[5].options);
  done(&r);
}

static void test_intent(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: a\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    intent: transform\n"
      "    options: {intent: analyze}\n"
      "  - id: b\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    options: {intent: transform}\n"
      "  - id: c\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    intent: analyse\n"
      "  - id: d\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    options: {intent: Transform}\n"
      "  - id: e\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    intent: analyze\n");
  COUNTS(r, 2, 0);
  expect_at(&r, DW_SEV_ERROR, 14, 13,
            "processor 'c': intent must be one of transform, analyze, got 'analyse'", "analyze");
  expect_at(&r, DW_SEV_ERROR, 18, 23,
            "processor 'd': options.intent must be one of transform, analyze, got 'Transform'",
            "transform");
  const dw_proc_spec *p = r.s->procs;
  assert_int_equal(p[0].intent, DW_INTENT_TRANSFORM); /* the top-level key wins */
  assert_int_equal(p[0].intent_pos.line, 5);
  assert_int_equal(p[1].intent, DW_INTENT_TRANSFORM);
  assert_int_equal(p[1].intent_pos.line, 10);
  assert_int_equal(p[2].intent, -1);
  assert_int_equal(p[3].intent, -1);
  assert_int_equal(p[4].intent, DW_INTENT_ANALYZE);
  done(&r);
}

static void test_processor_limits(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: a\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    timeout_seconds: 0\n"
      "    retry_attempts: -1\n"
      "  - id: b\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    timeout_seconds: 1.5\n"
      "    retry_attempts: 5\n"
      "  - id: c\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    timeout_seconds: soon\n"
      "    retry_attempts: 2.0\n");
  COUNTS(r, 4, 0);
  ERROR_AT(r, 5, 22,
           "processor 'a': timeout_seconds must be a number of seconds > 0 (fractions allowed), "
           "got '0'");
  ERROR_AT(r, 6, 21, "processor 'a': retry_attempts must be an integer >= 0, got '-1'");
  ERROR_AT(r, 15, 22, "processor 'c': timeout_seconds must be a number of seconds > 0");
  ERROR_AT(r, 16, 21, "processor 'c': retry_attempts must be an integer >= 0, got '2.0'");
  assert_true(r.s->procs[1].timeout_seconds == 1.5);
  assert_int_equal(r.s->procs[1].retry_attempts, 5);
  assert_true(r.s->procs[0].timeout_seconds < 0);
  assert_int_equal(r.s->procs[0].retry_attempts, -1);
  done(&r);
}

static void test_input_from(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - {id: a, type: local, processor: reverse_text}\n"
      "  - {id: b, type: local, processor: reverse_text}\n"
      "  - id: c\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [a, b]\n"
      "    input_from: b\n"
      "  - id: d\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [a]\n"
      "    input_from: c\n"
      "  - id: e\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [ghost]\n"
      "    input_from: ghost\n"
      "  - id: f\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    input_from: a\n"
      "  - id: g\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [alpha]\n"
      "    input_from: alpah\n");
  COUNTS(r, 5, 0);
  const dw_proc_spec *p = r.s->procs;
  assert_string_equal(p[2].input_from, "b");
  assert_int_equal(p[2].input_from_idx, 1);
  ERROR_AT(r, 13, 17,
           "processor 'd': input_from 'c' is not one of this processor's depends_on; add it to "
           "depends_on or name one of them");
  assert_int_equal(p[3].input_from_idx, -1);
  ERROR_AT(r, 17, 18, "processor 'e': depends_on names unknown processor 'ghost'");
  assert_int_equal(p[4].input_from_idx, -1); /* in depends_on, but unresolved */
  ERROR_AT(r, 22, 17, "processor 'f': input_from 'a' is not one of this processor's depends_on");
  ERROR_AT(r, 26, 18, "processor 'g': depends_on names unknown processor 'alpha'");
  expect_at(&r, DW_SEV_ERROR, 27, 17, "processor 'g': input_from 'alpah' is not one", "alpha");
  done(&r);
}

static void test_processor_unknown_keys(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: a\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depend_on: [b]\n"
      "    Options: {}\n"
      "    color: red\n");
  COUNTS(r, 2, 1);
  expect_at(&r, DW_SEV_ERROR, 5, 5, "processor 'a': misspelled key 'depend_on'", "depends_on");
  expect_at(&r, DW_SEV_ERROR, 6, 5, "processor 'a': misspelled key 'Options'", "options");
  expect_at(&r, DW_SEV_WARNING, 7, 5, "processor 'a': unknown key 'color' (ignored)", "");
  done(&r);

  /* the misspellings of issue 13, each an error with its suggestion */
  r = load(
      "failure_stratgy: best_effort\n"
      "executor_option: {max_concurrency: 2}\n"
      "processors:\n"
      "  - id: a\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    option: {}\n"
      "    retry_attempt: 2\n"
      "    inputfrom: b\n");
  COUNTS(r, 5, 0);
  expect_at(&r, DW_SEV_ERROR, 1, 1, "misspelled key 'failure_stratgy'", "failure_strategy");
  expect_at(&r, DW_SEV_ERROR, 2, 1, "misspelled key 'executor_option'", "executor_options");
  expect_at(&r, DW_SEV_ERROR, 7, 5, "processor 'a': misspelled key 'option'", "options");
  expect_at(&r, DW_SEV_ERROR, 8, 5, "processor 'a': misspelled key 'retry_attempt'",
            "retry_attempts");
  expect_at(&r, DW_SEV_ERROR, 9, 5, "processor 'a': misspelled key 'inputfrom'", "input_from");
  done(&r);
}

/* A wasm processor's misspelled options are errors; other unknown options
 * are left to the module check (src/wasm), which warns. The misspelled one
 * is dropped from the copy so that check does not report it again. */
static void test_wasm_option_misspelled(void **state) {
  (void)state;
  res r = load(
      "processors:\n"
      "  - id: w\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    options: {fuel_levl: 5, max_memory: 4, capabilites: [stdout], note: x, intent: "
      "analyze}\n");
  COUNTS(r, 3, 0);
  expect_at(&r, DW_SEV_ERROR, 5, 15, "processor 'w': misspelled option 'fuel_levl' of a wasm",
            "fuel_level");
  expect_at(&r, DW_SEV_ERROR, 5, 29, "misspelled option 'max_memory'", "max_memory_mb");
  expect_at(&r, DW_SEV_ERROR, 5, 44, "misspelled option 'capabilites'", "capabilities");
  const dw_val *o = r.s->procs[0].options;
  assert_int_equal(o->n, 2);
  assert_string_equal(o->keys[0], "note");
  assert_string_equal(o->keys[1], "intent");
  assert_int_equal(o->key_pos[0].col, 67);
  assert_null(dw_val_get(o, "fuel_levl"));
  done(&r);
}

static res load_strict(const char *yaml) {
  res r;
  dw_spec_env e = env();
  e.strict = true;
  r.d = dw_diags_new();
  assert_non_null(r.d);
  r.s = dw_spec_parse("t.yaml", NULL, yaml, strlen(yaml), &e, r.d);
  dw_diags_sort(r.d);
  return r;
}

/* Strict checking: what would be a warning is an error, worded as one —
 * never "error: ... (ignored)". */
static void test_strict_wording(void **state) {
  (void)state;
  static const char y[] =
      "colour: red\n"
      "processors:\n"
      "  - id: a\n"
      "    type: local\n"
      "    processor: token_counter\n"
      "    module: m.wasm\n"
      "    options: {count_type: words}\n"
      "  - id: b\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [a, a]\n"
      "    intnet: analyze\n";
  res r = load(y);
  COUNTS(r, 1, 4);
  done(&r);
  r = load_strict(y);
  COUNTS(r, 5, 0);
  ERROR_AT(r, 1, 1, "unknown key 'colour' (strict checking allows only known keys)");
  ERROR_AT(r, 6, 5,
           "processor 'a': 'module' does not apply to a local processor, only to type wasm; "
           "remove it (strict checking)");
  ERROR_AT(r, 7, 15,
           "processor 'a': option 'count_type' is not used by token_counter; remove it "
           "(strict checking)");
  ERROR_AT(r, 11, 21, "processor 'b': depends_on lists 'a' more than once; remove the repeat");
  expect_at(&r, DW_SEV_ERROR, 12, 5, "processor 'b': misspelled key 'intnet'", "intent");
  for (size_t i = 0; i < dw_diags_count(r.d); i++)
    assert_null(strstr(dw_diags_get(r.d, i)->message, "ignored"));
  done(&r);
}

/* Every problem in one pass, sorted into file order by the caller. */
static void test_all_at_once(void **state) {
  (void)state;
  res r = load(
      "strategy: fast\n"
      "failure_strategy: never\n"
      "executor_options: {max_concurrency: 0}\n"
      "processors:\n"
      "  - {id: a, type: local, processor: nope}\n"
      "  - {id: a, type: grpc}\n"
      "  - {id: b, type: wasm, depends_on: [zz], input_from: a}\n");
  assert_non_null(r.s);
  COUNTS(r, 9, 0);
  unsigned prev = 0;
  for (size_t i = 0; i < dw_diags_count(r.d); i++) {
    const dw_diag *g = dw_diags_get(r.d, i);
    assert_true(g->line >= prev);
    prev = g->line;
  }
  ERROR_AT(r, 7, 5, "processor 'b': missing required key 'module'");
  done(&r);
}

/* ------------------------------------------------------------- aliases */

static void test_aliases(void **state) {
  (void)state;
  res r = load(
      "defaults: &d\n"
      "  type: local\n"
      "  processor: prefix_suffix_adder\n"
      "opts: &o {prefix: '<<', suffix: '>>'}\n"
      "processors:\n"
      "  - id: a\n"
      "    type: local\n"
      "    processor: prefix_suffix_adder\n"
      "    options: *o\n"
      "  - id: &bid b\n"
      "    type: local\n"
      "    processor: reverse_text\n"
      "    depends_on: [a, *bid]\n");
  COUNTS(r, 0, 2); /* defaults, opts: unknown top-level keys */
  const dw_proc_spec *p = r.s->procs;
  assert_string_equal(dw_val_get(p[0].options, "prefix")->str, "<<");
  assert_int_equal(p[0].options->pos.line, 9); /* the alias' position */
  assert_int_equal(p[0].options->pos.col, 14);
  assert_int_equal(p[1].ndeps, 2);
  assert_int_equal(p[1].dep_idx[1], 1);
  assert_int_equal(p[1].dep_pos[1].col, 21);
  done(&r);

  /* recursive: an alias inside the node it names */
  r = load("processors: []\nx: &a [1, *a]\n");
  assert_non_null(r.s);
  COUNTS(r, 1, 1);
  ERROR_AT(r, 2, 11,
           "YAML: alias '*a' refers to a value that contains it; recursive structures are not "
           "allowed");
  done(&r);

  /* anchors may be redefined: an alias takes the latest */
  r = load("a: &x work_queue\nb: &x level\nstrategy: *x\nprocessors: []\n");
  COUNTS(r, 0, 2);
  assert_int_equal(r.s->strategy, DW_STRATEGY_LEVEL);
  done(&r);

  /* billion laughs: ten levels of ten aliases each share one node */
  r = load(
      "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
      "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
      "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
      "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
      "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h, *h]\n"
      "processors:\n"
      "  - id: x\n"
      "    type: wasm\n"
      "    module: m.wasm\n"
      "    options: {bomb: *i}\n");
  COUNTS(r, 0, 9);
  assert_true(r.s->arena.total < 64 * 1024);
  const dw_val *bomb = dw_val_get(r.s->procs[0].options, "bomb");
  assert_int_equal(bomb->n, 10);
  assert_true(bomb->items[0].items == bomb->items[9].items); /* shared, not copied */
  done(&r);
}

/* Options are copied out of the YAML tree (which the loader frees): values
 * reached through the same alias share one copy, long text included. */
static void test_options_copy_shares_aliases(void **state) {
  (void)state;
  char big[200];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = 0;
  char yaml[4096];
  int o = snprintf(yaml, sizeof yaml,
                   "x-opts: &o {prefix: &long \"%s\", suffix: [*long, *long, *long]}\n"
                   "processors:\n",
                   big);
  for (int i = 0; i < 20; i++)
    o += snprintf(yaml + o, sizeof yaml - (size_t)o,
                  "  - {id: p%d, type: local, processor: prefix_suffix_adder, options: *o}\n", i);
  res r = load(yaml);
  COUNTS(r, 20, 1); /* each: the suffix is a list; once: x-opts is unknown */
  const dw_proc_spec *p = r.s->procs;
  const dw_val *pre = dw_val_get(p[0].options, "prefix");
  const dw_val *suf = dw_val_get(p[19].options, "suffix");
  assert_non_null(pre);
  assert_non_null(suf);
  assert_string_equal(pre->str, big);
  assert_int_equal(pre->len, sizeof big - 1);
  assert_true(p[0].options->items == p[19].options->items);
  assert_int_equal(suf->n, 3);
  assert_true(suf->items[2].str == pre->str);
  assert_true(r.s->arena.total < 8 * 1024);
  done(&r);
}

/* Tags do not matter; quoting does. */
static void test_tags_and_quoting(void **state) {
  (void)state;
  res r = load(
      "strategy: !!str level\n"
      "executor_options: {max_concurrency: !custom 3, retry_attempts: !!int \"2\"}\n"
      "processors:\n"
      "  - {id: !!int 7, type: local, processor: reverse_text}\n"
      "  - {id: 'null', type: local, processor: reverse_text, depends_on: ['7']}\n");
  COUNTS(r, 1, 0);
  ERROR_AT(r, 2, 64,
           "executor_options.retry_attempts must be an integer >= 0, got the quoted "
           "string \"2\"");
  assert_int_equal(r.s->strategy, DW_STRATEGY_LEVEL);
  assert_int_equal(r.s->max_concurrency, 3);
  assert_string_equal(r.s->procs[0].id, "7");
  assert_string_equal(r.s->procs[1].id, "null");
  assert_int_equal(r.s->procs[1].dep_idx[0], 0);
  done(&r);

  /* block scalars are text; long values are shortened in messages */
  char y[2048];
  char big[400];
  memset(big, 'x', sizeof big - 1);
  big[sizeof big - 1] = 0;
  snprintf(y, sizeof y, "strategy: |\n  level\nfailure_strategy: %s\nprocessors: []\n", big);
  r = load(y);
  COUNTS(r, 2, 0);
  ERROR_AT(r, 1, 11, "got 'level\\n'");
  const dw_diag *g = ERROR_AT(r, 3, 19, "xxx...'");
  assert_true(strlen(g->message) < 300);
  done(&r);

  /* control and bidirectional characters are escaped in messages */
  r = load("strategy: \"a\\tb\\u202Eevil\\x01\"\n" ONE_PROC);
  ERROR_AT(r, 1, 11, "got 'a\\tb\\u202Eevil\\x01'");
  done(&r);
}

/* ---------------------------------------------------- example pipelines */

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  rewind(f);
  char *b = malloc((size_t)n + 1);
  assert_non_null(b);
  *len = fread(b, 1, (size_t)n, f);
  b[*len] = 0;
  fclose(f);
  return b;
}

static int load_example(const char *dir, const char *name) {
  char path[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t len = 0;
  char *data = read_all(path, &len);
  if (!data) return 0;
  dw_spec_env e = env();
  res r;
  r.d = dw_diags_new();
  r.s = dw_spec_parse(path, dir, data, len, &e, r.d);
  if (!r.s || dw_diags_errors(r.d)) {
    print_message("%s:\n", path);
    dump(r.d);
    fail_msg("example pipeline %s does not load", path);
  }
  assert_true(r.s->nprocs > 0);
  /* the only warnings allowed are the originals' unused options */
  for (size_t i = 0; i < dw_diags_count(r.d); i++)
    assert_non_null(strstr(dw_diags_get(r.d, i)->message, "is not used by"));
  done(&r);
  free(data);
  return 1;
}

/* One of the project's own examples: loads without a diagnostic. */
static void load_own_example(const char *dir, const char *name) {
  char path[2200];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  size_t len = 0;
  char *data = read_all(path, &len);
  if (!data) fail_msg("example pipeline %s cannot be read", path);
  dw_spec_env e = env();
  res r;
  r.d = dw_diags_new();
  r.s = dw_spec_parse(path, dir, data, len, &e, r.d);
  if (!r.s || dw_diags_count(r.d)) {
    print_message("%s:\n", path);
    dump(r.d);
    fail_msg("example pipeline %s does not load cleanly", path);
  }
  assert_true(r.s->nprocs > 0);
  done(&r);
  free(data);
}

/* Every pipeline of examples/pipelines, and the components' example. */
static void test_examples(void **state) {
  (void)state;
  const char *src = getenv("DW_SOURCE_DIR");
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/examples/pipelines", src && *src ? src : ".");
  DIR *d = opendir(dir);
  if (!d) fail_msg("%s: cannot open", dir);
  int n = 0;
  struct dirent *ent;
  while ((ent = readdir(d))) {
    size_t l = strlen(ent->d_name);
    if (l < 6 || strcmp(ent->d_name + l - 5, ".yaml") != 0) continue;
    load_own_example(dir, ent->d_name);
    n++;
  }
  closedir(d);
  assert_true(n >= 4);
  snprintf(dir, sizeof dir, "%s/examples/components", src && *src ? src : ".");
  load_own_example(dir, "rle.yaml");
}

/* The original project's pipelines (unchanged): each loads, with at most
 * warnings about options their processors do not use. */
static void test_original_examples(void **state) {
  (void)state;
  const char *dir = dw_originals_dir();
  static const char *const files[] = {
      "complex-workflow-with-fuel-consumption.yaml",
      "failure-handling-demo.yaml",
      "grain-rle-demo.yaml",
      "grain-simple.yaml",
      "metadata-isolation-showcase.yaml",
      "parallel-analysis-pipeline.yaml",
      "rle_js.yaml",
      "rle_rust.yaml",
      "simple-text-pipeline.yaml",
      "strategy-levelbylevel-demo.yaml",
      "strategy-reactive-demo.yaml",
      "strategy-workqueue-demo.yaml",
      "topological-ranking-demo.yaml",
      "wasm-fuel-demo.yaml",
      "wasm-hello-world-demo-reactive.yaml",
      "wasm-hello-world-demo.yaml",
      "walkthrough/01-hello-world.yaml",
      "walkthrough/02-text-pipeline.yaml",
      "walkthrough/03-diamond-analysis.yaml",
      "walkthrough/04-wasm-integration.yaml",
      "walkthrough/05-complex-workflow.yaml",
  };
  int found = 0;
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) found += load_example(dir, files[i]);
  if (found != (int)(sizeof files / sizeof files[0]))
    fail_msg("%d of the %d original pipelines found under %s (DAGWOOD_ORIGINAL_CONFIGS)", found,
             (int)(sizeof files / sizeof files[0]), dir);

  /* spot checks of what the originals rely on */
  char path[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/complex-workflow-with-fuel-consumption.yaml", dir);
  size_t len = 0;
  char *data = read_all(path, &len);
  dw_spec_env e = env();
  res r;
  r.d = dw_diags_new();
  r.s = dw_spec_parse(path, dir, data, len, &e, r.d);
  COUNTS(r, 0, 1);
  WARN_AT(r, 52, 7, "processor 'count-tokens': option 'count_type' is not used by token_counter");
  assert_int_equal(r.s->strategy, DW_STRATEGY_LEVEL);
  assert_int_equal(r.s->failure, DW_FAILURE_BEST_EFFORT);
  assert_int_equal(r.s->max_concurrency, 6);
  const dw_proc_spec *fm = &r.s->procs[7];
  assert_string_equal(fm->id, "final_merge");
  assert_string_equal(dw_val_get(fm->options, "prefix")->str,
                      "\xf0\x9f\x94\x84 Multi-type Result: ");
  char want[PATH_MAX + 256];
  snprintf(want, sizeof want, "%s/./wasm_components/rle_rust.wasm", dir);
  assert_string_equal(r.s->procs[6].module_path, want);
  assert_int_equal(r.s->procs[3].intent, DW_INTENT_TRANSFORM);
  done(&r);
  free(data);
}

/* --------------------------------------------------------------- limits */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void test_many_processors_fast(void **state) {
  (void)state;
  enum { N = 100000 };
  size_t cap = (size_t)N * 160 + 256, o = 0;
  char *y = malloc(cap);
  assert_non_null(y);
  o += (size_t)sprintf(y + o, "strategy: work_queue\nprocessors:\n");
  unsigned seed = 12345;
  for (int i = 0; i < N; i++) {
    o += (size_t)sprintf(y + o, "  - id: p%d\n    type: local\n    processor: token_counter\n", i);
    if (i == 1) o += (size_t)sprintf(y + o, "    depends_on: [p0]\n");
    if (i > 1) {
      seed = seed * 1103515245u + 12345u;
      o += (size_t)sprintf(y + o, "    depends_on: [p%u, p%d]\n", (seed >> 8) % (unsigned)(i - 1),
                           i - 1);
    }
  }
  dw_spec_env e = env();
  dw_diags *d = dw_diags_new();
  double t0 = now();
  dw_spec *s = dw_spec_parse("big.yaml", NULL, y, o, &e, d);
  double dt = now() - t0;
  print_message("100 000 processors (%zu bytes) parsed in %.3f s\n", o, dt);
  assert_non_null(s);
  assert_int_equal(dw_diags_count(d), 0);
  assert_int_equal(s->nprocs, N);
  assert_int_equal(s->procs[N - 1].dep_idx[1], N - 2);
  /* about 0.35 s here in a release build; generous for loaded CI machines,
   * and not checked at all under the (many times slower) sanitizers */
  if (!SANITIZED) assert_true(dt < 3.0);
  dw_spec_free(s);
  dw_diags_free(d);

  /* every dependency unknown: suggestions stay within budget, diags capped */
  o = (size_t)sprintf(y, "processors:\n");
  for (int i = 0; i < N; i++)
    o += (size_t)sprintf(y + o,
                         "  - {id: p%d, type: local, processor: token_counter, "
                         "depends_on: [q%d]}\n",
                         i, i);
  d = dw_diags_new();
  t0 = now();
  s = dw_spec_parse("big.yaml", NULL, y, o, &e, d);
  dt = now() - t0;
  print_message("100 000 unknown dependencies reported in %.3f s\n", dt);
  assert_non_null(s);
  assert_int_equal(dw_diags_errors(d), N);   /* all counted */
  assert_int_equal(dw_diags_count(d), 1001); /* 1000 listed + the summary */
  dw_diags_sort(d);
  const dw_diag *g = dw_diags_get(d, 0);
  assert_int_equal(g->line, 0);
  assert_string_equal(g->message,
                      "99000 more errors not shown (at most 1000 are listed): fix these first");
  if (!SANITIZED) assert_true(dt < 3.0);
  dw_spec_free(s);
  dw_diags_free(d);
  free(y);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults),
      cmocka_unit_test(test_full_pipeline),
      cmocka_unit_test(test_strategy),
      cmocka_unit_test(test_failure_strategy),
      cmocka_unit_test(test_executor_options),
      cmocka_unit_test(test_wasm_section),
      cmocka_unit_test(test_top_level_keys),
      cmocka_unit_test(test_document_shape),
      cmocka_unit_test(test_syntax_errors),
      cmocka_unit_test(test_duplicate_keys),
      cmocka_unit_test(test_processor_id),
      cmocka_unit_test(test_processor_type),
      cmocka_unit_test(test_local_processor),
      cmocka_unit_test(test_wasm_processor),
      cmocka_unit_test(test_module_paths),
      cmocka_unit_test(test_depends_on),
      cmocka_unit_test(test_options),
      cmocka_unit_test(test_intent),
      cmocka_unit_test(test_processor_limits),
      cmocka_unit_test(test_input_from),
      cmocka_unit_test(test_processor_unknown_keys),
      cmocka_unit_test(test_wasm_option_misspelled),
      cmocka_unit_test(test_strict_wording),
      cmocka_unit_test(test_all_at_once),
      cmocka_unit_test(test_aliases),
      cmocka_unit_test(test_options_copy_shares_aliases),
      cmocka_unit_test(test_tags_and_quoting),
      cmocka_unit_test(test_examples),
      cmocka_unit_test(test_many_processors_fast),
  };
  const struct CMUnitTest originals[] = {
      cmocka_unit_test(test_original_examples),
  };
  DW_ORIGINALS_MAIN(argc, argv, tests, originals, NULL, NULL);
}
