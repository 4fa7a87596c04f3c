/* config/report: positioned, capped diagnostics for the config loader, and
 * safe rendering of user text inside messages. */
#include <stdio.h>
#include <string.h>

#include "config/internal.h"

void dw_cfg_report_init(dw_cfg_report *r, dw_diags *d, const char *file) {
  memset(r, 0, sizeof *r);
  r->diags = d;
  r->file = file;
}

void dw_cfg_diag(dw_cfg_report *r, dw_severity sev, dw_pos pos, const char *pid,
                 const char *suggestion, const char *fmt, ...) {
  if (sev == DW_SEV_ERROR) {
    if (r->nerr >= DW_CFG_MAX_DIAGS) {
      r->dropped_err++;
      r->diags->errors++; /* the caller must still see that it failed */
      return;
    }
    r->nerr++;
  } else {
    if (r->nwarn >= DW_CFG_MAX_DIAGS) {
      r->dropped_warn++;
      return;
    }
    r->nwarn++;
  }
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  /* Hostile ids can be megabytes long: such an id is shown in the message
   * (shortened) but not copied into the machine-readable field. */
  if (pid && strlen(pid) > 1024) pid = NULL;
  dw_diags_add(r->diags, sev, r->file, pos.line, pos.col, pid, suggestion, "%s", msg);
}

void dw_cfg_report_finish(dw_cfg_report *r) {
  if (r->dropped_err)
    dw_diags_add(r->diags, DW_SEV_ERROR, r->file, 0, 0, NULL, NULL,
                 "%zu more errors not shown (at most %d are listed): fix these first",
                 r->dropped_err, (int)DW_CFG_MAX_DIAGS);
  if (r->dropped_err) r->diags->errors--; /* counted once already in dw_cfg_diag */
  if (r->dropped_warn)
    dw_diags_add(r->diags, DW_SEV_WARNING, r->file, 0, 0, NULL, NULL,
                 "%zu more warnings not shown (at most %d are listed)", r->dropped_warn,
                 (int)DW_CFG_MAX_DIAGS);
}

/* U+200E/F, U+202A..E, U+2066..9 as the bytes after 0xE2 */
static bool is_bidi(unsigned char b1, unsigned char b2) {
  return (b1 == 0x80 && (b2 == 0x8E || b2 == 0x8F || (b2 >= 0xAA && b2 <= 0xAE))) ||
         (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9);
}

const char *dw_cfg_show(dw_cfg_report *r, const char *s, size_t len) {
  char *out = r->show_buf[r->show_next++ % 6];
  enum { KEEP = 96 }; /* bytes of output before cutting */
  size_t o = 0;
  if (!s) s = "", len = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (o >= KEEP) {
      if ((c & 0xC0) == 0x80) { /* mid-sequence: drop the partial character */
        while (o > 0 && ((unsigned char)out[o - 1] & 0xC0) == 0x80) o--;
        if (o > 0) o--;
      }
      memcpy(out + o, "...", 4);
      return out;
    }
    if (c == 0xE2 && i + 2 < len && is_bidi((unsigned char)s[i + 1], (unsigned char)s[i + 2])) {
      /* bidirectional controls could make a message read differently from
       * what it says (Trojan Source): show them as escapes */
      unsigned cp = 0x2000u + (((unsigned)s[i + 1] & 0x3Fu) << 6) + ((unsigned)s[i + 2] & 0x3Fu);
      o += (size_t)snprintf(out + o, 8, "\\u%04X", cp);
      i += 2;
    } else if (c < 0x20 || c == 0x7f) {
      o += (size_t)snprintf(out + o, 8, c == '\n' ? "\\n" : c == '\t' ? "\\t" : "\\x%02x", c);
    } else {
      out[o++] = (char)c;
    }
  }
  out[o] = 0;
  return out;
}
