/* util/suggest: "did you mean" — the closest candidate by edit distance. */
#ifndef DW_UTIL_SUGGEST_H
#define DW_UTIL_SUGGEST_H

#include <stddef.h>

/* The candidate closest to word (Damerau-Levenshtein, case-insensitive), if
 * it is close enough to be a plausible typo; NULL otherwise. */
const char *dw_suggest(const char *word, const char *const *cands, size_t n);
size_t dw_edit_distance(const char *a, const char *b);

#endif
