/* config/internal: what the pieces of the config loader share — a reporter
 * that caps and positions diagnostics, the event-driven YAML reader that
 * builds the dw_val tree, and scalar classification. Not for other modules. */
#ifndef DW_CONFIG_INTERNAL_H
#define DW_CONFIG_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/spec.h"

/* At most this many errors and this many warnings are recorded per file; the
 * rest are counted and summarised in one closing entry, so a hostile file
 * cannot make the list (or its insertion sort) explode. */
enum { DW_CFG_MAX_DIAGS = 1000 };

typedef struct dw_cfg_report {
  dw_diags *diags;
  const char *file;
  size_t nerr, nwarn;               /* recorded */
  size_t dropped_err, dropped_warn; /* over the cap */
  unsigned show_next;
  char show_buf[6][160]; /* ring for dw_cfg_show */
} dw_cfg_report;

void dw_cfg_report_init(dw_cfg_report *r, dw_diags *d, const char *file);
void dw_cfg_diag(dw_cfg_report *r, dw_severity sev, dw_pos pos, const char *pid,
                 const char *suggestion, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Add the "N more errors not shown" entries, if any. */
void dw_cfg_report_finish(dw_cfg_report *r);
/* Text fit for a message: control bytes escaped, long text cut (never inside
 * a UTF-8 sequence). The result lives in a small ring of buffers inside r:
 * valid until six more calls. */
const char *dw_cfg_show(dw_cfg_report *r, const char *s, size_t len);

/* Read YAML text into a dw_val tree allocated in `arena`. Returns the root, or
 * NULL after reporting why nothing could be read (syntax error, nesting or
 * node limits, no document). Recoverable problems (duplicate keys, keys that
 * are not scalars, undefined aliases) are reported and the tree is still
 * returned. Aliases become shallow copies of the anchored node's value. */
const dw_val *dw_cfg_read_yaml(dw_arena *arena, dw_cfg_report *r, const char *data, size_t len);

/* The two readers dw_cfg_read_yaml tries, exposed for the differential
 * tests. The fast one (yaml_fast.c) reads a common subset of block YAML and
 * returns true with *out set to the very tree libyaml's would give; on
 * anything else (errors included) it returns false having reported nothing
 * (its arena use is then garbage until the arena is freed). The libyaml one
 * reads everything and reports problems as described above. */
bool dw_cfg_read_yaml_fast(dw_arena *arena, const char *data, size_t len, const dw_val **out);
const dw_val *dw_cfg_read_yaml_libyaml(dw_arena *arena, dw_cfg_report *r, const char *data,
                                       size_t len);

/* Scalar classification (plain scalars only; quoted ones are always text). */
bool dw_cfg_is_bool(const dw_val *v);
bool dw_cfg_is_null_text(const char *s, size_t len);

#endif
