/* util/diag: see diag.h. */
#include "util/diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

dw_diags *dw_diags_new(void) {
  dw_diags *d = calloc(1, sizeof *d);
  if (d) dw_arena_init(&d->arena);
  return d;
}

void dw_diags_free(dw_diags *d) {
  if (!d) return;
  free(d->items);
  dw_arena_free(&d->arena);
  free(d);
}

size_t dw_diags_count(const dw_diags *d) { return d ? d->n : 0; }
size_t dw_diags_errors(const dw_diags *d) { return d ? d->errors : 0; }
const dw_diag *dw_diags_get(const dw_diags *d, size_t i) {
  return (d && i < d->n) ? &d->items[i] : NULL;
}

int dw_diags_add(dw_diags *d, dw_severity sev, const char *file, unsigned line, unsigned col,
                 const char *pid, const char *suggestion, const char *fmt, ...) {
  if (sev == DW_SEV_ERROR) d->errors++; /* counted even if not recorded */
  if (d->n == d->cap) {
    size_t nc = d->cap ? d->cap * 2 : 16;
    dw_diag *ni = realloc(d->items, nc * sizeof *ni);
    if (!ni) return d->oom = 1, -1;
    d->items = ni;
    d->cap = nc;
  }
  va_list ap;
  va_start(ap, fmt);
  char tmp[1024];
  vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  dw_diag *e = &d->items[d->n];
  e->severity = sev;
  e->file = file ? dw_arena_strdup(&d->arena, file) : NULL;
  e->line = line;
  e->column = col;
  e->message = dw_arena_strdup(&d->arena, tmp);
  e->suggestion = suggestion ? dw_arena_strdup(&d->arena, suggestion) : NULL;
  e->processor_id = pid ? dw_arena_strdup(&d->arena, pid) : NULL;
  if (!e->message) return d->oom = 1, -1;
  d->n++;
  return 0;
}

void dw_diags_sort(dw_diags *d) {
  /* insertion sort: stable, and lists are short and nearly sorted */
  for (size_t i = 1; i < d->n; i++) {
    dw_diag x = d->items[i];
    size_t j = i;
    while (j > 0 && (d->items[j - 1].line > x.line ||
                     (d->items[j - 1].line == x.line && d->items[j - 1].column > x.column))) {
      d->items[j] = d->items[j - 1];
      j--;
    }
    d->items[j] = x;
  }
}

void dw_diags_promote_warnings(dw_diags *d) {
  for (size_t i = 0; i < d->n; i++)
    if (d->items[i].severity == DW_SEV_WARNING) {
      d->items[i].severity = DW_SEV_ERROR;
      d->errors++;
    }
}

int dw_diag_format(const dw_diag *e, char *buf, size_t size) {
  const char *sev = e->severity == DW_SEV_ERROR ? "error" : "warning";
  char sug[512] = "";
  if (e->suggestion) snprintf(sug, sizeof sug, " (did you mean '%s'?)", e->suggestion);
  if (e->file && e->line)
    return snprintf(buf, size, "%s:%u:%u: %s: %s%s", e->file, e->line, e->column, sev, e->message,
                    sug);
  if (e->file) return snprintf(buf, size, "%s: %s: %s%s", e->file, sev, e->message, sug);
  return snprintf(buf, size, "%s: %s%s", sev, e->message, sug);
}
