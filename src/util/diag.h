/* util/diag: the list behind the public dw_diags. Loaders append; the list
 * owns copies of every string; dw_diags_sort puts them in file order. */
#ifndef DW_UTIL_DIAG_H
#define DW_UTIL_DIAG_H

#include "dagwood/dagwood.h"
#include "util/arena.h"

struct dw_diags {
  dw_arena arena;
  dw_diag *items;
  size_t n, cap;
  size_t errors;
  int oom; /* an entry could not be recorded */
};

dw_diags *dw_diags_new(void);
/* Append one entry; file/pid/suggestion may be NULL. Returns 0, or -1 when out
 * of memory (the list then remembers that it is incomplete). */
int dw_diags_add(dw_diags *d, dw_severity sev, const char *file, unsigned line, unsigned col,
                 const char *pid, const char *suggestion, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));
/* Stable sort by (line, column); entries without a position come first. */
void dw_diags_sort(dw_diags *d);
/* Turn every warning into an error (--strict). */
void dw_diags_promote_warnings(dw_diags *d);

#endif
