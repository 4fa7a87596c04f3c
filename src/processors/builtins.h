/* processors/builtins: the eight built-in processors of PIPELINES section 2 (text
 * case, reversal, prefix/suffix, token and word-frequency analyzers). The
 * engine registers the table from dw_builtin_defs(); the process functions are
 * exported so that tests can call them on a hand-made dw_call. Every one of
 * them fails with code 400 on invalid UTF-8 and 500 when memory runs out. */
#ifndef DW_PROCESSORS_BUILTINS_H
#define DW_PROCESSORS_BUILTINS_H

#include <stddef.h>

#include "dagwood/dagwood.h"

/* The eight definitions, in the order `dagwood processors` lists them. The
 * table is static and immutable; *count receives its length. */
const dw_processor_def *dw_builtin_defs(size_t *count);

/* change_text_case_upper / _lower: full Unicode case mapping (ß -> SS). */
int dw_builtin_upper(dw_call *c, void *user);
int dw_builtin_lower(dw_call *c, void *user);
/* change_text_case_proper: each white-space separated word gets its first
 * code point upper-cased and the rest lower-cased; words joined by one space. */
int dw_builtin_proper(dw_call *c, void *user);
/* change_text_case_title: as proper, but the small words (a, an, the, and,
 * or, but, in, on, at, to, for, of, with, by) after the first stay lower case. */
int dw_builtin_title(dw_call *c, void *user);
/* reverse_text: the code points in reverse order. */
int dw_builtin_reverse(dw_call *c, void *user);
/* prefix_suffix_adder: option prefix (default "[") + input + option suffix
 * (default "]"). */
int dw_builtin_prefix_suffix(dw_call *c, void *user);
/* token_counter (analyzer): metadata char_count, word_count, line_count. */
int dw_builtin_token_counter(dw_call *c, void *user);
/* word_frequency_analyzer (analyzer): metadata word_freq_<word> in order of
 * first occurrence, then total_unique_words. */
int dw_builtin_word_frequency(dw_call *c, void *user);

#endif
