/* tests/unit/test_yaml_fast: the hand-written YAML reader (config/yaml_fast)
 * against libyaml's (config/yaml_tree). Whatever the fast reader accepts must
 * be exactly the tree libyaml's events give: kinds, texts and lengths,
 * quoting, every value's and key's position, key order. The typical shapes of
 * a pipeline must be accepted (or the fast path would silently never run),
 * and every error, and every construct outside its subset, declined. The
 * checks run over hand-written snippets, the example pipelines, the hostile
 * corpus, and (DW_YAML_BENCH=FILE) time both readers on a file. With the
 * argument "originals": over the original project's pipelines
 * (DAGWOOD_ORIGINAL_CONFIGS, see originals.h). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "config/internal.h"
#include "originals.h"
#include "util/diag.h"

/* ------------------------------------------------------------ comparison */

static bool same_pos(dw_pos a, dw_pos b) { return a.line == b.line && a.col == b.col; }

/* The first difference between two trees, described in buf; false if none. */
static bool differ(const dw_val *a, const dw_val *b, char *buf, size_t bn, unsigned depth) {
  if (a->kind != b->kind || !same_pos(a->pos, b->pos) || a->len != b->len ||
      a->quoted != b->quoted || a->n != b->n) {
    snprintf(buf, bn,
             "value at %u:%u (kind %d len %zu q %d n %u) vs %u:%u (kind %d len %zu q %d n %u)",
             a->pos.line, a->pos.col, a->kind, a->len, a->quoted, a->n, b->pos.line, b->pos.col,
             b->kind, b->len, b->quoted, b->n);
    return true;
  }
  if (!a->str || !b->str || memcmp(a->str, b->str, a->len + 1) != 0) {
    snprintf(buf, bn, "text at %u:%u: '%s' vs '%s'", a->pos.line, a->pos.col,
             a->str ? a->str : "(null)", b->str ? b->str : "(null)");
    return true;
  }
  if (a->kind == DW_VAL_NULL || a->kind == DW_VAL_SCALAR) {
    if (a->items || b->items || a->keys || b->keys) {
      snprintf(buf, bn, "scalar at %u:%u has items", a->pos.line, a->pos.col);
      return true;
    }
    return false;
  }
  if (depth > DW_SPEC_MAX_DEPTH + 1 || !a->items || !b->items) {
    snprintf(buf, bn, "collection at %u:%u: depth %u or no items", a->pos.line, a->pos.col, depth);
    return true;
  }
  if (a->kind == DW_VAL_MAP && (!a->keys || !b->keys || !a->key_pos || !b->key_pos)) {
    snprintf(buf, bn, "mapping at %u:%u without keys", a->pos.line, a->pos.col);
    return true;
  }
  for (uint32_t i = 0; i < a->n; i++) {
    if (a->kind == DW_VAL_MAP &&
        (strcmp(a->keys[i], b->keys[i]) != 0 || !same_pos(a->key_pos[i], b->key_pos[i]))) {
      snprintf(buf, bn, "key %u of %u:%u: '%s' at %u:%u vs '%s' at %u:%u", i, a->pos.line,
               a->pos.col, a->keys[i], a->key_pos[i].line, a->key_pos[i].col, b->keys[i],
               b->key_pos[i].line, b->key_pos[i].col);
      return true;
    }
    if (differ(&a->items[i], &b->items[i], buf, bn, depth + 1)) return true;
  }
  return false;
}

enum { DECLINED, ACCEPTED };

/* Run both readers; fail the test on any difference. */
static int diff_check(const char *data, size_t len, const char *what) {
  dw_arena fa, la;
  dw_arena_init(&fa);
  dw_arena_init(&la);
  const dw_val *fast = NULL;
  bool accepted = dw_cfg_read_yaml_fast(&fa, data, len, &fast);
  dw_diags *d = dw_diags_new();
  assert_non_null(d);
  dw_cfg_report r;
  dw_cfg_report_init(&r, d, "t.yaml");
  const dw_val *slow = dw_cfg_read_yaml_libyaml(&la, &r, data, len);
  char buf[512];
  if (accepted) {
    if (!fast) fail_msg("%s: accepted without a tree", what);
    if (!slow || dw_diags_count(d) != 0) {
      const dw_diag *g = dw_diags_count(d) ? dw_diags_get(d, 0) : NULL;
      fail_msg("%s: accepted, but libyaml reports %s", what, g ? g->message : "nothing read");
    }
    if (differ(fast, slow, buf, sizeof buf, 0)) fail_msg("%s: %s", what, buf);
  } else if (fast) {
    fail_msg("%s: declined with a tree", what);
  }
  dw_diags_free(d);
  dw_arena_free(&fa);
  dw_arena_free(&la);
  return accepted ? ACCEPTED : DECLINED;
}

static int check_str(const char *s) { return diff_check(s, strlen(s), s); }

static void expect(const char *s, int want) {
  int got = check_str(s);
  if (got != want) fail_msg("%s: %s", want == ACCEPTED ? "declined" : "accepted", s);
}

/* ------------------------------------------------------------ snippets */

static const char *const accepted[] = {
    /* the shapes pipelines use */
    "processors:\n  - id: a\n    type: local\n    processor: reverse_text\n",
    "processors:\n- id: a\n  type: local\n  depends_on: [x, y]\n",
    "strategy: level  # why\nfailure_strategy: best_effort\n\nexecutor_options:\n"
    "  max_concurrency: 6\n\n# fuel\nwasm:\n  fuel:\n    default: 100000000    # 100M\n"
    "    minimum: 1000000\n",
    "processors:\n  - id: n6\n    options: {prefix: \"\", suffix: \"\"}\n",
    "processors:\n  - id: a\n    depends_on: []\n    options: {}\n",
    "processors: []\n",
    "processors:\n  - id: a\n    options:\n      count_type: \"characters\"\n      n: 3\n",
    "processors:\n  - id: a\n    depends_on:\n      - b\n      - c\n  - id: b\n",
    "processors:\n  - id: a\n    depends_on:\n    - b\n    - c\n    type: local\n",
    "a: 'single'\nb: \"double\"\nc: 'it''s'\nd: \"say \\\"hi\\\"\\n\\t\\\\ \\/\"\n",
    "a: \"\\0\\a\\b\\v\\f\\r\\e\\ \\N\\_\\L\\P\"\n",
    "a: \"\\x41\\u00e9\\u20AC\\U0001F600\\x00\"\n",
    "\"quoted key\": 1\n'single key' : 2\n",
    /* empty values, nulls */
    "a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: 'null'\ng: \"\"\n",
    "a:\n  b:\n  c:\n",
    "- \n- a\n-\n",
    "-\n  - x\n  -\n- - y\n  - z\n",
    "a:   \n  # only a comment\nb: 1\n",
    "a: # comment\n  b: 1\n",
    "a:\n  value on next line\nb: 2\n",
    "key: \"x\"   # trailing\n",
    /* plain scalars */
    "url: http://example.com/a:b\nx: a#b\ny: a  b   c   \nz: -1\nw: -x\nv: .5\nu: a]b}c\n",
    "a: b:c\nk ey : v\nt: true\nn: 0x1F\n",
    "a b c\n",
    "'root'\n",
    "[a, b, 'c', \"d\"]\n",
    "{a: 1, b: [x, {c: d}], 'e': \"f\"}\n",
    "a: [ a , b ]\nb: {  x: y  }\nc: [[], {}]\n",
    "  a: 1\n  b: 2\n",
    "# head\n\n\na: 1\n\n# tail\n",
    "a: 1",
    "a:",
    "- a\n- b",
    "a: \"x\"",
    /* non-ASCII: columns count characters */
    "é: ü\nzß: [ä, 'ö', \"€\"]\nx: 😀 y\n",
    "- id: 'naïve'\n  t: \"日本語\"  # コメント\n",
    /* compact forms */
    "- - - a\n    - b\n  - c\n- d\n",
    "-   id: x\n    type: y\n",
    "- a:\n  - b\n  c: d\n- e\n",
    "a:\n- b\n- c\nd:\n- e\n",
};

static const char *const declined[] = {
    "",
    "# only\n",
    "\n\n",
    "---\na: 1\n",
    "a: 1\n...\n",
    "%YAML 1.1\n---\na: 1\n",
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: |\n  x\n",
    "a: >\n  x\n",
    "? a\n: b\n",
    "a: 1\na: 2\n",
    "{a: 1, a: 2}\n",
    "a:\tb\n",
    "a: b\r\n",
    "a: b\rc: d\n",
    "\xEF\xBB\xBF\x61: 1\n", /* BOM */
    "a: b\n  c\n",
    "a: 'x\n  y'\n",
    "a: \"x\n y\"\n",
    "a: [b,\n  c]\n",
    "a: {b: c\n}\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a:\n  b: 1\n c: 2\n",
    "a: 1\n  b: 2\n",
    "a: \"\\q\"\n",
    "a: \"\\uD800\"\n",
    "a: \"\\x4\"\n",
    "a: \"x\"y\n",
    "a: 'x'#c\n",
    "[a]: b\n",
    "{a: b}: c\n",
    "a: [a, ]\n",
    "a: [,]\n",
    "a: {b}\n",
    "a: {b: }\n",
    "a: [b: c]\n",
    "a: [b:c]\n",
    "a: - b\n",
    "a: -\n",
    "- a\n  - b\n",
    "a\nb\n",
    "a: 1\n---\nb: 2\n",
    "a: \xC3\x28\n",
    "a: \xC2\x85\n",
    "a: \xE2\x80\xA8\n",
    "a: \x7F\n",
    "a: \x01\n",
    "a: @b\n",
    "a: `b\n",
    "a: %b\n",
    "\"a\":b\n",
    "a: [b] c\n",
    "a: [b]#c\n",
    "a: b # c\n  d: e\n",
    "- a\n - b\n",
};

static void test_snippets_accepted(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof accepted / sizeof accepted[0]; i++) expect(accepted[i], ACCEPTED);
}

static void test_snippets_declined(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof declined / sizeof declined[0]; i++) expect(declined[i], DECLINED);
  /* a NUL inside declines, and the reader stops at the length given */
  assert_int_equal(diff_check("a: b\0c\n", 7, "nul"), DECLINED);
  assert_int_equal(diff_check("a: bxxxx", 4, "short"), ACCEPTED);
  assert_int_equal(diff_check("a: 'bxx'", 5, "cut quote"), DECLINED);
  dw_arena a;
  dw_arena_init(&a);
  const dw_val *v = (const dw_val *)&a;
  assert_false(dw_cfg_read_yaml_fast(&a, NULL, 0, &v));
  assert_null(v);
  dw_arena_free(&a);
}

/* A bad byte anywhere (each offset of the word-at-a-time input check):
 * declined, or accepted and identical. */
static void test_bad_bytes(void **state) {
  (void)state;
  const char *s = "processors:\n  - id: abcdefgh\n    depends_on: [x, yz]\n";
  const unsigned char bad[] = {0x00, 0x01, 0x09, 0x0D, 0x1F, 0x7F, 0x80, 0xC2, 0xFF, 0x20, 0x0A};
  size_t n = strlen(s);
  char buf[128];
  for (size_t i = 0; i < n; i++)
    for (size_t b = 0; b < sizeof bad; b++) {
      memcpy(buf, s, n);
      buf[i] = (char)bad[b];
      int got = diff_check(buf, n, "bad byte");
      if (bad[b] != 0x20 && bad[b] != 0x0A && got != DECLINED)
        fail_msg("byte %#x at %zu accepted", bad[b], i);
    }
}

/* Every prefix of a pipeline: each is either declined or identical. */
static void test_prefixes(void **state) {
  (void)state;
  const char *s =
      "# p\nstrategy: level\nprocessors:\n  - id: a\n    type: local\n    depends_on: [x, 'y']\n"
      "    options: {prefix: \"[\", suffix: ']'}\n  -\n  - id: b\n    depends_on:\n    - a\n"
      "    options:\n      k: \"v\\n\"\n";
  size_t n = strlen(s), acc = 0;
  for (size_t i = 0; i <= n; i++) acc += diff_check(s, i, "prefix") == ACCEPTED;
  assert_true(acc > n / 2);
}

/* Depth: up to the cap accepted, over it declined (libyaml reports it). */
static void test_depth(void **state) {
  (void)state;
  char buf[8192];
  for (int d = DW_SPEC_MAX_DEPTH - 1; d <= DW_SPEC_MAX_DEPTH + 1; d++) {
    size_t o = 0;
    for (int i = 0; i < d; i++) buf[o++] = '[';
    buf[o++] = 'x';
    for (int i = 0; i < d; i++) buf[o++] = ']';
    buf[o++] = '\n';
    assert_int_equal(diff_check(buf, o, "deep flow"), d <= DW_SPEC_MAX_DEPTH ? ACCEPTED : DECLINED);
    o = 0;
    for (int i = 0; i < d; i++) {
      for (int k = 0; k < i; k++) buf[o++] = ' ';
      buf[o++] = 'k', buf[o++] = ':', buf[o++] = '\n';
    }
    assert_int_equal(diff_check(buf, o, "deep block"),
                     d <= DW_SPEC_MAX_DEPTH ? ACCEPTED : DECLINED);
  }
}

/* Big mappings take the hashed duplicate check. */
static void test_big_map(void **state) {
  (void)state;
  char buf[4096];
  size_t o = 0;
  for (int i = 0; i < 100; i++) o += (size_t)snprintf(buf + o, sizeof buf - o, "k%d: %d\n", i, i);
  assert_int_equal(diff_check(buf, o, "big"), ACCEPTED);
  o += (size_t)snprintf(buf + o, sizeof buf - o, "k7: dup\n");
  assert_int_equal(diff_check(buf, o, "big dup"), DECLINED);
}

/* ------------------------------------------------------------ files */

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap);
  size_t k;
  while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
    n += k;
    if (n == cap) {
      char *nb = realloc(b, cap *= 2);
      if (!nb) free(b);
      b = nb;
    }
  }
  fclose(f);
  *len = n;
  return b;
}

/* Every file of a folder (and its subfolders): identical or declined.
 * Returns how many were accepted; *total gets how many were read. */
static size_t check_dir(const char *dir, size_t *total, unsigned level) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  size_t acc = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path) continue;
    DIR *sub = level < 3 ? opendir(path) : NULL;
    if (sub) {
      closedir(sub);
      acc += check_dir(path, total, level + 1);
      continue;
    }
    size_t len;
    char *data = slurp(path, &len);
    if (!data) continue;
    acc += diff_check(data, len, path) == ACCEPTED;
    ++*total;
    free(data);
  }
  closedir(d);
  return acc;
}

static void test_examples(void **state) {
  (void)state;
  size_t total = 0, acc = check_dir("examples/pipelines", &total, 0);
  assert_true(total >= 3);
  assert_int_equal(acc, total); /* real pipelines take the fast path */
}

static void test_original_configs(void **state) {
  (void)state;
  const char *dir = dw_originals_dir();
  DIR *d = opendir(dir);
  if (!d) fail_msg("%s (DAGWOOD_ORIGINAL_CONFIGS): cannot open", dir);
  closedir(d);
  size_t total = 0, acc = check_dir(dir, &total, 0);
  print_message("original configs: %zu of %zu accepted\n", acc, total);
  assert_true(total >= 10);
  assert_true(acc * 10 >= total * 9);
}

static void test_hostile(void **state) {
  (void)state;
  size_t total = 0, acc = check_dir("tests/hostile", &total, 0);
  acc += check_dir("tests/fuzz/regress/yaml", &total, 0);
  print_message("hostile: %zu of %zu accepted\n", acc, total);
  assert_true(total >= 20);
}

/* A generated pipeline of the bench's shape, big enough to matter. */
static void test_generated(void **state) {
  (void)state;
  size_t cap = 1 << 20, o = 0;
  char *b = malloc(cap);
  assert_non_null(b);
  o += (size_t)snprintf(b + o, cap - o, "# generated\nprocessors:\n");
  for (int i = 0; o + 300 < cap; i++) {
    o += (size_t)snprintf(b + o, cap - o, "  - id: n%d\n    type: local\n    processor: p%d\n", i,
                          i % 8);
    if (i) o += (size_t)snprintf(b + o, cap - o, "    depends_on: [n%d]\n", i - 1);
    if (i % 8 == 6)
      o += (size_t)snprintf(b + o, cap - o, "    options: {prefix: \"\", suffix: \"\"}\n");
  }
  assert_int_equal(diff_check(b, o, "generated"), ACCEPTED);
  free(b);
}

/* DW_YAML_BENCH=FILE: time both readers on it. */
static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void test_bench(void **state) {
  (void)state;
  const char *path = getenv("DW_YAML_BENCH");
  size_t len;
  char *data = slurp(path, &len);
  assert_non_null(data);
  double best[2] = {1e9, 1e9};
  for (int rep = 0; rep < 5; rep++) {
    /* DW_YAML_BENCH_FAST=1: the fast reader only (for a profile) */
    for (int k = 0; k < (getenv("DW_YAML_BENCH_FAST") ? 1 : 2); k++) {
      dw_arena a;
      dw_arena_init(&a);
      dw_diags *d = dw_diags_new();
      dw_cfg_report r;
      dw_cfg_report_init(&r, d, "b.yaml");
      const dw_val *v = NULL;
      double t0 = now();
      if (k == 0)
        assert_true(dw_cfg_read_yaml_fast(&a, data, len, &v));
      else
        v = dw_cfg_read_yaml_libyaml(&a, &r, data, len);
      double t = now() - t0;
      assert_non_null(v);
      if (t < best[k]) best[k] = t;
      dw_diags_free(d);
      dw_arena_free(&a);
    }
  }
  if (getenv("DW_YAML_BENCH_FAST")) best[1] = best[0];
  print_message("%s: %zu bytes: fast %.2f ms, libyaml %.2f ms (%.1fx)\n", path, len, best[0] * 1e3,
                best[1] * 1e3, best[1] / best[0]);
  free(data);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_snippets_accepted),
      cmocka_unit_test(test_snippets_declined),
      cmocka_unit_test(test_prefixes),
      cmocka_unit_test(test_bad_bytes),
      cmocka_unit_test(test_depth),
      cmocka_unit_test(test_big_map),
      cmocka_unit_test(test_examples),
      cmocka_unit_test(test_hostile),
      cmocka_unit_test(test_generated),
  };
  /* DW_YAML_BENCH=FILE: a timing of both readers, not a test */
  const struct CMUnitTest bench[] = {cmocka_unit_test(test_bench)};
  if (getenv("DW_YAML_BENCH") && argc < 2) return cmocka_run_group_tests(bench, NULL, NULL);
  const struct CMUnitTest originals[] = {
      cmocka_unit_test(test_original_configs),
  };
  DW_ORIGINALS_MAIN(argc, argv, tests, originals, NULL, NULL);
}
