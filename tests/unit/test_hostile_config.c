/* tests/unit/test_hostile_config: the pipeline loader against hostile input.
 * Every file of tests/hostile/config must be refused (NULL) or loaded with
 * errors — never crash, hang or blow up memory — and each takes bounded
 * time. Inputs too big to keep in the repository (64 MiB, 1 MB scalars,
 * 100 000 anchors, millions of values) are made here, and a seeded mutation
 * loop throws damaged versions of a valid pipeline at the loader. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <cmocka.h>

#include "config/spec.h"
#include "util/diag.h"

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
};
static const char *names[8];

static const dw_processor_def *lookup(void *ctx, const char *name) {
  (void)ctx;
  for (size_t i = 0; i < 8; i++)
    if (strcmp(defs[i].name, name) == 0) return &defs[i];
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

typedef struct {
  dw_spec *s;
  dw_diags *d;
  double secs;
} res;

static res parse(const char *label, const char *data, size_t len) {
  for (size_t i = 0; i < 8; i++) names[i] = defs[i].name;
  dw_spec_env e = {lookup, NULL, names, 8, false};
  res r;
  r.d = dw_diags_new();
  assert_non_null(r.d);
  double t0 = now();
  r.s = dw_spec_parse(label, ".", data, len, &e, r.d);
  r.secs = now() - t0;
  dw_diags_sort(r.d);
  return r;
}

static void done(res *r) {
  dw_spec_free(r->s);
  dw_diags_free(r->d);
}

/* What every entry must look like, whatever the input. */
static void check_diags(const res *r, const char *label) {
  char buf[4096];
  for (size_t i = 0; i < dw_diags_count(r->d); i++) {
    const dw_diag *g = dw_diags_get(r->d, i);
    assert_non_null(g->message);
    assert_non_null(g->file);
    assert_string_equal(g->file, label);
    int n = dw_diag_format(g, buf, sizeof buf);
    assert_true(n > 0 && n < (int)sizeof buf);
    assert_true(strlen(g->message) < 1100);
  }
}

/* Hostile means: refused, or loaded with at least one error. */
static void expect_rejected(const res *r, const char *label) {
  check_diags(r, label);
  if (dw_diags_errors(r->d) == 0) {
    print_message("%s: loaded without errors (%zu warnings)\n", label, dw_diags_count(r->d));
    fail();
  }
}

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

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void test_corpus(void **state) {
  (void)state;
  char dir[1024];
  const char *src = getenv("DW_SOURCE_DIR");
  snprintf(dir, sizeof dir, "%s/tests/hostile/config", src ? src : ".");
  DIR *dp = opendir(dir);
  if (!dp) fail_msg("corpus folder %s not found", dir);
  char *files[512];
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(dp)) && n < 512)
    if (de->d_name[0] != '.' && strcmp(de->d_name, "README.md") != 0)
      files[n++] = strdup(de->d_name);
  closedir(dp);
  qsort(files, n, sizeof files[0], cmp_str);
  assert_true(n >= 40);
  for (size_t i = 0; i < n; i++) {
    char path[1600];
    snprintf(path, sizeof path, "%s/%s", dir, files[i]);
    size_t len = 0;
    char *data = read_all(path, &len);
    assert_non_null(data);
    res r = parse(files[i], data, len);
    print_message("%-36s %s %4zu errors %.3f s\n", files[i], r.s ? "loaded " : "refused",
                  dw_diags_errors(r.d), r.secs);
    expect_rejected(&r, files[i]);
    assert_true(r.secs < 5.0);
    done(&r);
    free(data);
    free(files[i]);
  }
}

/* Specific outcomes for some corpus-like inputs. */
static void test_specific_outcomes(void **state) {
  (void)state;
  /* deep nesting: refused at the 65th level, positioned */
  char deep[20001];
  memset(deep, '[', 10000);
  memset(deep + 10000, ']', 10000);
  deep[20000] = 0;
  res r = parse("deep.yaml", deep, 20000);
  assert_null(r.s);
  assert_int_equal(dw_diags_count(r.d), 1);
  const dw_diag *g = dw_diags_get(r.d, 0);
  assert_int_equal(g->line, 1);
  assert_int_equal(g->column, 65);
  assert_string_equal(g->message,
                      "YAML nesting is deeper than 64 levels; no pipeline needs that: "
                      "flatten it");
  done(&r);

  /* 64 levels are fine */
  char ok[512];
  size_t o = (size_t)sprintf(ok, "processors: []\nx: ");
  for (int i = 0; i < 63; i++) ok[o++] = '[';
  for (int i = 0; i < 63; i++) ok[o++] = ']';
  ok[o] = 0;
  r = parse("ok.yaml", ok, o);
  assert_non_null(r.s);
  assert_int_equal(dw_diags_errors(r.d), 0);
  done(&r);

  /* block style: "- - - ..." */
  char *blk = malloc(20002);
  for (int i = 0; i < 10000; i++) memcpy(blk + 2 * i, "- ", 2);
  blk[20000] = 'x';
  blk[20001] = 0;
  r = parse("blk.yaml", blk, 20001);
  assert_null(r.s);
  assert_non_null(strstr(dw_diags_get(r.d, 0)->message, "deeper than 64"));
  done(&r);
  free(blk);

  /* NUL bytes: libyaml's reader refuses them */
  r = parse("nul.yaml", "processors: []\0\n", 16);
  assert_null(r.s);
  assert_non_null(strstr(dw_diags_get(r.d, 0)->message, "control characters are not allowed"));
  done(&r);
}

static void test_too_big(void **state) {
  (void)state;
  size_t len = (size_t)DW_SPEC_MAX_BYTES + 1;
  char *big = malloc(len);
  assert_non_null(big);
  memset(big, ' ', len);
  res r = parse("big.yaml", big, len);
  assert_null(r.s);
  assert_int_equal(dw_diags_count(r.d), 1);
  const dw_diag *g = dw_diags_get(r.d, 0);
  assert_int_equal(g->line, 0);
  assert_string_equal(g->message,
                      "the file is 67108865 bytes; pipeline files are limited to 64 MiB");
  assert_true(r.secs < 0.5); /* refused without reading */
  done(&r);
  free(big);
}

static void test_huge_scalar(void **state) {
  (void)state;
  size_t n = 1 << 20;
  char *y = malloc(n + 256);
  size_t o = (size_t)sprintf(y,
                             "processors:\n  - id: a\n    type: local\n"
                             "    processor: prefix_suffix_adder\n    options:\n      prefix: ");
  memset(y + o, 'z', n);
  o += n;
  o += (size_t)sprintf(y + o, "\n");
  res r = parse("huge.yaml", y, o);
  assert_non_null(r.s);
  assert_int_equal(dw_diags_count(r.d), 0);
  const dw_val *v = dw_val_get(r.s->procs[0].options, "prefix");
  assert_int_equal(v->len, n);
  assert_int_equal(strlen(v->str), n);
  done(&r);

  /* a 1 MB id, duplicated: the message shows it shortened */
  o = (size_t)sprintf(y, "processors:\n  - id: ");
  memset(y + o, 'i', n);
  o += n;
  o += (size_t)sprintf(y + o, "\n    type: grpc\n");
  r = parse("hugeid.yaml", y, o);
  assert_non_null(r.s);
  assert_int_equal(dw_diags_count(r.d), 1);
  const dw_diag *g = dw_diags_get(r.d, 0);
  assert_true(strlen(g->message) < 300);
  assert_non_null(strstr(g->message, "iii...': processor type 'grpc' is not supported yet"));
  assert_null(g->processor_id); /* too long to copy around */
  done(&r);
  free(y);
}

static void test_many_anchors(void **state) {
  (void)state;
  enum { N = 100000 };
  char *y = malloc((size_t)N * 40 + 64);
  size_t o = (size_t)sprintf(y, "processors: []\nx:\n");
  for (int i = 0; i < N; i++) o += (size_t)sprintf(y + o, "  - &a%d v\n", i);
  for (int i = 0; i < N; i++) o += (size_t)sprintf(y + o, "  - *a%d\n", N - 1 - i);
  res r = parse("anchors.yaml", y, o);
  print_message("100 000 anchors + aliases: %.3f s\n", r.secs);
  assert_non_null(r.s);
  assert_int_equal(dw_diags_errors(r.d), 0);
  assert_true(r.secs < 3.0); /* libyaml's own loader: quadratic, ~40 s */
  done(&r);
  free(y);
}

static void test_node_limit(void **state) {
  (void)state;
  size_t nvals = (size_t)DW_SPEC_MAX_NODES + 10;
  char *y = malloc(nvals * 2 + 64);
  size_t o = (size_t)sprintf(y, "x: [");
  for (size_t i = 0; i < nvals; i++) y[o++] = '1', y[o++] = ',';
  y[o - 1] = ']';
  y[o] = 0;
  res r = parse("nodes.yaml", y, o);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  print_message("%zu values refused in %.3f s, peak RSS %ld MiB\n", nvals, r.secs,
                ru.ru_maxrss / 1024);
  assert_null(r.s);
  assert_int_equal(dw_diags_count(r.d), 1);
  assert_non_null(strstr(dw_diags_get(r.d, 0)->message, "more than 4194304 YAML values"));
  done(&r);
  free(y);
}

static void test_diag_cap(void **state) {
  (void)state;
  enum { N = 3000 };
  char *y = malloc((size_t)N * 64 + 64);
  size_t o = (size_t)sprintf(y, "processors: []\n");
  for (int i = 0; i < N; i++) o += (size_t)sprintf(y + o, "k%d: 1\n", i);
  for (int i = 0; i < N; i++) o += (size_t)sprintf(y + o, "strategy: s%d\n", i);
  res r = parse("cap.yaml", y, o);
  assert_non_null(r.s);
  /* 1 bad strategy + 2999 duplicate keys = 3000 errors, 3000 warnings */
  assert_int_equal(dw_diags_errors(r.d), N);
  assert_int_equal(dw_diags_count(r.d), 2002);
  const dw_diag *a = dw_diags_get(r.d, 0), *b = dw_diags_get(r.d, 1);
  assert_string_equal(a->message,
                      "2000 more errors not shown (at most 1000 are listed): fix these first");
  assert_int_equal(a->severity, DW_SEV_ERROR);
  assert_string_equal(b->message, "2000 more warnings not shown (at most 1000 are listed)");
  assert_int_equal(b->severity, DW_SEV_WARNING);
  done(&r);
  free(y);
}

/* Seeded mutations of a valid pipeline: byte flips, insertions of YAML
 * punctuation, truncations, duplicated slices. Only "no crash, no leak" is
 * checked (ASan and the leak checker do the work). */
static void test_mutations(void **state) {
  (void)state;
  static const char base[] =
      "strategy: work_queue\n"
      "failure_strategy: fail_fast\n"
      "executor_options: {max_concurrency: 4, timeout_seconds: 1.5, retry_attempts: 2}\n"
      "wasm:\n  fuel: {default: 100, minimum: 10, maximum: 1000}\n  max_memory_mb: 32\n"
      "x: &anc [1, 2, {k: v}]\n"
      "processors:\n"
      "  - id: a\n    type: local\n    processor: change_text_case_upper\n"
      "  - id: b\n    type: wasm\n    module: m.wasm\n    depends_on: [a]\n"
      "    options: {intent: analyze, fuel_level: 5, y: *anc}\n"
      "  - id: c\n    type: local\n    processor: prefix_suffix_adder\n"
      "    depends_on:\n      - a\n      - b\n    input_from: b\n"
      "    options:\n      prefix: \"<\\u00e9\"\n      suffix: '>'\n";
  static const char punct[] = "-:[]{},&*!|>'\"%@`#?\n\t \\\x00\xff\xc3";
  size_t blen = sizeof base - 1;
  char *buf = malloc(blen * 3 + 16);
  uint64_t seed = 0x9e3779b97f4a7c15ull;
  size_t loaded = 0, refused = 0;
  for (int it = 0; it < 3000; it++) {
    memcpy(buf, base, blen);
    size_t len = blen;
    int edits = 1 + it % 4;
    for (int e = 0; e < edits; e++) {
      seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
      size_t pos = (size_t)(seed % len);
      switch ((seed >> 32) % 5) {
        case 0: /* replace a byte */
          buf[pos] = punct[(seed >> 40) % (sizeof punct - 1)];
          break;
        case 1: /* insert a byte */
          memmove(buf + pos + 1, buf + pos, len - pos);
          buf[pos] = punct[(seed >> 40) % (sizeof punct - 1)];
          len++;
          break;
        case 2: /* delete a byte */
          memmove(buf + pos, buf + pos + 1, len - pos - 1);
          len--;
          break;
        case 3: /* truncate */
          len = pos;
          break;
        default: { /* duplicate a slice */
          size_t k = (size_t)((seed >> 40) % 40);
          if (pos + k > len) k = len - pos;
          if (len + k <= blen * 3) {
            memmove(buf + pos + k, buf + pos, len - pos);
            len += k;
          }
        }
      }
      if (len == 0) break;
    }
    res r = parse("m.yaml", buf, len);
    check_diags(&r, "m.yaml");
    if (r.s)
      loaded++;
    else
      refused++;
    done(&r);
  }
  print_message("mutations: %zu loaded, %zu refused\n", loaded, refused);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_corpus),       cmocka_unit_test(test_specific_outcomes),
      cmocka_unit_test(test_too_big),      cmocka_unit_test(test_huge_scalar),
      cmocka_unit_test(test_many_anchors), cmocka_unit_test(test_node_limit),
      cmocka_unit_test(test_diag_cap),     cmocka_unit_test(test_mutations),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
