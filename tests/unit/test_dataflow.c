/*
 * test_dataflow: one test per rule of PIPELINES sections 3 and 4 — analyzer
 * pass-through, input choice, input_from, run output, metadata and
 * initial_context, statuses under each failure strategy, retries, timeouts,
 * cancellation, max_concurrency — with exact expected results worked out by
 * hand from docs/PIPELINES.md, run by every executor; and the example pipelines. With
 * the argument "originals": the original project's pipelines that use only
 * built-ins (DAGWOOD_ORIGINAL_CONFIGS, see originals.h). Public API only;
 * the helper processors
 * (failing, flaky, slow, spinning, concurrency-counting) are registered with
 * dw_engine_register.
 */
/* DW_TSAN_LABEL */
#include <ctype.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "dagwood/dagwood.h"
#include "originals.h"
#include "test_load.h"

#define HOST "dataflow-host"

static dw_engine *g_engine;
static char g_ctx[256]; /* the case being checked, printed with a failure */

#define CHECK(cond, ...)                                \
  do {                                                  \
    if (!(cond)) {                                      \
      fprintf(stderr, "[%s] ", g_ctx);                  \
      fprintf(stderr, __VA_ARGS__);                     \
      fprintf(stderr, "\n");                            \
      fail_msg("%s:%d: %s", __FILE__, __LINE__, #cond); \
    }                                                   \
  } while (0)

static const dw_strategy STRATEGIES[4] = {DW_STRATEGY_WORK_QUEUE, DW_STRATEGY_LEVEL,
                                          DW_STRATEGY_REACTIVE, DW_STRATEGY_HYBRID};

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void sleep_ms(unsigned ms) {
  struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
  nanosleep(&t, NULL);
}

/* ------------------------------------------------- registered processors */

/* boom: always fails with 422 (after sleeping option `ms`, default 0). */
static int boom_process(dw_call *c, void *u) {
  (void)u;
  const char *ms = dw_call_option(c, "ms");
  if (ms) sleep_ms((unsigned)atoi(ms));
  return dw_call_fail(c, 422, "boom at %s", dw_call_processor_id(c));
}

/* bare: returns non-zero without dw_call_fail (reported as error 500). */
static int bare_process(dw_call *c, void *u) {
  (void)c;
  (void)u;
  return 1;
}

/* Copies the input and appends a suffix. */
static int append(dw_call *c, const char *suffix) {
  size_t len, sl = strlen(suffix);
  const uint8_t *in = dw_call_input(c, &len);
  uint8_t *out = dw_call_output_buffer(c, len + sl);
  if (!out) return dw_call_fail(c, 507, "out of memory");
  if (len) memcpy(out, in, len);
  memcpy(out + len, suffix, sl);
  return 0;
}

/* flaky: fails (503) on every attempt below option `until` (default 2), then
 * appends "!" and records the attempt as metadata. Counts its calls. */
static atomic_int g_flaky_calls;

static int flaky_process(dw_call *c, void *u) {
  atomic_int *calls = u;
  atomic_fetch_add(calls, 1);
  const char *s = dw_call_option(c, "until");
  unsigned until = s ? (unsigned)atoi(s) : 2, a = dw_call_attempt(c);
  if (a < until) return dw_call_fail(c, 503, "attempt %u fails", a);
  char buf[16];
  snprintf(buf, sizeof buf, "%u", a);
  dw_call_add_metadata(c, "attempt", buf);
  return append(c, "!");
}

/* noisy: an analyzer that also returns a payload ("noise:" + input), which
 * the engine must ignore unless the pipeline makes it a transform. */
static int noisy_process(dw_call *c, void *u) {
  (void)u;
  size_t len;
  const uint8_t *in = dw_call_input(c, &len);
  char *s = strndup((const char *)in, len);
  if (!s) return dw_call_fail(c, 507, "out of memory");
  dw_call_add_metadata(c, "seen", s);
  free(s);
  uint8_t *out = dw_call_output_buffer(c, len + 6);
  if (!out) return dw_call_fail(c, 507, "out of memory");
  memcpy(out, "noise:", 6);
  if (len) memcpy(out + 6, in, len);
  return 0;
}

/* slow: sleeps option `ms` (default 30) ignoring cancellation, appends "~". */
static int slow_process(dw_call *c, void *u) {
  (void)u;
  const char *s = dw_call_option(c, "ms");
  sleep_ms(s ? (unsigned)atoi(s) : 30);
  return append(c, "~");
}

/* spin: loops until dw_call_cancelled() (at most 10 s: error 555). Then it
 * returns success, or fails with 499 when option on_cancel is "fail". */
typedef struct spin_state {
  atomic_int started;
} spin_state;
static spin_state g_spin;

static int spin_process(dw_call *c, void *u) {
  spin_state *st = u;
  atomic_store(&st->started, 1);
  double t0 = now_s();
  while (!dw_call_cancelled(c)) {
    if (now_s() - t0 > 10) return dw_call_fail(c, 555, "never cancelled");
    sleep_ms(1);
  }
  const char *oc = dw_call_option(c, "on_cancel");
  if (oc && !strcmp(oc, "fail")) return dw_call_fail(c, 499, "stopped");
  return append(c, " late");
}

/* busy: counts the processors running at once; waits (up to 1 s) until the
 * highest count seen reaches `target`, so that a reachable bound is reached
 * whatever the timing (unless option hold is "no": processors the graph
 * runs alone), then passes its input on. */
typedef struct busy_state {
  atomic_int running, max, target;
} busy_state;
static busy_state g_busy;

static int busy_process(dw_call *c, void *u) {
  busy_state *st = u;
  int now = atomic_fetch_add(&st->running, 1) + 1;
  int m = atomic_load(&st->max);
  while (now > m && !atomic_compare_exchange_weak(&st->max, &m, now)) {
  }
  const char *hold = dw_call_option(c, "hold");
  double t0 = now_s();
  while (!(hold && !strcmp(hold, "no")) && atomic_load(&st->max) < atomic_load(&st->target) &&
         now_s() - t0 < 1.0)
    sleep_ms(1);
  sleep_ms(2);
  atomic_fetch_sub(&st->running, 1);
  return append(c, "");
}

static int setup(void **state) {
  (void)state;
  dw_engine_options eo = {.max_threads = 8};
  g_engine = dw_engine_new(&eo);
  if (!g_engine) return -1;
  const dw_processor_def defs[] = {
      {.name = "boom", .intent = DW_INTENT_TRANSFORM, .process = boom_process},
      {.name = "bare", .intent = DW_INTENT_TRANSFORM, .process = bare_process},
      {.name = "flaky",
       .intent = DW_INTENT_TRANSFORM,
       .process = flaky_process,
       .user = &g_flaky_calls},
      {.name = "noisy", .intent = DW_INTENT_ANALYZE, .process = noisy_process},
      {.name = "slow", .intent = DW_INTENT_TRANSFORM, .process = slow_process},
      {.name = "spin", .intent = DW_INTENT_TRANSFORM, .process = spin_process, .user = &g_spin},
      {.name = "busy", .intent = DW_INTENT_TRANSFORM, .process = busy_process, .user = &g_busy},
  };
  for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++)
    if (dw_engine_register(g_engine, &defs[i]) != 0) return -1;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  dw_engine_free(g_engine);
  return 0;
}

/* ---------------------------------------------------------- expectations */

#define ANY_ERROR (-1) /* any non-zero error code */

typedef struct exp_proc {
  const char *id;
  dw_proc_status st;
  const char *out; /* when succeeded */
  unsigned attempts;
  int code;
  const char *md; /* "k=v;k=v", the exact set; NULL: none */
} exp_proc;

#define OK(id, out, md) \
  { id, DW_PROC_SUCCEEDED, out, 1, 0, md }
#define OK_AFTER(id, out, att, md) \
  { id, DW_PROC_SUCCEEDED, out, att, 0, md }
#define FAILED(id, code, att) \
  { id, DW_PROC_FAILED, NULL, att, code, NULL }
#define SKIPPED(id) \
  { id, DW_PROC_SKIPPED, NULL, 0, 0, NULL }
#define CANCELLED(id) \
  { id, DW_PROC_CANCELLED, NULL, 0, 0, NULL }

typedef struct expect {
  dw_run_status st;
  const char *out;
  size_t n;
  const exp_proc *p; /* canonical order */
} expect;

#define EXPECT(status, output, ...)                                             \
  (expect) {                                                                    \
    status, output, sizeof((const exp_proc[]){__VA_ARGS__}) / sizeof(exp_proc), \
        (const exp_proc[]) {                                                    \
      __VA_ARGS__                                                               \
    }                                                                           \
  }

static int md_has(const dw_proc_report *pr, const char *key, size_t klen, const char *value,
                  size_t vlen) {
  for (size_t i = 0; i < pr->metadata_count; i++) {
    const dw_kv *e = &pr->metadata[i];
    if (strlen(e->key) == klen && !memcmp(e->key, key, klen) && strlen(e->value) == vlen &&
        !memcmp(e->value, value, vlen))
      return 1;
  }
  return 0;
}

static void check_md(const dw_proc_report *pr, const char *md) {
  size_t want = 0;
  for (const char *s = md; s && *s;) {
    const char *end = strchr(s, ';'), *eq = strchr(s, '=');
    if (!end) end = s + strlen(s);
    CHECK(eq && eq < end, "bad expectation %s", md);
    CHECK(md_has(pr, s, (size_t)(eq - s), eq + 1, (size_t)(end - eq - 1)),
          "%s: metadata lacks %.*s", pr->id, (int)(end - s), s);
    want++;
    s = *end ? end + 1 : end;
  }
  if (pr->metadata_count != want) {
    for (size_t i = 0; i < pr->metadata_count; i++)
      fprintf(stderr, "  %s: %s=%s\n", pr->id, pr->metadata[i].key, pr->metadata[i].value);
  }
  CHECK(pr->metadata_count == want, "%s: %zu metadata entries, expected %zu (%s)", pr->id,
        pr->metadata_count, want, md ? md : "none");
}

static void check_output(const char *what, const uint8_t *got, size_t len, const char *want) {
  CHECK(got != NULL, "%s: no output, expected \"%s\"", what, want);
  CHECK(len == strlen(want) && !memcmp(got, want, len), "%s: output \"%.*s\", expected \"%s\"",
        what, (int)len, (const char *)got, want);
}

static void check_proc(const dw_proc_report *pr, const exp_proc *x) {
  CHECK(pr && pr->id && !strcmp(pr->id, x->id), "processor %s where %s was expected",
        pr && pr->id ? pr->id : "(null)", x->id);
  CHECK(pr->status == x->st, "%s: status %s, expected %s", x->id, dw_proc_status_name(pr->status),
        dw_proc_status_name(x->st));
  CHECK(pr->attempts == x->attempts, "%s: %u attempts, expected %u", x->id, pr->attempts,
        x->attempts);
  if (x->code == ANY_ERROR)
    CHECK(pr->error_code != 0, "%s: error code 0, expected an error", x->id);
  else
    CHECK(pr->error_code == x->code, "%s: error code %d (%s), expected %d", x->id, pr->error_code,
          pr->error_message ? pr->error_message : "", x->code);
  if (x->st == DW_PROC_FAILED)
    CHECK(pr->error_message && *pr->error_message, "%s: failed without a message", x->id);
  if (x->st == DW_PROC_SUCCEEDED)
    check_output(x->id, pr->output, pr->output_len, x->out);
  else
    CHECK(pr->output == NULL, "%s: %s but has an output", x->id, dw_proc_status_name(x->st));
  check_md(pr, x->md);
}

static void check_result(const dw_result *r, const expect *e) {
  CHECK(r != NULL, "no result");
  CHECK(dw_result_count(r) == e->n, "%zu processors, expected %zu", dw_result_count(r), e->n);
  for (size_t i = 0; i < e->n; i++) check_proc(dw_result_processor(r, i), &e->p[i]);
  CHECK(dw_result_status(r) == e->st, "run status %s, expected %s",
        dw_run_status_name(dw_result_status(r)), dw_run_status_name(e->st));
  size_t len = 0;
  const uint8_t *out = dw_result_output(r, &len);
  check_output("run", out, len, e->out);
}

static dw_pipeline *load(const char *name, const char *yaml) {
  dw_pipeline *p = tl_load(g_engine, name, yaml);
  CHECK(p != NULL, "%s did not load", name);
  return p;
}

static void options(dw_run_options *o, dw_strategy s, unsigned mc, int fs) {
  dw_run_options_init(o);
  o->strategy = (int)s;
  o->max_concurrency = mc;
  o->failure_strategy = fs;
  o->retry_base_ms = 1;
  o->seed = 42;
  o->hostname = HOST;
}

/* Run p by every executor at max_concurrency 1, 2 and 4 (fs: failure
 * strategy override or -1) and check each result against e. */
static void run_pipeline(const char *label, const dw_pipeline *p, const char *input, int fs,
                         const expect *e) {
  static const unsigned MCS[3] = {1, 2, 4};
  for (int s = 0; s < 4; s++) {
    for (int m = 0; m < 3; m++) {
      snprintf(g_ctx, sizeof g_ctx, "%s, %s, max_concurrency %u, %s", label,
               dw_strategy_name(STRATEGIES[s]), MCS[m],
               fs < 0 ? "pipeline's failure strategy" : dw_failure_strategy_name(fs));
      dw_run_options o;
      options(&o, STRATEGIES[s], MCS[m], fs);
      dw_result *r = dw_pipeline_run(g_engine, p, input, strlen(input), &o);
      check_result(r, e);
      dw_result_free(r);
    }
  }
}

static void run_yaml(const char *label, const char *yaml, const char *input, int fs,
                     const expect *e) {
  snprintf(g_ctx, sizeof g_ctx, "%s: load", label);
  dw_pipeline *p = load(label, yaml);
  run_pipeline(label, p, input, fs, e);
  dw_pipeline_free(p);
}

/* ------------------------------------------------------------ section 3 */

/* An analyzer's output is its input; its metadata is kept; a payload it
 * returns is ignored. */
static void test_analyzer_passthrough(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - id: up\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: count\n    type: local\n    processor: token_counter\n    depends_on: [up]\n"
      "  - id: rev\n    type: local\n    processor: reverse_text\n    depends_on: [count]\n"
      "  - id: noise\n    type: local\n    processor: noisy\n    depends_on: [rev]\n";
  expect e = EXPECT(DW_RUN_SUCCEEDED, "DLROW OLLEH", OK("up", "HELLO WORLD", NULL),
                    OK("count", "HELLO WORLD", "char_count=11;word_count=2;line_count=1"),
                    OK("rev", "DLROW OLLEH", NULL), OK("noise", "DLROW OLLEH", "seen=DLROW OLLEH"));
  run_yaml("passthrough", yaml, "hello world", -1, &e);
}

/* A processor with several dependencies takes the output whose payload was
 * produced by the highest-ranked transform. */
static void test_input_choice(void **state) {
  (void)state;
  /* Diamond: a -> {b, c} -> d; canonical a, b, c, d: c's payload is newer. */
  const char *diamond =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: b\n    type: local\n    processor: reverse_text\n    depends_on: [a]\n"
      "  - id: c\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
      "    options: {prefix: \"<\", suffix: \">\"}\n"
      "  - id: d\n    type: local\n    processor: change_text_case_lower\n"
      "    depends_on: [c, b]\n";
  expect e1 = EXPECT(DW_RUN_SUCCEEDED, "<hello world>", OK("a", "HELLO WORLD", NULL),
                     OK("b", "DLROW OLLEH", NULL), OK("c", "<HELLO WORLD>", NULL),
                     OK("d", "<hello world>", NULL));
  run_yaml("diamond", diamond, "hello world", -1, &e1);

  /* The same with b and c swapped in the file: now b ranks higher. */
  const char *swapped =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: c\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
      "    options: {prefix: \"<\", suffix: \">\"}\n"
      "  - id: b\n    type: local\n    processor: reverse_text\n    depends_on: [a]\n"
      "  - id: d\n    type: local\n    processor: change_text_case_lower\n"
      "    depends_on: [c, b]\n";
  expect e2 = EXPECT(DW_RUN_SUCCEEDED, "dlrow olleh", OK("a", "HELLO WORLD", NULL),
                     OK("c", "<HELLO WORLD>", NULL), OK("b", "DLROW OLLEH", NULL),
                     OK("d", "dlrow olleh", NULL));
  run_yaml("diamond swapped", swapped, "hello world", -1, &e2);

  /* An analyzer ranks higher (t, 3) but its payload comes from b (1): d
   * takes r's (2). Canonical order: a, b, r, t, d. */
  const char *through =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: b\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
      "  - id: r\n    type: local\n    processor: reverse_text\n    depends_on: [a]\n"
      "  - id: t\n    type: local\n    processor: token_counter\n    depends_on: [b]\n"
      "  - id: d\n    type: local\n    processor: change_text_case_lower\n"
      "    depends_on: [t, r]\n";
  expect e3 = EXPECT(DW_RUN_SUCCEEDED, "dlrow olleh", OK("a", "HELLO WORLD", NULL),
                     OK("b", "[HELLO WORLD]", NULL), OK("r", "DLROW OLLEH", NULL),
                     OK("t", "[HELLO WORLD]", "char_count=13;word_count=2;line_count=1"),
                     OK("d", "dlrow olleh", NULL));
  run_yaml("through an analyzer", through, "hello world", -1, &e3);

  /* The run's input counts as rank -1: an entry analyzer ranked after a
   * transform still carries the older payload. Canonical u, t, r. */
  const char *entry =
      "processors:\n"
      "  - id: u\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: t\n    type: local\n    processor: token_counter\n"
      "  - id: r\n    type: local\n    processor: reverse_text\n    depends_on: [t, u]\n";
  expect e4 = EXPECT(DW_RUN_SUCCEEDED, "DLROW OLLEH", OK("u", "HELLO WORLD", NULL),
                     OK("t", "hello world", "char_count=11;word_count=2;line_count=1"),
                     OK("r", "DLROW OLLEH", NULL));
  run_yaml("run input ranks -1", entry, "hello world", -1, &e4);

  /* Canonical order is Kahn with file order among ready processors, not
   * file order: z (entry, listed last) ranks before y. */
  const char *order =
      "processors:\n"
      "  - id: y\n    type: local\n    processor: reverse_text\n    depends_on: [x]\n"
      "  - id: x\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: w\n    type: local\n    processor: change_text_case_lower\n"
      "    depends_on: [y, z]\n"
      "  - id: z\n    type: local\n    processor: prefix_suffix_adder\n";
  /* Ready {x, z}: x (file 1) first; then ready {y (0), z (3)}: y; then z; w. */
  expect e5 = EXPECT(DW_RUN_SUCCEEDED, "[hello world]", OK("x", "HELLO WORLD", NULL),
                     OK("y", "DLROW OLLEH", NULL), OK("z", "[Hello World]", NULL),
                     OK("w", "[hello world]", NULL));
  run_yaml("canonical order", order, "Hello World", -1, &e5);
}

/* input_from names the dependency whose output is the input. */
static void test_input_from(void **state) {
  (void)state;
  const char *diamond =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: b\n    type: local\n    processor: reverse_text\n    depends_on: [a]\n"
      "  - id: c\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
      "    options: {prefix: \"<\", suffix: \">\"}\n"
      "  - id: d\n    type: local\n    processor: change_text_case_lower\n"
      "    depends_on: [c, b]\n    input_from: b\n";
  expect e1 = EXPECT(DW_RUN_SUCCEEDED, "dlrow olleh", OK("a", "HELLO WORLD", NULL),
                     OK("b", "DLROW OLLEH", NULL), OK("c", "<HELLO WORLD>", NULL),
                     OK("d", "dlrow olleh", NULL));
  run_yaml("input_from", diamond, "hello world", -1, &e1);

  /* input_from an analyzer: its output (its input, b's payload). */
  const char *through =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: b\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
      "  - id: r\n    type: local\n    processor: reverse_text\n    depends_on: [a]\n"
      "  - id: t\n    type: local\n    processor: token_counter\n    depends_on: [b]\n"
      "  - id: d\n    type: local\n    processor: change_text_case_lower\n"
      "    depends_on: [t, r]\n    input_from: t\n";
  expect e2 = EXPECT(DW_RUN_SUCCEEDED, "[hello world]", OK("a", "HELLO WORLD", NULL),
                     OK("b", "[HELLO WORLD]", NULL), OK("r", "DLROW OLLEH", NULL),
                     OK("t", "[HELLO WORLD]", "char_count=13;word_count=2;line_count=1"),
                     OK("d", "[hello world]", NULL));
  run_yaml("input_from an analyzer", through, "hello world", -1, &e2);
}

/* The run's output: the highest-ranked successful transform's payload, or
 * the input when there is none. */
static void test_run_output(void **state) {
  (void)state;
  const char *analyzers =
      "processors:\n"
      "  - id: t\n    type: local\n    processor: token_counter\n"
      "  - id: w\n    type: local\n    processor: word_frequency_analyzer\n    depends_on: [t]\n";
  expect e1 = EXPECT(
      DW_RUN_SUCCEEDED, "Hello, hello WORLD!",
      OK("t", "Hello, hello WORLD!", "char_count=19;word_count=3;line_count=1"),
      OK("w", "Hello, hello WORLD!", "word_freq_hello=2;word_freq_world=1;total_unique_words=2"));
  run_yaml("no transform", analyzers, "Hello, hello WORLD!", -1, &e1);

  /* Not the last sink: y ranks above x; z is an analyzer. */
  const char *branches =
      "processors:\n"
      "  - id: x\n    type: local\n    processor: change_text_case_lower\n"
      "  - id: y\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: z\n    type: local\n    processor: token_counter\n    depends_on: [x]\n";
  expect e2 = EXPECT(DW_RUN_SUCCEEDED, "HELLO WORLD", OK("x", "hello world", NULL),
                     OK("y", "HELLO WORLD", NULL),
                     OK("z", "hello world", "char_count=11;word_count=2;line_count=1"));
  run_yaml("highest-ranked transform", branches, "Hello World", -1, &e2);

  /* No processors at all: the input. */
  dw_pipeline *p = load("empty", "processors: []\n");
  dw_run_options o;
  options(&o, DW_STRATEGY_HYBRID, 0, -1);
  dw_result *r = dw_pipeline_run(g_engine, p, "abc", 3, &o);
  snprintf(g_ctx, sizeof g_ctx, "empty pipeline");
  expect e3 = {DW_RUN_SUCCEEDED, "abc", 0, NULL};
  check_result(r, &e3);
  dw_result_free(r);
  dw_pipeline_free(p);
}

/* A loaded pipeline keeps its own copy of every processor's options: the
 * YAML text and document tree are gone before the run (ASan checks), and
 * options shared through an alias still read the same in each processor. */
static void test_options_outlive_yaml(void **state) {
  (void)state;
  const char *yaml =
      "common: &pad {prefix: \"<\", suffix: \">\"}\n"
      "processors:\n"
      "  - id: a\n    type: local\n    processor: prefix_suffix_adder\n    options: *pad\n"
      "  - id: b\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
      "    options: *pad\n"
      "  - id: c\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [b]\n"
      "    options: {prefix: \"0123456789012345678901234567890123456789012345678901234567890123"
      "456789 \", suffix: \"\"}\n";
  size_t n = strlen(yaml);
  char *text = malloc(n + 1);
  CHECK(text != NULL, "malloc");
  memcpy(text, yaml, n + 1);
  dw_pipeline *p = dw_pipeline_load_string(g_engine, "outlive.yaml", text, n, NULL, NULL);
  memset(text, 'x', n);
  free(text);
  CHECK(p != NULL, "outlive.yaml did not load");
  dw_run_options o;
  options(&o, DW_STRATEGY_HYBRID, 1, -1);
  dw_result *r = dw_pipeline_run(g_engine, p, "hi", 2, &o);
  snprintf(g_ctx, sizeof g_ctx, "options after the YAML is freed");
  expect e = EXPECT(DW_RUN_SUCCEEDED,
                    "0123456789012345678901234567890123456789012345678901234567890123456789 <<hi>>",
                    OK("a", "<hi>", NULL), OK("b", "<<hi>>", NULL),
                    OK("c",
                       "0123456789012345678901234567890123456789012345678901234567890123456789 "
                       "<<hi>>",
                       NULL));
  check_result(r, &e);
  dw_result_free(r);
  dw_pipeline_free(p);
}

/* intent overrides the processor's own: an analyzer's payload is ignored, a
 * transform's becomes the output. */
static void test_intent_override(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - id: up\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: r\n    type: local\n    processor: reverse_text\n    depends_on: [up]\n"
      "    intent: analyze\n"
      "  - id: p\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [r]\n"
      "  - id: n\n    type: local\n    processor: noisy\n    depends_on: [p]\n"
      "    intent: transform\n";
  expect e = EXPECT(DW_RUN_SUCCEEDED, "noise:[HELLO WORLD]", OK("up", "HELLO WORLD", NULL),
                    OK("r", "HELLO WORLD", NULL), OK("p", "[HELLO WORLD]", NULL),
                    OK("n", "noise:[HELLO WORLD]", "seen=[HELLO WORLD]"));
  run_yaml("intent override", yaml, "hello world", -1, &e);
}

/* Metadata lives under each processor's id; the run adds initial_context. */
static void test_metadata(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - id: t1\n    type: local\n    processor: token_counter\n"
      "  - id: u\n    type: local\n    processor: prefix_suffix_adder\n"
      "    options:\n      prefix: \"x y \"\n      suffix: \"\"\n"
      "  - id: t2\n    type: local\n    processor: token_counter\n    depends_on: [u]\n"
      "  - id: wf\n    type: local\n    processor: word_frequency_analyzer\n    depends_on: [u]\n";
  expect e = EXPECT(
      DW_RUN_SUCCEEDED, "x y a\n\nb", OK("t1", "a\n\nb", "char_count=4;word_count=2;line_count=3"),
      OK("u", "x y a\n\nb", NULL), OK("t2", "x y a\n\nb", "char_count=8;word_count=4;line_count=3"),
      OK("wf", "x y a\n\nb",
         "word_freq_x=1;word_freq_y=1;word_freq_a=1;word_freq_b=1;"
         "total_unique_words=4"));
  run_yaml("metadata", yaml, "a\n\nb", -1, &e);

  /* initial_context: config_file (the name given), hostname, input_text. */
  dw_pipeline *p = load("ctx.yaml", yaml);
  for (int k = 0; k < 2; k++) {
    dw_run_options o;
    options(&o, DW_STRATEGY_WORK_QUEUE, 2, -1);
    char host[256] = HOST;
    if (k == 1) { /* default: the machine's name */
      o.hostname = NULL;
      CHECK(gethostname(host, sizeof host) == 0, "gethostname");
      host[sizeof host - 1] = 0;
    }
    snprintf(g_ctx, sizeof g_ctx, "initial_context, hostname %s", k ? "default" : "given");
    dw_result *r = dw_pipeline_run(g_engine, p, "a\n\nb", 5, &o);
    CHECK(r != NULL, "no result");
    CHECK(dw_result_config(r) && !strcmp(dw_result_config(r), "ctx.yaml"), "config %s",
          dw_result_config(r) ? dw_result_config(r) : "(null)");
    size_t n = dw_result_context_count(r);
    const dw_kv *cx = dw_result_context(r);
    CHECK(n == 3, "initial_context has %zu entries, expected 3", n);
    const char *want[3][2] = {
        {"config_file", "ctx.yaml"}, {"hostname", host}, {"input_text", "a\n\nb"}};
    for (int i = 0; i < 3; i++) {
      const char *got = NULL;
      for (size_t j = 0; j < n; j++)
        if (!strcmp(cx[j].key, want[i][0])) got = cx[j].value;
      CHECK(got && !strcmp(got, want[i][1]), "initial_context.%s = %s, expected %s", want[i][0],
            got ? got : "(none)", want[i][1]);
    }
    dw_result_free(r);
  }
  dw_pipeline_free(p);

  /* initial_context is a reserved id. */
  dw_diags *d = NULL;
  const char *reserved =
      "processors:\n  - id: initial_context\n    type: local\n"
      "    processor: token_counter\n";
  dw_pipeline *bad =
      dw_pipeline_load_string(g_engine, "reserved.yaml", reserved, strlen(reserved), NULL, &d);
  snprintf(g_ctx, sizeof g_ctx, "reserved id");
  size_t errors = d ? dw_diags_errors(d) : 0;
  dw_diags_free(d);
  int accepted = bad != NULL;
  if (bad) dw_pipeline_free(bad);
  CHECK(!accepted, "a processor named initial_context was accepted");
  CHECK(errors >= 1, "no error reported");
}

/* ------------------------------------------------------------ section 4 */

/*   a (upper) -> f (boom) -> g (reverse) -> h (lower) <- b (<,>) <- a
 *                                            k (token_counter) <- b
 * canonical order: a, f, g, b, h, k */
static const char *FAILING =
    "failure_strategy: fail_fast\n"
    "processors:\n"
    "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
    "  - id: f\n    type: local\n    processor: boom\n    depends_on: [a]\n"
    "  - id: g\n    type: local\n    processor: reverse_text\n    depends_on: [f]\n"
    "  - id: b\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
    "    options: {prefix: \"<\", suffix: \">\"}\n"
    "  - id: h\n    type: local\n    processor: change_text_case_lower\n"
    "    depends_on: [g, b]\n"
    "  - id: k\n    type: local\n    processor: token_counter\n    depends_on: [b]\n";

#define REASON_FF "fail_fast: an earlier processor failed"

/* Statuses and reasons of one fail_fast run of FAILING. b and k (ranked
 * after f) may have succeeded before f failed — their results are then
 * kept, exactly as they would be — or they are cancelled; g and h, which
 * wait for f, are always cancelled, and every cancelled processor gives the
 * same reason on every executor. */
static void check_failing_fail_fast(const dw_result *r) {
  CHECK(r && dw_result_count(r) == 6, "no result or not 6 processors");
  check_proc(dw_result_processor(r, 0), &(exp_proc)OK("a", "HELLO WORLD", NULL));
  check_proc(dw_result_processor(r, 1), &(exp_proc)FAILED("f", 422, 1));
  check_proc(dw_result_processor(r, 2), &(exp_proc)CANCELLED("g"));
  check_proc(dw_result_processor(r, 4), &(exp_proc)CANCELLED("h"));
  const dw_proc_report *b = dw_result_processor(r, 3), *k = dw_result_processor(r, 5);
  if (b->status == DW_PROC_SUCCEEDED)
    check_proc(b, &(exp_proc)OK("b", "<HELLO WORLD>", NULL));
  else
    check_proc(b, &(exp_proc)CANCELLED("b"));
  if (k->status == DW_PROC_SUCCEEDED) {
    CHECK(b->status == DW_PROC_SUCCEEDED, "k succeeded without b");
    check_proc(k, &(exp_proc)OK("k", "<HELLO WORLD>", "char_count=13;word_count=2;line_count=1"));
  } else {
    check_proc(k, &(exp_proc)CANCELLED("k"));
  }
  for (size_t i = 0; i < 6; i++) {
    const dw_proc_report *pr = dw_result_processor(r, i);
    if (pr->status == DW_PROC_CANCELLED)
      CHECK(pr->reason && !strcmp(pr->reason, REASON_FF), "%s: reason \"%s\", expected \"%s\"",
            pr->id, pr->reason ? pr->reason : "(none)", REASON_FF);
  }
  CHECK(dw_result_status(r) == DW_RUN_FAILED, "run status %s",
        dw_run_status_name(dw_result_status(r)));
  size_t len;
  const uint8_t *out = dw_result_output(r, &len);
  check_output("run", out, len, b->status == DW_PROC_SUCCEEDED ? "<HELLO WORLD>" : "HELLO WORLD");
}

static void test_fail_fast(void **state) {
  (void)state;
  for (int fs = -1; fs <= 0; fs++) { /* the pipeline's, then the option */
    dw_pipeline *p = load("fail_fast", FAILING);
    for (int s = 0; s < 4; s++)
      for (unsigned mc = 1; mc <= 4; mc *= 2) {
        snprintf(g_ctx, sizeof g_ctx, "fail_fast%s, %s, max_concurrency %u",
                 fs < 0 ? "" : " (option)", dw_strategy_name(STRATEGIES[s]), mc);
        dw_run_options o;
        options(&o, STRATEGIES[s], mc, fs);
        dw_result *r = dw_pipeline_run(g_engine, p, "hello world", 11, &o);
        check_failing_fail_fast(r);
        dw_result_free(r);
      }
    dw_pipeline_free(p);
  }

  /* A processor ranked before the failing one keeps its result even when it
   * finishes after the failure; one ranked after it that waits for it is
   * cancelled. */
  const char *lower_kept =
      "processors:\n"
      "  - id: s\n    type: local\n    processor: slow\n    options: {ms: \"40\"}\n"
      "  - id: f\n    type: local\n    processor: boom\n"
      "  - id: u\n    type: local\n    processor: change_text_case_upper\n"
      "    depends_on: [f]\n";
  expect e2 =
      EXPECT(DW_RUN_FAILED, "hello~", OK("s", "hello~", NULL), FAILED("f", 422, 1), CANCELLED("u"));
  run_yaml("fail_fast keeps lower ranks", lower_kept, "hello", -1, &e2);

  /* Ranked after the failure and never done before it came: s spins until it
   * is told to stop (so it cannot succeed first), its result is discarded;
   * g and u never start. f ranks first among the entry points (g gives it
   * as long a path as s's), so one worker starts it first. */
  const char *higher_cancelled =
      "processors:\n"
      "  - id: f\n    type: local\n    processor: boom\n"
      "  - id: g\n    type: local\n    processor: reverse_text\n    depends_on: [f]\n"
      "  - id: s\n    type: local\n    processor: spin\n"
      "  - id: u\n    type: local\n    processor: change_text_case_upper\n"
      "    depends_on: [s]\n";
  expect e3 = EXPECT(DW_RUN_FAILED, "hello", FAILED("f", 422, 1), CANCELLED("g"), CANCELLED("s"),
                     CANCELLED("u"));
  run_yaml("fail_fast cancels higher ranks", higher_cancelled, "hello", -1, &e3);
}

/* PIPELINES 4.2: results that succeeded are kept whatever the strategy.
 * Under fail_fast, processors ranked after the failing one that succeeded
 * before it failed (f fails after 150 ms) are reported succeeded, with their
 * output and metadata, and the run's output is the highest-ranked such
 * transform's; with one worker, f runs first and they are cancelled. Every
 * executor, and each gives the same reason for a cancelled processor. */
static void test_fail_fast_keeps_successes(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - id: f\n    type: local\n    processor: boom\n    options: {ms: \"150\"}\n"
      "  - id: t\n    type: local\n    processor: token_counter\n"
      "  - id: u\n    type: local\n    processor: change_text_case_upper\n";
  expect kept =
      EXPECT(DW_RUN_FAILED, "HELLO", FAILED("f", 422, 1),
             OK("t", "hello", "char_count=5;word_count=1;line_count=1"), OK("u", "HELLO", NULL));
  expect alone =
      EXPECT(DW_RUN_FAILED, "hello", FAILED("f", 422, 1), CANCELLED("t"), CANCELLED("u"));
  for (int s = 0; s < 4; s++) {
    /* a fresh pipeline for each executor, and a second run of it: the
     * second starts on the calling thread alone (the first had one long
     * attempt), and its other workers must still take t and u while f runs */
    dw_pipeline *p = load("keeps successes", yaml);
    for (int round = 0; round < 2; round++)
      for (unsigned mc = 1; mc <= 4; mc *= 2) {
        snprintf(g_ctx, sizeof g_ctx, "fail_fast keeps successes, %s, max_concurrency %u, run %d",
                 dw_strategy_name(STRATEGIES[s]), mc, round + 1);
        dw_run_options o;
        options(&o, STRATEGIES[s], mc, -1);
        dw_result *r = dw_pipeline_run(g_engine, p, "hello", 5, &o);
        check_result(r, mc == 1 ? &alone : &kept);
        for (size_t i = 0; mc == 1 && i < 3; i++) {
          const dw_proc_report *pr = dw_result_processor(r, i);
          if (pr->status == DW_PROC_CANCELLED)
            CHECK(pr->reason && !strcmp(pr->reason, REASON_FF), "%s: reason \"%s\"", pr->id,
                  pr->reason ? pr->reason : "(none)");
        }
        dw_result_free(r);
      }
    dw_pipeline_free(p);
  }
  /* one that was running when f failed and returned a result after it (spin
   * succeeds once told to stop): discarded, cancelled for the same reason,
   * no attempt counted — one worker or several */
  const char *beside =
      "processors:\n"
      "  - id: f\n    type: local\n    processor: boom\n    options: {ms: \"30\"}\n"
      "  - id: s\n    type: local\n    processor: spin\n";
  expect e = EXPECT(DW_RUN_FAILED, "hello", FAILED("f", 422, 1), CANCELLED("s"));
  dw_pipeline *p = load("beside", beside);
  for (int s = 0; s < 4; s++)
    for (unsigned mc = 1; mc <= 2; mc++) {
      snprintf(g_ctx, sizeof g_ctx, "fail_fast discards what ran beside, %s, max_concurrency %u",
               dw_strategy_name(STRATEGIES[s]), mc);
      dw_run_options o;
      options(&o, STRATEGIES[s], mc, -1);
      dw_result *r = dw_pipeline_run(g_engine, p, "hello", 5, &o);
      check_result(r, &e);
      const char *why = dw_result_processor(r, 1)->reason;
      CHECK(why && !strcmp(why, REASON_FF), "s: reason \"%s\"", why ? why : "(none)");
      dw_result_free(r);
    }
  dw_pipeline_free(p);
}

static void test_continue_on_error(void **state) {
  (void)state;
  expect e = EXPECT(DW_RUN_PARTIAL, "<HELLO WORLD>", OK("a", "HELLO WORLD", NULL),
                    FAILED("f", 422, 1), SKIPPED("g"), OK("b", "<HELLO WORLD>", NULL), SKIPPED("h"),
                    OK("k", "<HELLO WORLD>", "char_count=13;word_count=2;line_count=1"));
  run_yaml("continue_on_error", FAILING, "hello world", DW_FAILURE_CONTINUE_ON_ERROR, &e);
}

static void test_best_effort(void **state) {
  (void)state;
  expect e =
      EXPECT(DW_RUN_PARTIAL, "<hello world>", OK("a", "HELLO WORLD", NULL), FAILED("f", 422, 1),
             SKIPPED("g"), OK("b", "<HELLO WORLD>", NULL), OK("h", "<hello world>", NULL),
             OK("k", "<HELLO WORLD>", "char_count=13;word_count=2;line_count=1"));
  run_yaml("best_effort", FAILING, "hello world", DW_FAILURE_BEST_EFFORT, &e);

  /* input_from a dependency that did not succeed: the choice falls back to
   * the succeeded ones (b's payload is newer than a's). The pipeline's own
   * failure_strategy is used. Canonical: a, f, g, b, h. */
  const char *fallback =
      "failure_strategy: best_effort\n"
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: f\n    type: local\n    processor: boom\n    depends_on: [a]\n"
      "  - id: g\n    type: local\n    processor: reverse_text\n    depends_on: [f]\n"
      "  - id: b\n    type: local\n    processor: prefix_suffix_adder\n    depends_on: [a]\n"
      "    options: {prefix: \"<\", suffix: \">\"}\n"
      "  - id: h\n    type: local\n    processor: change_text_case_lower\n"
      "    depends_on: [a, g, b]\n    input_from: g\n";
  expect e2 =
      EXPECT(DW_RUN_PARTIAL, "<hello world>", OK("a", "HELLO WORLD", NULL), FAILED("f", 422, 1),
             SKIPPED("g"), OK("b", "<HELLO WORLD>", NULL), OK("h", "<hello world>", NULL));
  run_yaml("best_effort input_from fallback", fallback, "hello world", -1, &e2);
}

/* Built-ins fail with 400 on invalid UTF-8; a non-zero return without
 * dw_call_fail is error 500. */
static void test_failure_codes(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - id: up\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: rev\n    type: local\n    processor: reverse_text\n    depends_on: [up]\n";
  expect e = EXPECT(DW_RUN_FAILED, "ab\xff", FAILED("up", 400, 1), CANCELLED("rev"));
  run_yaml("invalid UTF-8", yaml, "ab\xff", -1, &e);

  const char *bare =
      "failure_strategy: continue_on_error\n"
      "processors:\n"
      "  - id: x\n    type: local\n    processor: bare\n"
      "  - id: y\n    type: local\n    processor: change_text_case_upper\n";
  expect e2 = EXPECT(DW_RUN_PARTIAL, "HI", FAILED("x", 500, 1), OK("y", "HI", NULL));
  run_yaml("bare failure", bare, "hi", -1, &e2);
}

/* Failed attempts are retried as configured; attempts are counted. */
static void test_retries(void **state) {
  (void)state;
  const char *yaml =
      "failure_strategy: continue_on_error\n"
      "executor_options:\n  retry_attempts: 2\n"
      "processors:\n"
      "  - id: f1\n    type: local\n    processor: flaky\n    options: {until: \"3\"}\n"
      "  - id: f2\n    type: local\n    processor: flaky\n    options: {until: \"4\"}\n"
      "  - id: f3\n    type: local\n    processor: flaky\n    options: {until: \"2\"}\n"
      "    retry_attempts: 0\n"
      "  - id: f4\n    type: local\n    processor: flaky\n    options: {until: \"4\"}\n"
      "    retry_attempts: 3\n"
      "  - id: ok\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: after\n    type: local\n    processor: reverse_text\n    depends_on: [f2]\n";
  expect e = EXPECT(DW_RUN_PARTIAL, "HI", OK_AFTER("f1", "hi!", 3, "attempt=3"),
                    FAILED("f2", 503, 3), FAILED("f3", 503, 1),
                    OK_AFTER("f4", "hi!", 4, "attempt=4"), OK("ok", "HI", NULL), SKIPPED("after"));
  run_yaml("retries", yaml, "hi", -1, &e);

  /* No retries by default. */
  const char *none =
      "processors:\n"
      "  - id: f\n    type: local\n    processor: flaky\n"
      "  - id: g\n    type: local\n    processor: reverse_text\n    depends_on: [f]\n";
  expect e2 = EXPECT(DW_RUN_FAILED, "hi", FAILED("f", 503, 1), CANCELLED("g"));
  run_yaml("no retries", none, "hi", -1, &e2);

  /* A retried processor's successful result feeds its dependents. */
  const char *feeds =
      "executor_options:\n  retry_attempts: 1\n"
      "processors:\n"
      "  - id: f\n    type: local\n    processor: flaky\n"
      "  - id: g\n    type: local\n    processor: reverse_text\n    depends_on: [f]\n";
  expect e3 =
      EXPECT(DW_RUN_SUCCEEDED, "!ih", OK_AFTER("f", "hi!", 2, "attempt=2"), OK("g", "!ih", NULL));
  run_yaml("retry then succeed", feeds, "hi", -1, &e3);
}

static int contains_time(const char *s) {
  for (; s && *s; s++)
    if (!strncasecmp(s, "time", 4)) return 1;
  return 0;
}

/* timeout_seconds limits one attempt: the processor sees dw_call_cancelled()
 * and the attempt fails with a timeout error even if it then returns 0. */
static void test_timeout(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - id: ok\n    type: local\n    processor: change_text_case_upper\n"
      "    timeout_seconds: 10\n"
      "  - id: sp\n    type: local\n    processor: spin\n    depends_on: [ok]\n"
      "    timeout_seconds: 0.05\n    retry_attempts: 1\n"
      "  - id: after\n    type: local\n    processor: reverse_text\n    depends_on: [sp]\n";
  const char *global =
      "executor_options:\n  timeout_seconds: 0.05\n"
      "processors:\n"
      "  - id: sp\n    type: local\n    processor: spin\n";
  for (int s = 0; s < 4; s++) {
    snprintf(g_ctx, sizeof g_ctx, "timeout, %s", dw_strategy_name(STRATEGIES[s]));
    dw_pipeline *p = load("timeout", yaml);
    dw_run_options o;
    options(&o, STRATEGIES[s], 2, -1);
    double t0 = now_s();
    dw_result *r = dw_pipeline_run(g_engine, p, "hi", 2, &o);
    double dt = now_s() - t0;
    expect e = EXPECT(DW_RUN_FAILED, "HI", OK("ok", "HI", NULL), FAILED("sp", ANY_ERROR, 2),
                      CANCELLED("after"));
    check_result(r, &e);
    const dw_proc_report *sp = dw_result_processor(r, 1);
    CHECK(sp->error_code != 555, "the spinning processor never saw dw_call_cancelled()");
    CHECK(contains_time(sp->error_message), "error \"%s\" does not say it timed out",
          sp->error_message);
    CHECK(dt < 5, "the run took %.1f s", dt);
    dw_result_free(r);
    dw_pipeline_free(p);

    snprintf(g_ctx, sizeof g_ctx, "global timeout, %s", dw_strategy_name(STRATEGIES[s]));
    p = load("global timeout", global);
    r = dw_pipeline_run(g_engine, p, "hi", 2, &o);
    expect e2 = EXPECT(DW_RUN_FAILED, "hi", FAILED("sp", ANY_ERROR, 1));
    check_result(r, &e2);
    CHECK(contains_time(dw_result_processor(r, 0)->error_message),
          "error \"%s\" does not say it timed out", dw_result_processor(r, 0)->error_message);
    dw_result_free(r);
    dw_pipeline_free(p);
  }
}

/* dw_run_cancel from another thread while the run is waited for. */
typedef struct waiter {
  dw_run *run;
  dw_result *result;
} waiter;

static void *wait_thread(void *arg) {
  waiter *w = arg;
  w->result = dw_run_wait(w->run);
  return NULL;
}

static void test_cancel(void **state) {
  (void)state;
  const char *yaml =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: sp\n    type: local\n    processor: spin\n    depends_on: [a]\n"
      "    options: {on_cancel: \"fail\"}\n"
      "  - id: c\n    type: local\n    processor: reverse_text\n    depends_on: [sp]\n";
  dw_pipeline *p = load("cancel", yaml);
  for (int s = 0; s < 4; s++) {
    snprintf(g_ctx, sizeof g_ctx, "cancel, %s", dw_strategy_name(STRATEGIES[s]));
    atomic_store(&g_spin.started, 0);
    dw_run_options o;
    options(&o, STRATEGIES[s], 2, -1);
    double t0 = now_s();
    waiter w = {dw_run_start(g_engine, p, "hi", 2, &o), NULL};
    CHECK(w.run != NULL, "dw_run_start failed");
    pthread_t th;
    CHECK(pthread_create(&th, NULL, wait_thread, &w) == 0, "pthread_create");
    while (!atomic_load(&g_spin.started) && now_s() - t0 < 10) sleep_ms(1);
    CHECK(atomic_load(&g_spin.started), "the spinning processor never started");
    dw_run_cancel(w.run);
    pthread_join(th, NULL);
    double dt = now_s() - t0;
    dw_result *r = w.result;
    CHECK(r != NULL, "no result");
    CHECK(dt < 5, "cancelling took %.1f s", dt);
    CHECK(dw_result_status(r) != DW_RUN_SUCCEEDED, "a cancelled run succeeded");
    CHECK(dw_result_count(r) == 3, "%zu processors", dw_result_count(r));
    check_proc(dw_result_processor(r, 0), &(exp_proc)OK("a", "HI", NULL));
    const dw_proc_report *sp = dw_result_processor(r, 1);
    CHECK(sp->status == DW_PROC_FAILED || sp->status == DW_PROC_CANCELLED,
          "sp: status %s after cancel", dw_proc_status_name(sp->status));
    CHECK(sp->error_code != 555, "sp never saw dw_call_cancelled()");
    CHECK(sp->output == NULL, "sp has an output");
    check_proc(dw_result_processor(r, 2), &(exp_proc)CANCELLED("c"));
    size_t len;
    const uint8_t *out = dw_result_output(r, &len);
    check_output("run", out, len, "HI");
    dw_result_free(r);
  }
  dw_pipeline_free(p);
}

/* A processor waiting out a retry back-off (a minute here) ends as soon as
 * the run is cancelled, or as soon as fail_fast's horizon passes below it:
 * nobody waits for its timer. */
static void test_retry_wait_ends(void **state) {
  (void)state;
  const char *yaml =
      "executor_options:\n  retry_attempts: 5\n"
      "processors:\n"
      "  - id: f\n    type: local\n    processor: flaky\n    options: {until: \"99\"}\n"
      "  - id: g\n    type: local\n    processor: reverse_text\n    depends_on: [f]\n";
  const char *horizon =
      "failure_strategy: fail_fast\n"
      "executor_options:\n  retry_attempts: 5\n"
      "processors:\n"
      "  - id: b\n    type: local\n    processor: boom\n    options: {ms: \"200\"}\n"
      "    retry_attempts: 0\n"
      "  - id: f\n    type: local\n    processor: flaky\n    options: {until: \"99\"}\n";
  dw_pipeline *p = load("retry wait, cancel", yaml);
  for (int s = 0; s < 4; s++) {
    /* loaded afresh each time: with no run behind it, both workers start
     * at once, so f is waiting out its back-off when b fails (after a run
     * with one long attempt, the calling thread would start alone, with b) */
    dw_pipeline *q = load("retry wait, fail_fast", horizon);
    snprintf(g_ctx, sizeof g_ctx, "cancel during a back-off, %s", dw_strategy_name(STRATEGIES[s]));
    dw_run_options o;
    options(&o, STRATEGIES[s], 2, -1);
    o.retry_base_ms = 60000;
    atomic_store(&g_flaky_calls, 0);
    double t0 = now_s();
    dw_run *run = dw_run_start(g_engine, p, "hi", 2, &o);
    CHECK(run != NULL, "dw_run_start failed");
    while (atomic_load(&g_flaky_calls) == 0 && now_s() - t0 < 10) sleep_ms(1);
    CHECK(atomic_load(&g_flaky_calls) == 1, "f was called %d times", atomic_load(&g_flaky_calls));
    sleep_ms(20); /* f's worker records the failure and arms the back-off */
    dw_run_cancel(run);
    dw_result *r = dw_run_wait(run);
    CHECK(now_s() - t0 < 10, "the run took %.1f s", now_s() - t0);
    /* f keeps its one attempt (a cancelled processor reports no error) */
    expect e =
        EXPECT(DW_RUN_FAILED, "hi", {"f", DW_PROC_CANCELLED, NULL, 1, 0, NULL}, CANCELLED("g"));
    check_result(r, &e);
    dw_result_free(r);

    snprintf(g_ctx, sizeof g_ctx, "fail_fast during a back-off, %s",
             dw_strategy_name(STRATEGIES[s]));
    atomic_store(&g_flaky_calls, 0);
    t0 = now_s();
    r = dw_pipeline_run(g_engine, q, "hi", 2, &o);
    CHECK(now_s() - t0 < 10, "the run took %.1f s", now_s() - t0);
    CHECK(atomic_load(&g_flaky_calls) == 1, "f was called %d times", atomic_load(&g_flaky_calls));
    expect e2 = EXPECT(DW_RUN_FAILED, "hi", FAILED("b", 422, 1), CANCELLED("f"));
    check_result(r, &e2);
    dw_result_free(r);
    dw_pipeline_free(q);
  }
  dw_pipeline_free(p);
}

/* ------------------------------------------------------------ section 5 */

static void check_concurrency(const char *label, const char *yaml, unsigned mc, int want) {
  dw_pipeline *p = load(label, yaml);
  for (int s = 0; s < 4; s++) {
    snprintf(g_ctx, sizeof g_ctx, "%s, %s, max_concurrency %u", label,
             dw_strategy_name(STRATEGIES[s]), mc);
    atomic_store(&g_busy.running, 0);
    atomic_store(&g_busy.max, 0);
    atomic_store(&g_busy.target, want);
    dw_run_options o;
    options(&o, STRATEGIES[s], mc, -1);
    dw_result *r = dw_pipeline_run(g_engine, p, "x", 1, &o);
    CHECK(r && dw_result_status(r) == DW_RUN_SUCCEEDED, "the run did not succeed");
    int max = atomic_load(&g_busy.max);
    CHECK(max <= (int)mc, "%d processors ran at once, max_concurrency is %u", max, mc);
    CHECK(max == want, "at most %d processors ran at once, expected %d", max, want);
    dw_result_free(r);
  }
  dw_pipeline_free(p);
}

/* max_concurrency is a hard bound, and is reached when the graph allows. */
static void test_max_concurrency(void **state) {
  (void)state;
  char wide[4096];
  int o = snprintf(wide, sizeof wide, "processors:\n");
  for (int i = 0; i < 8; i++)
    o += snprintf(wide + o, sizeof wide - (size_t)o,
                  "  - id: w%d\n    type: local\n    processor: busy\n", i);
  o += snprintf(wide + o, sizeof wide - (size_t)o,
                "  - id: sink\n    type: local\n    processor: busy\n"
                "    depends_on: [w0, w1, w2, w3, w4, w5, w6, w7]\n");
  static const unsigned MCS[4] = {1, 2, 3, 8};
  for (int m = 0; m < 4; m++) check_concurrency("8 wide", wide, MCS[m], (int)MCS[m]);

  const char *diamond =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: busy\n    options: {hold: \"no\"}\n"
      "  - id: b\n    type: local\n    processor: busy\n    depends_on: [a]\n"
      "  - id: c\n    type: local\n    processor: busy\n    depends_on: [a]\n"
      "  - id: d\n    type: local\n    processor: busy\n    depends_on: [b, c]\n"
      "    options: {hold: \"no\"}\n";
  check_concurrency("diamond", diamond, 8, 2);
  const char *chain =
      "processors:\n"
      "  - id: a\n    type: local\n    processor: busy\n"
      "  - id: b\n    type: local\n    processor: busy\n    depends_on: [a]\n"
      "  - id: c\n    type: local\n    processor: busy\n    depends_on: [b]\n";
  check_concurrency("chain", chain, 8, 1);
}

/* ------------------------------------------- pipelines read from files */

typedef struct config_case {
  const char *file;
  const char *input;
  dw_strategy strategy; /* as configured; hybrid: runs one of the other three */
  dw_failure_strategy fs;
  expect e;
} config_case;

/* Loads each case's file from dir and checks its results on every executor
 * and as configured. */
static void run_cases(const char *dir, const config_case *cases, size_t n) {
  for (size_t i = 0; i < n; i++) {
    const config_case *k = &cases[i];
    char path[PATH_MAX + 256];
    snprintf(path, sizeof path, "%s/%s", dir, k->file);
    snprintf(g_ctx, sizeof g_ctx, "%s: load", k->file);
    dw_diags *d = NULL;
    dw_pipeline *p = dw_pipeline_load_file(g_engine, path, NULL, &d);
    for (size_t j = 0; !p && d && j < dw_diags_count(d); j++) {
      char buf[512];
      dw_diag_format(dw_diags_get(d, j), buf, sizeof buf);
      fprintf(stderr, "%s\n", buf);
    }
    dw_diags_free(d);
    CHECK(p != NULL, "%s did not load", path);
    CHECK(dw_pipeline_strategy(p) == k->strategy, "strategy %s",
          dw_strategy_name(dw_pipeline_strategy(p)));
    CHECK(dw_pipeline_failure_strategy(p) == k->fs, "failure strategy %s",
          dw_failure_strategy_name(dw_pipeline_failure_strategy(p)));
    run_pipeline(k->file, p, k->input, -1, &k->e);
    /* The pipeline's own settings (strategy, max_concurrency, retries). */
    dw_run_options o;
    dw_run_options_init(&o);
    o.hostname = HOST;
    snprintf(g_ctx, sizeof g_ctx, "%s, as configured", k->file);
    dw_result *r = dw_pipeline_run(g_engine, p, k->input, strlen(k->input), &o);
    check_result(r, &k->e);
    if (k->strategy == DW_STRATEGY_HYBRID)
      CHECK(dw_result_strategy(r) != DW_STRATEGY_HYBRID, "hybrid reported no choice");
    else
      CHECK(dw_result_strategy(r) == k->strategy, "ran %s",
            dw_strategy_name(dw_result_strategy(r)));
    const char *cfg = dw_result_config(r);
    size_t cl = cfg ? strlen(cfg) : 0, fl = strlen(k->file);
    CHECK(cfg && cl >= fl && !strcmp(cfg + cl - fl, k->file), "config_file %s",
          cfg ? cfg : "(null)");
    dw_result_free(r);
    dw_pipeline_free(p);
  }
}

/* examples/pipelines that use only built-ins, results worked out by hand. */
static void test_example_configs(void **state) {
  (void)state;
  const config_case cases[] = {
      {"chain.yaml", "hello world", DW_STRATEGY_WORK_QUEUE, DW_FAILURE_FAIL_FAST,
       EXPECT(DW_RUN_SUCCEEDED, "[DLROW OLLEH]", OK("upper", "HELLO WORLD", NULL),
              OK("reverse", "DLROW OLLEH", NULL), OK("brackets", "[DLROW OLLEH]", NULL))},
      /* join takes whisper's output (input_from), not the highest-ranked one */
      {"branches.yaml", "Hello World", DW_STRATEGY_LEVEL, DW_FAILURE_CONTINUE_ON_ERROR,
       EXPECT(DW_RUN_SUCCEEDED, "whisper: hello world", OK("shout", "HELLO WORLD", NULL),
              OK("whisper", "hello world", NULL), OK("backwards", "DLROW OLLEH", NULL),
              OK("join", "whisper: hello world", NULL))},
      /* frame takes title's output: the analyzers pass normalize's on */
      {"demo.yaml", "The Lord OF the Rings", DW_STRATEGY_HYBRID, DW_FAILURE_FAIL_FAST,
       EXPECT(DW_RUN_SUCCEEDED, "<< The Lord of the Rings >>",
              OK("normalize", "the lord of the rings", NULL),
              OK("count", "the lord of the rings", "char_count=21;word_count=5;line_count=1"),
              OK("frequencies", "the lord of the rings",
                 "word_freq_the=2;word_freq_lord=1;word_freq_of=1;word_freq_rings=1;"
                 "total_unique_words=4"),
              OK("title", "The Lord of the Rings", NULL),
              OK("frame", "<< The Lord of the Rings >>", NULL))},
  };
  const char *src = getenv("DW_SOURCE_DIR");
  char dir[900];
  snprintf(dir, sizeof dir, "%s/examples/pipelines", src && *src ? src : ".");
  run_cases(dir, cases, sizeof cases / sizeof cases[0]);
}

/* Every pipeline of the original project that uses only built-ins, with
 * results worked out by hand from PIPELINES sections 2 and 3. */
static void test_original_configs(void **state) {
  (void)state;
  const expect simple =
      EXPECT(DW_RUN_SUCCEEDED, "[DLROW OLLEH]", OK("to_uppercase", "HELLO WORLD", NULL),
             OK("reverse_text", "DLROW OLLEH", NULL), OK("add_brackets", "[DLROW OLLEH]", NULL));
  const config_case cases[] = {
      {"simple-text-pipeline.yaml", "hello world", DW_STRATEGY_WORK_QUEUE, DW_FAILURE_FAIL_FAST,
       simple},
      {"strategy-levelbylevel-demo.yaml", "hello world", DW_STRATEGY_LEVEL, DW_FAILURE_FAIL_FAST,
       simple},
      {"strategy-reactive-demo.yaml", "hello world", DW_STRATEGY_REACTIVE, DW_FAILURE_FAIL_FAST,
       simple},
      {"strategy-workqueue-demo.yaml", "hello world", DW_STRATEGY_WORK_QUEUE, DW_FAILURE_FAIL_FAST,
       simple},
      {"failure-handling-demo.yaml", "Hello World", DW_STRATEGY_WORK_QUEUE,
       DW_FAILURE_CONTINUE_ON_ERROR,
       EXPECT(DW_RUN_SUCCEEDED, "B: hello world", OK("entry_processor", "hello world", NULL),
              OK("branch_a_transform", "dlrow olleh", NULL),
              OK("branch_b_analysis", "hello world", "char_count=11;word_count=2;line_count=1"),
              OK("branch_c_transform", "HELLO WORLD", NULL),
              OK("resilient_processor_a", "A: dlrow olleh", NULL),
              OK("resilient_processor_b", "B: hello world", NULL),
              OK("final_collector", "B: hello world",
                 "word_freq_b=1;word_freq_hello=1;word_freq_world=1;total_unique_words=3"))},
      {"metadata-isolation-showcase.yaml", "Hello World", DW_STRATEGY_WORK_QUEUE,
       DW_FAILURE_FAIL_FAST,
       EXPECT(DW_RUN_SUCCEEDED, "B_RESULT: Hello World :B_END",
              OK("entry_branch_a", "hello world", NULL), OK("entry_branch_b", "HELLO WORLD", NULL),
              OK("branch_a_analyzer", "hello world", "char_count=11;word_count=2;line_count=1"),
              OK("branch_a_transform", "dlrow olleh", NULL),
              OK("branch_a_final", "A_RESULT: dlrow olleh :A_END", NULL),
              OK("branch_b_analyzer", "HELLO WORLD",
                 "word_freq_hello=1;word_freq_world=1;total_unique_words=2"),
              OK("branch_b_transform", "Hello World", NULL),
              OK("branch_b_final", "B_RESULT: Hello World :B_END", NULL),
              OK("cross_branch_collector", "B_RESULT: Hello World :B_END",
                 "char_count=28;word_count=4;line_count=1"))},
      {"parallel-analysis-pipeline.yaml", "hello WORLD", DW_STRATEGY_WORK_QUEUE,
       DW_FAILURE_FAIL_FAST,
       EXPECT(DW_RUN_SUCCEEDED, ">>> RESULT: dlroW olleH <<<",
              OK("normalize_input", "Hello World", NULL),
              OK("count_tokens", "Hello World", "char_count=11;word_count=2;line_count=1"),
              OK("analyze_frequency", "Hello World",
                 "word_freq_hello=1;word_freq_world=1;total_unique_words=2"),
              OK("reverse_normalized", "dlroW olleH", NULL),
              OK("final_formatting", ">>> RESULT: dlroW olleH <<<", NULL))},
      {"topological-ranking-demo.yaml", "the lord OF the rings", DW_STRATEGY_WORK_QUEUE,
       DW_FAILURE_FAIL_FAST,
       EXPECT(
           DW_RUN_SUCCEEDED, "FINAL: THE LORD OF THE RINGS :END",
           OK("input_normalizer", "the lord of the rings", NULL),
           OK("input_analyzer", "the lord OF the rings", "char_count=21;word_count=5;line_count=1"),
           OK("transform_rank_1a", "The Lord Of The Rings", NULL),
           OK("transform_rank_1b", "sgnir eht fo drol eht", NULL),
           OK("analysis_rank_1", "the lord OF the rings",
              "word_freq_the=2;word_freq_lord=1;word_freq_of=1;word_freq_rings=1;"
              "total_unique_words=4"),
           OK("transform_rank_2_high_priority", "The Lord of the Rings", NULL),
           OK("analysis_rank_2", "sgnir eht fo drol eht",
              "char_count=21;word_count=5;line_count=1"),
           OK("final_transform_highest_rank", "THE LORD OF THE RINGS", NULL),
           OK("final_formatter", "FINAL: THE LORD OF THE RINGS :END", NULL))},
      {"walkthrough/01-hello-world.yaml", "hello world", DW_STRATEGY_WORK_QUEUE,
       DW_FAILURE_FAIL_FAST,
       EXPECT(DW_RUN_SUCCEEDED, "HELLO WORLD", OK("hello_processor", "HELLO WORLD", NULL))},
      {"walkthrough/02-text-pipeline.yaml", "hello world", DW_STRATEGY_WORK_QUEUE,
       DW_FAILURE_FAIL_FAST,
       EXPECT(DW_RUN_SUCCEEDED, ">>> DLROW OLLEH <<<", OK("uppercase", "HELLO WORLD", NULL),
              OK("reverse", "DLROW OLLEH", NULL), OK("add_prefix", ">>> DLROW OLLEH <<<", NULL))},
      {"walkthrough/03-diamond-analysis.yaml", "Hello hello World", DW_STRATEGY_WORK_QUEUE,
       DW_FAILURE_FAIL_FAST,
       EXPECT(DW_RUN_SUCCEEDED, "Analysis Complete: hello hello world [END]",
              OK("prepare_text", "hello hello world", NULL),
              OK("count_tokens", "hello hello world", "char_count=17;word_count=3;line_count=1"),
              OK("analyze_frequency", "hello hello world",
                 "word_freq_hello=2;word_freq_world=1;total_unique_words=2"),
              OK("final_summary", "Analysis Complete: hello hello world [END]", NULL))},
  };
  run_cases(dw_originals_dir(), cases, sizeof cases / sizeof cases[0]);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_analyzer_passthrough),
      cmocka_unit_test(test_input_choice),
      cmocka_unit_test(test_input_from),
      cmocka_unit_test(test_run_output),
      cmocka_unit_test(test_intent_override),
      cmocka_unit_test(test_metadata),
      cmocka_unit_test(test_fail_fast),
      cmocka_unit_test(test_fail_fast_keeps_successes),
      cmocka_unit_test(test_continue_on_error),
      cmocka_unit_test(test_best_effort),
      cmocka_unit_test(test_failure_codes),
      cmocka_unit_test(test_retries),
      cmocka_unit_test(test_timeout),
      cmocka_unit_test(test_retry_wait_ends),
      cmocka_unit_test(test_options_outlive_yaml),
      cmocka_unit_test(test_cancel),
      cmocka_unit_test(test_max_concurrency),
      cmocka_unit_test(test_example_configs),
  };
  const struct CMUnitTest originals[] = {
      cmocka_unit_test(test_original_configs),
  };
  DW_ORIGINALS_MAIN(argc, argv, tests, originals, setup, teardown);
}
