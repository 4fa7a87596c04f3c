/* processors/builtins: see builtins.h. The eight built-in processors on top of
 * libunistring. Each validates its input once (u8_check) and then walks it
 * with the unchecked decoder; case mappings are language independent (NULL
 * language), so results do not depend on the host's locale. */
#include "processors/builtins.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <unistr.h>

#include "util/arena.h"
#include "util/strmap.h"

/* ------------------------------------------------------------ helpers */

static int fail_oom(dw_call *c) { return dw_call_fail(c, 500, "out of memory"); }

/* 0 if s[0..n) is valid UTF-8, else records error 400 and returns -1. u8_check
 * rejects overlong forms, surrogates, code points above U+10FFFF, stray
 * continuation bytes and truncated sequences. */
static int check_utf8(dw_call *c, const uint8_t *s, size_t n) {
  const uint8_t *bad = u8_check(s, n);
  if (!bad) return 0;
  return dw_call_fail(c, 400,
                      "input is not valid UTF-8: invalid byte sequence at byte offset %zu (0x%02X)",
                      (size_t)(bad - s), (unsigned)bad[0]);
}

/* Decode one code point of valid UTF-8; returns its length in bytes. */
static inline size_t next_cp(const uint8_t *s, size_t n, ucs4_t *uc) {
  if (s[0] < 0x80) {
    *uc = s[0];
    return 1;
  }
  return (size_t)u8_mbtouc_unsafe(uc, s, n);
}

static inline bool is_space(ucs4_t uc) { return uc_is_property_white_space(uc); }

/* Length of the white-space run at s[0..n), and of the word after it. */
static size_t skip_space(const uint8_t *s, size_t n) {
  size_t i = 0;
  ucs4_t uc;
  while (i < n) {
    size_t k = next_cp(s + i, n - i, &uc);
    if (!is_space(uc)) break;
    i += k;
  }
  return i;
}

static size_t word_len(const uint8_t *s, size_t n) {
  size_t i = 0;
  ucs4_t uc;
  while (i < n) {
    size_t k = next_cp(s + i, n - i, &uc);
    if (is_space(uc)) break;
    i += k;
  }
  return i;
}

/* A growable byte buffer. */
typedef struct bytes {
  uint8_t *p;
  size_t len, cap;
} bytes;

static int bytes_reserve(bytes *b, size_t extra) {
  if (extra > SIZE_MAX - b->len) return -1;
  size_t need = b->len + extra;
  if (need <= b->cap) return 0;
  size_t nc = b->cap ? b->cap : 64;
  while (nc < need) nc = nc > SIZE_MAX / 2 ? need : nc * 2;
  uint8_t *p = realloc(b->p, nc);
  if (!p) return -1;
  b->p = p;
  b->cap = nc;
  return 0;
}

static int bytes_append(bytes *b, const void *data, size_t n) {
  if (n == 0) return 0;
  if (bytes_reserve(b, n) != 0) return -1;
  memcpy(b->p + b->len, data, n);
  b->len += n;
  return 0;
}

/* Append the upper- or lower-case mapping of s[0..n), which follows text with
 * casing context `pre` and is followed by white space or the end. Maps
 * straight into the buffer's free space when it fits. */
static int bytes_casemap(bytes *b, const uint8_t *s, size_t n, bool upper,
                         casing_prefix_context_t pre) {
  if (n == 0) return 0;
  if (bytes_reserve(b, n + 16) != 0) return -1;
  uint8_t *tail = b->p + b->len;
  size_t len = b->cap - b->len;
  uint8_t *r = upper
                   ? u8_ct_toupper(s, n, pre, unicase_empty_suffix_context, NULL, NULL, tail, &len)
                   : u8_ct_tolower(s, n, pre, unicase_empty_suffix_context, NULL, NULL, tail, &len);
  if (!r) return -1;
  if (r == tail) {
    b->len += len;
    return 0;
  }
  int rc = bytes_append(b, r, len);
  free(r);
  return rc;
}

/* Hand a finished buffer over as the call's output (freeing it). */
static int finish_output(dw_call *c, bytes *b) {
  int rc = dw_call_set_output(c, b->p, b->len);
  free(b->p);
  b->p = NULL;
  return rc != 0 ? fail_oom(c) : 0;
}

static int add_count(dw_call *c, const char *key, size_t value) {
  char num[32];
  snprintf(num, sizeof num, "%zu", value);
  return dw_call_add_metadata(c, key, num);
}

/* --------------------------------------------------------- upper / lower */

static int whole_case(dw_call *c, bool upper) {
  size_t n;
  const uint8_t *s = dw_call_input(c, &n);
  if (check_utf8(c, s, n) != 0) return -1;
  uint8_t *out = dw_call_output_buffer(c, n);
  if (!out) return fail_oom(c);
  if (n == 0) return 0;
  size_t len = n;
  uint8_t *r =
      upper ? u8_toupper(s, n, NULL, NULL, out, &len) : u8_tolower(s, n, NULL, NULL, out, &len);
  if (!r) return fail_oom(c);
  if (r == out) {
    dw_call_set_output_len(c, len);
    return 0;
  }
  /* The mapping grew the text (e.g. ß -> SS): it came back in a new buffer. */
  int rc = dw_call_set_output(c, r, len);
  free(r);
  return rc != 0 ? fail_oom(c) : 0;
}

int dw_builtin_upper(dw_call *c, void *user) {
  (void)user;
  return whole_case(c, true);
}

int dw_builtin_lower(dw_call *c, void *user) {
  (void)user;
  return whole_case(c, false);
}

/* --------------------------------------------------------- proper / title */

static const char *const small_words[] = {"a",  "an", "the", "and", "or", "but",  "in",
                                          "on", "at", "to",  "for", "of", "with", "by"};

/* If the word, lower-cased, is one of the small words: 1 and its lower-case
 * form in low[0..*lowlen). 0 otherwise, -1 when memory ran out. */
static int small_word(const uint8_t *w, size_t n, uint8_t low[64], size_t *lowlen) {
  /* Case mapping never merges code points, so a small word (at most four
   * code points) comes from at most four code points: 16 bytes. */
  if (n > 16) return 0;
  size_t len = 64;
  uint8_t *r = u8_tolower(w, n, NULL, NULL, low, &len);
  if (!r) return -1;
  if (r != low) {
    free(r);
    return 0;
  }
  for (size_t i = 0; i < sizeof small_words / sizeof *small_words; i++)
    if (strlen(small_words[i]) == len && memcmp(small_words[i], low, len) == 0) {
      *lowlen = len;
      return 1;
    }
  return 0;
}

static int word_case(dw_call *c, bool title) {
  size_t n;
  const uint8_t *s = dw_call_input(c, &n);
  if (check_utf8(c, s, n) != 0) return -1;
  bytes b = {0};
  size_t i = 0, words = 0;
  for (;;) {
    i += skip_space(s + i, n - i);
    if (i >= n) break;
    const uint8_t *w = s + i;
    size_t wlen = word_len(w, n - i);
    i += wlen;
    if (words++ > 0 && bytes_append(&b, " ", 1) != 0) goto oom;
    if (title && words > 1) {
      uint8_t low[64];
      size_t lowlen;
      int small = small_word(w, wlen, low, &lowlen);
      if (small < 0) goto oom;
      if (small) {
        if (bytes_append(&b, low, lowlen) != 0) goto oom;
        continue;
      }
    }
    ucs4_t uc;
    size_t first = next_cp(w, wlen, &uc);
    if (bytes_casemap(&b, w, first, true, unicase_empty_prefix_context) != 0 ||
        bytes_casemap(&b, w + first, wlen - first, false, u8_casing_prefix_context(w, first)) != 0)
      goto oom;
  }
  return finish_output(c, &b);
oom:
  free(b.p);
  return fail_oom(c);
}

int dw_builtin_proper(dw_call *c, void *user) {
  (void)user;
  return word_case(c, false);
}

int dw_builtin_title(dw_call *c, void *user) {
  (void)user;
  return word_case(c, true);
}

/* ---------------------------------------------------------------- reverse */

int dw_builtin_reverse(dw_call *c, void *user) {
  (void)user;
  size_t n;
  const uint8_t *s = dw_call_input(c, &n);
  if (check_utf8(c, s, n) != 0) return -1;
  uint8_t *out = dw_call_output_buffer(c, n);
  if (!out) return fail_oom(c);
  /* Each code point's bytes go, unchanged, to the mirrored position. */
  for (size_t i = 0; i < n;) {
    size_t k = s[i] < 0x80 ? 1 : s[i] < 0xE0 ? 2 : s[i] < 0xF0 ? 3 : 4;
    memcpy(out + (n - i - k), s + i, k);
    i += k;
  }
  return 0;
}

/* ---------------------------------------------------------- prefix/suffix */

int dw_builtin_prefix_suffix(dw_call *c, void *user) {
  (void)user;
  size_t n;
  const uint8_t *s = dw_call_input(c, &n);
  if (check_utf8(c, s, n) != 0) return -1;
  const char *prefix = dw_call_option(c, "prefix");
  const char *suffix = dw_call_option(c, "suffix");
  if (!prefix) prefix = "[";
  if (!suffix) suffix = "]";
  size_t pl = strlen(prefix), sl = strlen(suffix);
  if (n > SIZE_MAX - pl - sl) return dw_call_fail(c, 500, "output too large");
  uint8_t *out = dw_call_output_buffer(c, pl + n + sl);
  if (!out) return fail_oom(c);
  memcpy(out, prefix, pl);
  if (n) memcpy(out + pl, s, n);
  memcpy(out + pl + n, suffix, sl);
  return 0;
}

/* -------------------------------------------------------------- analyzers */

int dw_builtin_token_counter(dw_call *c, void *user) {
  (void)user;
  size_t n;
  const uint8_t *s = dw_call_input(c, &n);
  if (check_utf8(c, s, n) != 0) return -1;
  size_t chars = 0, words = 0, newlines = 0;
  bool in_word = false;
  for (size_t i = 0; i < n;) {
    ucs4_t uc;
    i += next_cp(s + i, n - i, &uc);
    chars++;
    if (uc == '\n') newlines++;
    bool space = is_space(uc);
    if (!space && !in_word) words++;
    in_word = !space;
  }
  /* Lines split on \n; a trailing newline does not open another line. */
  size_t lines = newlines + (n > 0 && s[n - 1] != '\n');
  if (lines == 0) lines = 1;
  if (add_count(c, "char_count", chars) != 0 || add_count(c, "word_count", words) != 0 ||
      add_count(c, "line_count", lines) != 0)
    return fail_oom(c);
  return 0;
}

/* A letter or digit, as Rust's char::is_alphanumeric (Alphabetic or a
 * number: Nd, Nl, No), which the original pipelines were written against. */
static inline bool is_word_char(ucs4_t uc) {
  if (uc < 0x80)
    return (uc >= 'a' && uc <= 'z') || (uc >= 'A' && uc <= 'Z') || (uc >= '0' && uc <= '9');
  return uc_is_property_alphabetic(uc) || uc_is_general_category(uc, UC_CATEGORY_N);
}

typedef struct word_entry {
  const char *word; /* in the arena, NUL-terminated */
  size_t len;
  size_t count;
} word_entry;

int dw_builtin_word_frequency(dw_call *c, void *user) {
  (void)user;
  size_t n;
  const uint8_t *s = dw_call_input(c, &n);
  if (check_utf8(c, s, n) != 0) return -1;

  int rc = -1;
  dw_arena arena;
  dw_arena_init(&arena);
  dw_strmap map;
  dw_strmap_init(&map);
  word_entry *ents = NULL;
  size_t nents = 0, cap_ents = 0, longest = 0;
  uint8_t *kept = malloc(n ? n : 1); /* a token's letters and digits */
  bytes low = {0};                   /* their lower-case form, NUL-terminated */
  char *key = NULL;
  if (!kept || bytes_reserve(&low, 64) != 0) goto oom;

  for (size_t i = 0;;) {
    i += skip_space(s + i, n - i);
    if (i >= n) break;
    size_t end = i + word_len(s + i, n - i);
    size_t klen = 0;
    while (i < end) {
      ucs4_t uc;
      size_t k = next_cp(s + i, end - i, &uc);
      if (is_word_char(uc)) {
        memcpy(kept + klen, s + i, k);
        klen += k;
      }
      i += k;
    }
    if (klen == 0) continue;
    size_t len = low.cap - 1;
    uint8_t *r = u8_tolower(kept, klen, NULL, NULL, low.p, &len);
    if (!r) goto oom;
    if (r != low.p) {
      low.len = 0;
      int grown = bytes_reserve(&low, len + 1);
      if (grown == 0) memcpy(low.p, r, len);
      free(r);
      if (grown != 0) goto oom;
    }
    low.p[len] = '\0';
    const char *word = (const char *)low.p;

    uint32_t idx;
    if (dw_strmap_get(&map, word, &idx)) {
      ents[idx].count++;
      continue;
    }
    if (nents >= UINT32_MAX) goto oom;
    if (nents == cap_ents) {
      size_t nc = cap_ents ? cap_ents * 2 : 64;
      word_entry *ne = realloc(ents, nc * sizeof *ne);
      if (!ne) goto oom;
      ents = ne;
      cap_ents = nc;
    }
    char *copy = dw_arena_strndup(&arena, word, len);
    if (!copy || dw_strmap_put(&map, copy, (uint32_t)nents, NULL) < 0) goto oom;
    ents[nents++] = (word_entry){copy, len, 1};
    if (len > longest) longest = len;
  }

  static const char key_prefix[] = "word_freq_";
  key = malloc(sizeof key_prefix + longest);
  if (!key) goto oom;
  memcpy(key, key_prefix, sizeof key_prefix);
  for (size_t e = 0; e < nents; e++) {
    memcpy(key + sizeof key_prefix - 1, ents[e].word, ents[e].len + 1);
    if (add_count(c, key, ents[e].count) != 0) goto oom;
  }
  if (add_count(c, "total_unique_words", nents) != 0) goto oom;
  rc = 0;
  goto done;
oom:
  rc = fail_oom(c);
done:
  free(key);
  free(low.p);
  free(kept);
  free(ents);
  dw_strmap_free(&map);
  dw_arena_free(&arena);
  return rc;
}

/* ------------------------------------------------------------------ table */

static const char *const no_options[] = {NULL};
static const char *const prefix_suffix_options[] = {"prefix", "suffix", NULL};

static const dw_processor_def builtin_defs[] = {
    {"change_text_case_upper", DW_INTENT_TRANSFORM, dw_builtin_upper, NULL,
     "Upper-case the text (full Unicode case mapping: ß -> SS)", no_options},
    {"change_text_case_lower", DW_INTENT_TRANSFORM, dw_builtin_lower, NULL,
     "Lower-case the text (full Unicode case mapping)", no_options},
    {"change_text_case_proper", DW_INTENT_TRANSFORM, dw_builtin_proper, NULL,
     "Capitalize every word, lower-case the rest, join words with single spaces", no_options},
    {"change_text_case_title", DW_INTENT_TRANSFORM, dw_builtin_title, NULL,
     "Title case: like proper, but small words (a, of, the, ...) after the first stay lower case",
     no_options},
    {"reverse_text", DW_INTENT_TRANSFORM, dw_builtin_reverse, NULL,
     "Reverse the order of the Unicode code points", no_options},
    {"prefix_suffix_adder", DW_INTENT_TRANSFORM, dw_builtin_prefix_suffix, NULL,
     "Surround the text with options prefix (default \"[\") and suffix (default \"]\")",
     prefix_suffix_options},
    {"token_counter", DW_INTENT_ANALYZE, dw_builtin_token_counter, NULL,
     "Count code points, white-space separated words and lines (char_count, word_count, "
     "line_count)",
     no_options},
    {"word_frequency_analyzer", DW_INTENT_ANALYZE, dw_builtin_word_frequency, NULL,
     "Count each word's occurrences, case-insensitively (word_freq_<word>, total_unique_words)",
     no_options},
};

const dw_processor_def *dw_builtin_defs(size_t *count) {
  if (count) *count = sizeof builtin_defs / sizeof *builtin_defs;
  return builtin_defs;
}
