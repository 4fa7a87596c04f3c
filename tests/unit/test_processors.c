/* tests/unit/test_processors: the eight built-in processors (PIPELINES section 2)
 * called directly on hand-made dw_call values: every example of the reference, empty and
 * white-space-only input, combining marks, emoji, ß, invalid UTF-8 (code 400
 * from each processor) and the prefix/suffix options. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
// cmocka needs the headers above first
#include <cmocka.h>

#include "config/spec.h"
#include "core/call.h"
#include "processors/builtins.h"

typedef int (*proc_fn)(dw_call *c, void *user);

/* ------------------------------------------------------------- helpers */

static void call_on(dw_call *c, proc_fn f, const char *in, size_t len, const dw_val *opts,
                    int want_rc) {
  dw_call_init(c, "test", (const uint8_t *)in, len, opts);
  int rc = f(c, NULL);
  if (want_rc == 0) {
    if (rc != 0) fail_msg("processor failed: %d %s", c->err_code, c->err_msg ? c->err_msg : "");
    assert_int_equal(c->err_code, 0);
  } else {
    assert_int_not_equal(rc, 0);
  }
}

/* Run a transform on `in` (with options) and compare its output with `want`. */
static void expect_out_opts(proc_fn f, const char *in, size_t len, const dw_val *opts,
                            const char *want) {
  dw_call c;
  call_on(&c, f, in, len, opts, 0);
  assert_true(c.has_out);
  char *got = malloc(c.out_len + 1);
  assert_non_null(got);
  if (c.out_len) memcpy(got, c.out, c.out_len);
  got[c.out_len] = '\0';
  assert_string_equal(got, want);
  assert_int_equal(c.out_len, strlen(want));
  assert_int_equal(c.md_n, 0);
  free(got);
  dw_call_clear(&c);
}

static void expect_out(proc_fn f, const char *in, const char *want) {
  expect_out_opts(f, in, strlen(in), NULL, want);
}

/* Run an analyzer and compare its metadata, in order, with the NULL-terminated
 * key/value list. Analyzers produce no output. */
static void expect_md_n(proc_fn f, const char *in, size_t len, const char *const *kv) {
  dw_call c;
  call_on(&c, f, in, len, NULL, 0);
  assert_false(c.has_out);
  size_t i = 0;
  for (; kv[2 * i]; i++) {
    if (i >= c.md_n) fail_msg("missing metadata %s", kv[2 * i]);
    assert_string_equal(c.md[i].key, kv[2 * i]);
    assert_string_equal(c.md[i].value, kv[2 * i + 1]);
  }
  assert_int_equal(c.md_n, i);
  dw_call_clear(&c);
}

static void expect_md(proc_fn f, const char *in, const char *const *kv) {
  expect_md_n(f, in, strlen(in), kv);
}

#define MD(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ----------------------------------------------------------- the table */

static void test_defs_table(void **state) {
  (void)state;
  size_t n = 0;
  const dw_processor_def *d = dw_builtin_defs(&n);
  assert_int_equal(n, 8);
  static const struct {
    const char *name;
    dw_intent intent;
    proc_fn fn;
  } want[] = {
      {"change_text_case_upper", DW_INTENT_TRANSFORM, dw_builtin_upper},
      {"change_text_case_lower", DW_INTENT_TRANSFORM, dw_builtin_lower},
      {"change_text_case_proper", DW_INTENT_TRANSFORM, dw_builtin_proper},
      {"change_text_case_title", DW_INTENT_TRANSFORM, dw_builtin_title},
      {"reverse_text", DW_INTENT_TRANSFORM, dw_builtin_reverse},
      {"prefix_suffix_adder", DW_INTENT_TRANSFORM, dw_builtin_prefix_suffix},
      {"token_counter", DW_INTENT_ANALYZE, dw_builtin_token_counter},
      {"word_frequency_analyzer", DW_INTENT_ANALYZE, dw_builtin_word_frequency},
  };
  for (size_t i = 0; i < n; i++) {
    assert_string_equal(d[i].name, want[i].name);
    assert_int_equal(d[i].intent, want[i].intent);
    assert_ptr_equal(d[i].process, want[i].fn);
    assert_non_null(d[i].description);
    assert_null(strchr(d[i].description, '\n'));
    assert_non_null(d[i].options);
    if (strcmp(d[i].name, "prefix_suffix_adder") == 0) {
      assert_string_equal(d[i].options[0], "prefix");
      assert_string_equal(d[i].options[1], "suffix");
      assert_null(d[i].options[2]);
    } else {
      assert_null(d[i].options[0]);
    }
  }
  assert_ptr_equal(dw_builtin_defs(NULL), d);
}

/* ---------------------------------------------------------- upper/lower */

static void test_upper(void **state) {
  (void)state;
  expect_out(dw_builtin_upper, "stra\u00DFe", "STRASSE");
  expect_out(dw_builtin_upper, "hello, World 42!", "HELLO, WORLD 42!");
  expect_out(dw_builtin_upper, "", "");
  expect_out(dw_builtin_upper, " \t\n", " \t\n");
  expect_out(dw_builtin_upper, "\u00DF\u00DF\u00DF", "SSSSSS");
  expect_out(dw_builtin_upper, "\uFB01", "FI");                         /* U+FB01 ﬁ */
  expect_out(dw_builtin_upper, "\u0390", "\u0399\u0308\u0301");         /* ΐ, 3x longer */
  expect_out(dw_builtin_upper, "e\u0301t\u00E9", "E\u0301T\u00C9");     /* e+◌́, é */
  expect_out(dw_builtin_upper, "hi \U0001F600 ok", "HI \U0001F600 OK"); /* 😀 */
  expect_out(dw_builtin_upper, "\U00010428", "\U00010400");             /* Deseret 𐐨 -> 𐐀 */
  /* NUL bytes are valid UTF-8 and pass through. */
  dw_call c;
  call_on(&c, dw_builtin_upper, "a\0b", 3, NULL, 0);
  assert_int_equal(c.out_len, 3);
  assert_memory_equal(c.out, "A\0B", 3);
  dw_call_clear(&c);
}

static void test_lower(void **state) {
  (void)state;
  expect_out(dw_builtin_lower, "STRASSE", "strasse");
  expect_out(dw_builtin_lower, "Stra\u00DFe", "stra\u00DFe");
  expect_out(dw_builtin_lower, "HELLO, World 42!", "hello, world 42!");
  expect_out(dw_builtin_lower, "", "");
  expect_out(dw_builtin_lower, "  ", "  ");
  expect_out(dw_builtin_lower, "\u03A3\u0391\u03A3", "\u03C3\u03B1\u03C2"); /* ΣΑΣ -> σας */
  expect_out(dw_builtin_lower, "\u0130", "i\u0307");                        /* İ -> i + U+0307 */
  expect_out(dw_builtin_lower, "E\u0301", "e\u0301");
  expect_out(dw_builtin_lower, "\U0001F600X", "\U0001F600x");
}

/* ------------------------------------------------------- proper / title */

static void test_proper(void **state) {
  (void)state;
  expect_out(dw_builtin_proper, "(hi", "(hi");
  expect_out(dw_builtin_proper, "\u00DFa", "SSa"); /* ßa -> SSa */
  expect_out(dw_builtin_proper, "hello WORLD", "Hello World");
  expect_out(dw_builtin_proper, "  hello \t\n  wORLD  ", "Hello World");
  expect_out(dw_builtin_proper, "the lord of the rings", "The Lord Of The Rings");
  expect_out(dw_builtin_proper, "", "");
  expect_out(dw_builtin_proper, " \t\r\n ", "");
  /* U+00A0, U+2003 and U+3000 are Unicode white space. */
  expect_out(dw_builtin_proper, "a\u00A0b\u2003c\u3000d", "A B C D");
  expect_out(dw_builtin_proper, "\u00C9COLE", "\u00C9cole");                 /* ÉCOLE -> École */
  expect_out(dw_builtin_proper, "e\u0301t\u00C9", "E\u0301t\u00E9");         /* e+◌́tÉ */
  expect_out(dw_builtin_proper, "\u03A3\u0391\u03A3", "\u03A3\u03B1\u03C2"); /* Σας */
  expect_out(dw_builtin_proper, "STRASSE stra\u00DFe", "Strasse Stra\u00DFe");
  expect_out(dw_builtin_proper, "\U0001F600smile HI", "\U0001F600smile Hi");
  expect_out(dw_builtin_proper, "x", "X");
}

static void test_title(void **state) {
  (void)state;
  expect_out(dw_builtin_title, "the lord of the rings", "The Lord of the Rings");
  expect_out(dw_builtin_title, "THE LORD OF THE RINGS", "The Lord of the Rings");
  expect_out(dw_builtin_title, "a tale of two cities", "A Tale of Two Cities");
  expect_out(dw_builtin_title, "x a an the and or but in on at to for of with by y",
             "X a an the and or but in on at to for of with by Y");
  expect_out(dw_builtin_title, "of mice AND men", "Of Mice and Men");
  expect_out(dw_builtin_title, "  war   AND\tpeace ", "War and Peace");
  /* Only whole tokens are small words. */
  expect_out(dw_builtin_title, "one of, two", "One Of, Two");
  expect_out(dw_builtin_title, "into theory", "Into Theory");
  expect_out(dw_builtin_title, "\u00DFa of \u00DFa", "SSa of SSa");
  expect_out(dw_builtin_title, "(hi", "(hi");
  expect_out(dw_builtin_title, "", "");
  expect_out(dw_builtin_title, "\n\n", "");
  expect_out(dw_builtin_title, "the", "The");
}

/* -------------------------------------------------------------- reverse */

static void test_reverse(void **state) {
  (void)state;
  expect_out(dw_builtin_reverse, "hello", "olleh");
  expect_out(dw_builtin_reverse, "", "");
  expect_out(dw_builtin_reverse, "a", "a");
  expect_out(dw_builtin_reverse, " \t", "\t ");
  /* Code points, not grapheme clusters: the accent moves before the e. */
  expect_out(dw_builtin_reverse, "e\u0301", "\u0301e");
  expect_out(dw_builtin_reverse, "a\U0001F600b", "b\U0001F600a");
  expect_out(dw_builtin_reverse, "stra\u00DFe \u20AC", "\u20AC e\u00DFarts");
  expect_out(dw_builtin_reverse, "\U0001F600\U0001F389", "\U0001F389\U0001F600");
}

/* -------------------------------------------------------- prefix/suffix */

static void test_prefix_suffix_defaults(void **state) {
  (void)state;
  expect_out(dw_builtin_prefix_suffix, "hello", "[hello]");
  expect_out(dw_builtin_prefix_suffix, "", "[]");
  expect_out(dw_builtin_prefix_suffix, "\U0001F600", "[\U0001F600]");
  /* An options map without the keys keeps the defaults. */
  dw_val empty = {.kind = DW_VAL_MAP};
  expect_out_opts(dw_builtin_prefix_suffix, "x", 1, &empty, "[x]");
}

static dw_val scalar(const char *s) {
  return (dw_val){.kind = DW_VAL_SCALAR, .str = s, .len = strlen(s), .quoted = true};
}

static void test_prefix_suffix_options(void **state) {
  (void)state;
  static const char *const both_keys[] = {"prefix", "suffix"};
  dw_val both_items[] = {scalar(">> "), scalar(" <<")};
  dw_val both = {.kind = DW_VAL_MAP, .n = 2, .items = both_items, .keys = both_keys};
  expect_out_opts(dw_builtin_prefix_suffix, "mid", 3, &both, ">> mid <<");
  expect_out_opts(dw_builtin_prefix_suffix, "", 0, &both, ">>  <<");

  static const char *const prefix_key[] = {"prefix"};
  dw_val prefix_item[] = {scalar("\u00AB")}; /* « */
  dw_val prefix_only = {.kind = DW_VAL_MAP, .n = 1, .items = prefix_item, .keys = prefix_key};
  expect_out_opts(dw_builtin_prefix_suffix, "q", 1, &prefix_only, "\u00ABq]");

  static const char *const suffix_key[] = {"suffix"};
  dw_val suffix_item[] = {scalar("")};
  dw_val suffix_only = {.kind = DW_VAL_MAP, .n = 1, .items = suffix_item, .keys = suffix_key};
  expect_out_opts(dw_builtin_prefix_suffix, "q", 1, &suffix_only, "[q");

  /* A non-scalar value is not a string option: the default applies. */
  dw_val seq = {.kind = DW_VAL_SEQ};
  dw_val seq_item[] = {seq};
  dw_val prefix_seq = {.kind = DW_VAL_MAP, .n = 1, .items = seq_item, .keys = prefix_key};
  expect_out_opts(dw_builtin_prefix_suffix, "q", 1, &prefix_seq, "[q]");
}

/* -------------------------------------------------------- token_counter */

static void test_token_counter(void **state) {
  (void)state;
  proc_fn f = dw_builtin_token_counter;
  expect_md(f, "a\n\nb", MD("char_count", "4", "word_count", "2", "line_count", "3"));
  expect_md(f, "", MD("char_count", "0", "word_count", "0", "line_count", "1"));
  expect_md(f, "   ", MD("char_count", "3", "word_count", "0", "line_count", "1"));
  expect_md(f, "\n", MD("char_count", "1", "word_count", "0", "line_count", "1"));
  expect_md(f, "\n\n", MD("char_count", "2", "word_count", "0", "line_count", "2"));
  expect_md(f, "a\n", MD("char_count", "2", "word_count", "1", "line_count", "1"));
  expect_md(f, "a\nb\n", MD("char_count", "4", "word_count", "2", "line_count", "2"));
  expect_md(f, "a\r\nb", MD("char_count", "4", "word_count", "2", "line_count", "2"));
  expect_md(f, "  hello   world  ", MD("char_count", "17", "word_count", "2", "line_count", "1"));
  /* straße: 6 code points in 7 bytes; é as e + U+0301 is two code points. */
  expect_md(f, "stra\u00DFe e\u0301", MD("char_count", "9", "word_count", "2", "line_count", "1"));
  /* Two emoji (8 bytes) separated by U+00A0, which is white space. */
  expect_md(f, "\U0001F600\u00A0\U0001F389",
            MD("char_count", "3", "word_count", "2", "line_count", "1"));
  /* U+2028 LINE SEPARATOR separates words but does not split lines. */
  expect_md(f, "a\u2028b", MD("char_count", "3", "word_count", "2", "line_count", "1"));
}

/* ------------------------------------------------ word_frequency_analyzer */

static void test_word_frequency(void **state) {
  (void)state;
  proc_fn f = dw_builtin_word_frequency;
  expect_md(f, "Hello, hello WORLD!",
            MD("word_freq_hello", "2", "word_freq_world", "1", "total_unique_words", "2"));
  expect_md(f, "", MD("total_unique_words", "0"));
  expect_md(f, " \t\n ", MD("total_unique_words", "0"));
  expect_md(f, "!!! ... -- ?", MD("total_unique_words", "0"));
  /* First-occurrence order, not alphabetical or by count. */
  expect_md(
      f, "b a b c a b",
      MD("word_freq_b", "3", "word_freq_a", "2", "word_freq_c", "1", "total_unique_words", "3"));
  /* Punctuation inside a token is dropped, digits kept. */
  expect_md(f, "it's its 4-2 42 A1 a1",
            MD("word_freq_its", "2", "word_freq_42", "2", "word_freq_a1", "2", "total_unique_words",
               "3"));
  /* ß lower-cases to itself; STRASSE is another word. */
  expect_md(f, "Stra\u00DFe STRASSE stra\u00DFe",
            MD("word_freq_stra\u00DFe", "2", "word_freq_strasse", "1", "total_unique_words", "2"));
  expect_md(f, "\u00C9cole \u00E9cole", MD("word_freq_\u00E9cole", "2", "total_unique_words", "1"));
  /* Emoji are neither letters nor digits; a combining mark is not a letter. */
  expect_md(f, "\U0001F600 hi\U0001F600 e\u0301",
            MD("word_freq_hi", "1", "word_freq_e", "1", "total_unique_words", "2"));
  /* Final sigma applies to the kept letters: ΣΑΣ! -> σας. */
  expect_md(f, "\u03A3\u0391\u03A3!",
            MD("word_freq_\u03C3\u03B1\u03C2", "1", "total_unique_words", "1"));
}

/* Many distinct words: the map grows and the order stays first-occurrence. */
static void test_word_frequency_large(void **state) {
  (void)state;
  enum { WORDS = 200000 };
  size_t cap = (size_t)WORDS * 16, len = 0;
  char *in = malloc(cap);
  assert_non_null(in);
  for (int round = 0; round < 2; round++)
    for (int i = 0; i < WORDS; i++) len += (size_t)snprintf(in + len, cap - len, "W%d ", i);
  dw_call c;
  call_on(&c, dw_builtin_word_frequency, in, len, NULL, 0);
  assert_int_equal(c.md_n, WORDS + 1);
  char key[32];
  for (int i = 0; i < WORDS; i += 997) {
    snprintf(key, sizeof key, "word_freq_w%d", i);
    assert_string_equal(c.md[i].key, key);
    assert_string_equal(c.md[i].value, "2");
  }
  assert_string_equal(c.md[WORDS].key, "total_unique_words");
  assert_string_equal(c.md[WORDS].value, "200000");
  dw_call_clear(&c);
  free(in);
}

/* --------------------------------------------------------- invalid UTF-8 */

static const struct {
  const char *what;
  const char *bytes;
  size_t len;
  size_t offset;
} bad_inputs[] = {
    {"overlong 2-byte '/'", "ab\xC0\xAF", 4, 2},
    {"overlong 3-byte", "\xE0\x80\xAF", 3, 0},
    {"overlong 4-byte", "x\xF0\x80\x80\xAF", 5, 1},
    {"truncated 3-byte at end", "ok \xE2\x82", 5, 3},
    {"truncated 4-byte before ASCII", "\xF0\x9F\x98z", 4, 0},
    {"lone continuation byte", "abc\x80", 4, 3},
    {"surrogate U+D800", "hi\xED\xA0\x80", 5, 2},
    {"surrogate U+DFFF", "\xED\xBF\xBF", 3, 0},
    {"above U+10FFFF", "\xF4\x90\x80\x80", 4, 0},
    {"byte 0xFF", "a\xFF", 2, 1},
    {"invalid after valid multibyte", "\xC3\x9F\xC3", 3, 2},
};

static void test_invalid_utf8(void **state) {
  (void)state;
  size_t n;
  const dw_processor_def *d = dw_builtin_defs(&n);
  for (size_t p = 0; p < n; p++)
    for (size_t b = 0; b < sizeof bad_inputs / sizeof *bad_inputs; b++) {
      dw_call c;
      call_on(&c, d[p].process, bad_inputs[b].bytes, bad_inputs[b].len, NULL, -1);
      if (c.err_code != 400)
        fail_msg("%s on %s: code %d", d[p].name, bad_inputs[b].what, c.err_code);
      assert_non_null(c.err_msg);
      char want[64];
      snprintf(want, sizeof want, "byte offset %zu ", bad_inputs[b].offset);
      if (!strstr(c.err_msg, want) || !strstr(c.err_msg, "UTF-8"))
        fail_msg("%s on %s: message '%s' lacks '%s'", d[p].name, bad_inputs[b].what, c.err_msg,
                 want);
      assert_int_equal(c.md_n, 0);
      dw_call_clear(&c);
    }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defs_table),
      cmocka_unit_test(test_upper),
      cmocka_unit_test(test_lower),
      cmocka_unit_test(test_proper),
      cmocka_unit_test(test_title),
      cmocka_unit_test(test_reverse),
      cmocka_unit_test(test_prefix_suffix_defaults),
      cmocka_unit_test(test_prefix_suffix_options),
      cmocka_unit_test(test_token_counter),
      cmocka_unit_test(test_word_frequency),
      cmocka_unit_test(test_word_frequency_large),
      cmocka_unit_test(test_invalid_utf8),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
