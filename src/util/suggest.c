/* util/suggest: see suggest.h. Words longer than 64 bytes get no
 * suggestion: typos are in short names, and the table stays on the stack. */
#include "util/suggest.h"

#include <ctype.h>
#include <string.h>

enum { MAXW = 64 };

size_t dw_edit_distance(const char *a, const char *b) {
  size_t n = strlen(a), m = strlen(b);
  if (n > MAXW || m > MAXW) return (size_t)-1;
  size_t d[MAXW + 1][MAXW + 1];
  for (size_t i = 0; i <= n; i++) d[i][0] = i;
  for (size_t j = 0; j <= m; j++) d[0][j] = j;
  for (size_t i = 1; i <= n; i++)
    for (size_t j = 1; j <= m; j++) {
      size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
      size_t v = d[i - 1][j] + 1;
      if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
      if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < v)
        v = d[i - 2][j - 2] + 1;
      d[i][j] = v;
    }
  return d[n][m];
}

const char *dw_suggest(const char *word, const char *const *cands, size_t n) {
  size_t len = strlen(word);
  size_t limit = len <= 2 ? 0 : len < 5 ? 1 : len < 9 ? 2 : 3; /* "c" is no typo of "a" */
  const char *best = NULL;
  size_t bestd = (size_t)-1;
  for (size_t i = 0; i < n; i++) {
    size_t dd = dw_edit_distance(word, cands[i]);
    if (dd < bestd) {
      bestd = dd;
      best = cands[i];
    }
  }
  return (best && bestd <= limit && (bestd > 0 || strcmp(best, word) != 0)) ? best : NULL;
}
