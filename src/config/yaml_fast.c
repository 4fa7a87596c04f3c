/* config/yaml_fast: a hand-written reader for the block YAML that pipelines
 * are written in, tried before libyaml (see dw_cfg_read_yaml).
 *
 * Why: libyaml's scanner and its malloc/free per token and event are more
 * than half of the time to load a large pipeline. This reader builds the very
 * same dw_val tree libyaml's events would give (kinds, texts, positions,
 * quoting, key order) for a deliberately small subset: block mappings and
 * sequences, one-line plain and quoted scalars, one-line flow collections,
 * comments. On anything else — or anything it is not sure about, including
 * every error — it DECLINES without reporting, and libyaml reads the file
 * with its own messages. Declining is always safe; guessing is not.
 *
 * Positions follow libyaml's marks: a block mapping starts at its first key,
 * a block sequence at its first '-', a flow collection at its bracket, a
 * scalar at its first character (or quote); an empty value sits just after
 * the ':' or '-' that announced it. Columns count characters, not bytes.
 *
 * The input is untrusted: every read is bounded by the length (the text need
 * not end in NUL), recursion is bounded by DW_SPEC_MAX_DEPTH, the number of
 * values by DW_SPEC_MAX_NODES, and an allocation failure declines. */
#include <stdlib.h>
#include <string.h>

#include "config/internal.h"
#include "util/strmap.h"

typedef struct fp {
  dw_arena *arena;
  const char *s;
  size_t n;
  size_t i;      /* cursor */
  uint32_t line; /* 1-based line of the cursor */
  size_t ls;     /* index where the current line starts */
  long indent;   /* after skip_lines: column of the content, -1 at the end */
  bool ascii;    /* no byte >= 0x80: a column is a byte offset */
  size_t cpos;   /* column cache for non-ASCII lines: index ... */
  uint32_t ccol; /* ... and its 1-based column */
  dw_val *sk;    /* children of the open collections, innermost last */
  size_t skn, skcap;
  unsigned depth;
  size_t nodes;
} fp;

/* ------------------------------------------------------------ input check */

/* Every byte libyaml would treat specially outside our subset declines the
 * whole file: NUL and control bytes (errors), TAB (indentation and blank
 * rules), CR (line breaks), DEL; non-ASCII must be well-formed UTF-8 of a
 * character libyaml prints, and not one it takes for a line break (NEL, LS,
 * PS) nor a BOM. */
static bool check_input(fp *P) {
  const unsigned char *s = (const unsigned char *)P->s;
  size_t n = P->n;
  bool ascii = true;
  const uint64_t L = 0x0101010101010101u, H = 0x8080808080808080u;
  for (size_t i = 0; i < n;) {
    /* eight ASCII bytes at a time: any byte >= 0x80, < 0x20 but '\n', or
     * 0x7F sends that word to the byte loop below */
    while (n - i >= 8) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      if (w & H) break;
      uint64_t lt20 = ~((w | H) - 0x20 * L) & H;
      uint64_t nl = w ^ (0x0A * L), del = w ^ (0x7F * L);
      uint64_t is_nl = ~(((nl & ~H) + ~H) | nl) & H;
      uint64_t is_del = ~(((del & ~H) + ~H) | del) & H;
      if ((lt20 & ~is_nl) | is_del) break;
      i += 8;
    }
    if (i >= n) break;
    unsigned c = s[i];
    if (c < 0x80) {
      if ((c < 0x20 && c != '\n') || c == 0x7F) return false;
      i++;
      continue;
    }
    ascii = false;
    uint32_t cp;
    size_t k;
    if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F, k = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      cp = c & 0x0F, k = 2;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07, k = 3;
    } else {
      return false;
    }
    if (n - i <= k) return false;
    for (size_t j = 1; j <= k; j++) {
      if ((s[i + j] & 0xC0) != 0x80) return false;
      cp = cp << 6 | (s[i + j] & 0x3F);
    }
    if ((k == 2 && cp < 0x800) || (k == 3 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp < 0xA0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0x2028 || cp == 0x2029 ||
        cp == 0xFEFF || cp == 0xFFFE || cp == 0xFFFF)
      return false;
    i += k + 1;
  }
  P->ascii = ascii;
  return true;
}

/* ------------------------------------------------------------ positions */

static uint32_t col_of(fp *P, size_t at) {
  if (P->ascii) return (uint32_t)(at - P->ls + 1);
  if (P->cpos < P->ls || P->cpos > at) P->cpos = P->ls, P->ccol = 1;
  for (size_t j = P->cpos; j < at; j++)
    if (((unsigned char)P->s[j] & 0xC0) != 0x80) P->ccol++;
  P->cpos = at;
  return P->ccol;
}

static dw_pos pos_at(fp *P, size_t at) { return (dw_pos){P->line, col_of(P, at)}; }

static int at(const fp *P, size_t j) { return j < P->n ? (unsigned char)P->s[j] : -1; }

/* A blank or the end of the line or file follows (libyaml's IS_BLANKZ). */
static bool blankz(const fp *P, size_t j) {
  int c = at(P, j);
  return c == ' ' || c == '\n' || c < 0;
}

/* ------------------------------------------------------------ values */

static bool push(fp *P, const dw_val *v) {
  if (P->skn == P->skcap) {
    size_t nc = P->skcap ? P->skcap * 2 : 256;
    dw_val *ns = realloc(P->sk, nc * sizeof *ns);
    if (!ns) return false;
    P->sk = ns;
    P->skcap = nc;
  }
  P->sk[P->skn++] = *v;
  return true;
}

static bool count_node(fp *P) { return ++P->nodes <= DW_SPEC_MAX_NODES; }

static bool push_scalar(fp *P, dw_pos pos, const char *text, size_t len, bool quoted) {
  if (!count_node(P)) return false;
  dw_val v = {0};
  v.pos = pos;
  v.quoted = quoted;
  v.kind = (!quoted && dw_cfg_is_null_text(text, len)) ? DW_VAL_NULL : DW_VAL_SCALAR;
  v.str = dw_arena_strndup(P->arena, text, len);
  v.len = len;
  return v.str && push(P, &v);
}

/* The value of `key:` or `-` with nothing after it: libyaml's empty plain
 * scalar, at the end of that indicator. */
static bool push_empty(fp *P, dw_pos pos) { return push_scalar(P, pos, "", 0, false); }

static bool open_coll(fp *P) {
  if (P->depth >= DW_SPEC_MAX_DEPTH || !count_node(P)) return false;
  P->depth++;
  return true;
}

static bool close_seq(fp *P, size_t base, dw_pos pos) {
  size_t n = P->skn - base;
  dw_val v = {0};
  v.kind = DW_VAL_SEQ;
  v.pos = pos;
  v.str = "";
  dw_val *items = dw_arena_calloc(P->arena, n ? n : 1, sizeof *items);
  if (!items) return false;
  if (n) memcpy(items, P->sk + base, n * sizeof *items);
  v.n = (uint32_t)n;
  v.items = items;
  P->skn = base;
  P->depth--;
  return push(P, &v);
}

/* Keys must be unique: a repeated one is libyaml's to report. Keys holding
 * a NUL compare as C strings there; decline them rather than mimic that. */
static bool close_map(fp *P, size_t base, dw_pos pos) {
  size_t np = (P->skn - base) / 2;
  const char **keys = dw_arena_calloc(P->arena, np ? np : 1, sizeof *keys);
  dw_pos *kpos = dw_arena_calloc(P->arena, np ? np : 1, sizeof *kpos);
  dw_val *items = dw_arena_calloc(P->arena, np ? np : 1, sizeof *items);
  if (!keys || !kpos || !items) return false;
  dw_strmap seen;
  dw_strmap_init(&seen);
  bool ok = true;
  for (size_t i = 0; i < np && ok; i++) {
    const dw_val *k = &P->sk[base + 2 * i];
    if (strlen(k->str) != k->len) {
      ok = false;
    } else if (np > 16) {
      ok = dw_strmap_put(&seen, k->str, (uint32_t)i, NULL) == 1;
    } else {
      for (size_t j = 0; j < i && ok; j++) {
        const dw_val *o = &P->sk[base + 2 * j];
        ok = o->len != k->len || memcmp(o->str, k->str, k->len) != 0;
      }
    }
    keys[i] = k->str;
    kpos[i] = k->pos;
    items[i] = P->sk[base + 2 * i + 1];
  }
  dw_strmap_free(&seen);
  if (!ok) return false;
  dw_val v = {0};
  v.kind = DW_VAL_MAP;
  v.pos = pos;
  v.str = "";
  v.n = (uint32_t)np;
  v.keys = keys;
  v.key_pos = kpos;
  v.items = items;
  P->skn = base;
  P->depth--;
  return push(P, &v);
}

/* ------------------------------------------------------------ scalars */

/* Characters that cannot start a plain scalar here (YAML indicators), so
 * that a plain scalar is only ever what libyaml would also scan as one. */
static bool plain_start(const fp *P, size_t j) {
  int c = at(P, j);
  switch (c) {
    case -1:
    case '\n':
    case ' ':
    case '?':
    case ':':
    case ',':
    case '[':
    case ']':
    case '{':
    case '}':
    case '#':
    case '&':
    case '*':
    case '!':
    case '|':
    case '>':
    case '\'':
    case '"':
    case '%':
    case '@':
    case '`':
      return false;
    case '-': {
      int d = at(P, j + 1);
      return (d >= '0' && d <= '9') || (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z') ||
             d == '.' || d == '_';
    }
    default:
      return true;
  }
}

enum { END_LINE, END_COLON, END_FLOW };

/* A one-line plain scalar from P->i: ends at the line's end, at ':' before a
 * blank (a key), before ' #' (a comment) or, in a flow, at ",[]{}". Trailing
 * spaces are not part of it. Sets *end (one past the text) and leaves the
 * cursor on what stopped it. In a flow, ':' inside a scalar declines (libyaml
 * versions differ there). */
/* What interrupts a plain scalar's run of ordinary characters. */
static const bool block_stop[256] = {['\n'] = 1, [':'] = 1, [' '] = 1};
static const bool flow_stop[256] = {
    ['\n'] = 1, [':'] = 1, [' '] = 1, [','] = 1, ['['] = 1, [']'] = 1, ['{'] = 1, ['}'] = 1};

static bool plain(fp *P, bool flow, size_t *end, int *why) {
  const bool *stop = flow ? flow_stop : block_stop;
  size_t j = P->i, last = j;
  for (;;) {
    size_t j0 = j;
    while (j < P->n && !stop[(unsigned char)P->s[j]]) j++;
    if (j > j0) last = j;
    int c = at(P, j);
    if (c < 0 || c == '\n') {
      *why = END_LINE;
      break;
    }
    if (c == ':') {
      if (blankz(P, j + 1)) {
        *why = END_COLON;
        break;
      }
      if (flow) return false;
      last = ++j;
    } else if (c == ' ') {
      while (at(P, j) == ' ') j++;
      int d = at(P, j);
      if (d == '#' || d == '\n' || d < 0) {
        *why = END_LINE;
        break;
      }
    } else {
      *why = END_FLOW;
      break;
    }
  }
  *end = last;
  P->i = j;
  return true;
}

/* A one-line single-quoted scalar ('' is a quote). Cursor after the quote. */
static bool squoted(fp *P, const char **text, size_t *len) {
  size_t j = P->i + 1, start = j, nq = 0;
  for (;;) {
    int c = at(P, j);
    if (c < 0 || c == '\n') return false;
    if (c == '\'') {
      if (at(P, j + 1) != '\'') break;
      nq++;
      j += 2;
      continue;
    }
    j++;
  }
  size_t raw = j - start;
  P->i = j + 1;
  if (!nq) {
    *text = P->s + start;
    *len = raw;
    return true;
  }
  char *b = dw_arena_alloc(P->arena, raw);
  if (!b) return false;
  size_t o = 0;
  for (size_t k = start; k < j; k++) {
    b[o++] = P->s[k];
    if (P->s[k] == '\'') k++;
  }
  *text = b;
  *len = o;
  return true;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* A one-line double-quoted scalar with libyaml's escapes. An escape it would
 * refuse (unknown letter, bad hex, a surrogate) declines. */
static bool dquoted(fp *P, const char **text, size_t *len) {
  size_t j = P->i + 1, start = j;
  bool esc = false;
  for (;;) {
    int c = at(P, j);
    if (c < 0 || c == '\n') return false;
    if (c == '"') break;
    if (c == '\\') {
      esc = true;
      j++;
      if (at(P, j) < 0 || at(P, j) == '\n') return false;
    }
    j++;
  }
  size_t raw = j - start;
  P->i = j + 1;
  if (!esc) {
    *text = P->s + start;
    *len = raw;
    return true;
  }
  /* an escape never gives more bytes than it takes (\U: 10 -> 4, \L: 2 -> 3
   * is the exception: allow one extra byte per escaped source byte) */
  char *b = dw_arena_alloc(P->arena, raw * 2);
  if (!b) return false;
  size_t o = 0;
  for (size_t k = start; k < j; k++) {
    char c = P->s[k];
    if (c != '\\') {
      b[o++] = c;
      continue;
    }
    char e = P->s[++k];
    int hex = 0;
    switch (e) {
      case '0':
        b[o++] = '\0';
        break;
      case 'a':
        b[o++] = '\a';
        break;
      case 'b':
        b[o++] = '\b';
        break;
      case 't':
        b[o++] = '\t';
        break;
      case 'n':
        b[o++] = '\n';
        break;
      case 'v':
        b[o++] = '\v';
        break;
      case 'f':
        b[o++] = '\f';
        break;
      case 'r':
        b[o++] = '\r';
        break;
      case 'e':
        b[o++] = '\x1B';
        break;
      case ' ':
        b[o++] = ' ';
        break;
      case '"':
        b[o++] = '"';
        break;
      case '/':
        b[o++] = '/';
        break;
      case '\\':
        b[o++] = '\\';
        break;
      case 'N':
        b[o++] = '\xC2', b[o++] = '\x85';
        break;
      case '_':
        b[o++] = '\xC2', b[o++] = '\xA0';
        break;
      case 'L':
        b[o++] = '\xE2', b[o++] = '\x80', b[o++] = '\xA8';
        break;
      case 'P':
        b[o++] = '\xE2', b[o++] = '\x80', b[o++] = '\xA9';
        break;
      case 'x':
        hex = 2;
        break;
      case 'u':
        hex = 4;
        break;
      case 'U':
        hex = 8;
        break;
      default:
        return false;
    }
    if (!hex) continue;
    if (j - (k + 1) < (size_t)hex) return false;
    uint32_t v = 0;
    for (int h = 0; h < hex; h++) {
      int d = hexval((unsigned char)P->s[++k]);
      if (d < 0) return false;
      v = v << 4 | (uint32_t)d;
    }
    if ((v >= 0xD800 && v <= 0xDFFF) || v > 0x10FFFF) return false;
    if (v <= 0x7F) {
      b[o++] = (char)v;
    } else if (v <= 0x7FF) {
      b[o++] = (char)(0xC0 | v >> 6);
      b[o++] = (char)(0x80 | (v & 0x3F));
    } else if (v <= 0xFFFF) {
      b[o++] = (char)(0xE0 | v >> 12);
      b[o++] = (char)(0x80 | (v >> 6 & 0x3F));
      b[o++] = (char)(0x80 | (v & 0x3F));
    } else {
      b[o++] = (char)(0xF0 | v >> 18);
      b[o++] = (char)(0x80 | (v >> 12 & 0x3F));
      b[o++] = (char)(0x80 | (v >> 6 & 0x3F));
      b[o++] = (char)(0x80 | (v & 0x3F));
    }
  }
  *text = b;
  *len = o;
  return true;
}

/* A quoted or plain scalar on one line, pushed. *why says what ended a
 * plain one (quoted ones: END_LINE). */
static bool scalar(fp *P, bool flow, int *why) {
  size_t s0 = P->i;
  dw_pos pos = pos_at(P, s0);
  int c = at(P, s0);
  const char *text;
  size_t len;
  *why = END_LINE;
  if (c == '\'' || c == '"') {
    if (!(c == '\'' ? squoted(P, &text, &len) : dquoted(P, &text, &len))) return false;
    /* what may follow a quoted scalar: a blank, the end, a ':' (a key, if a
     * blank follows: the caller checks) or in a flow an indicator; anything
     * else (even '#' without a blank) declines */
    int d = at(P, P->i);
    if (!(d == ' ' || d == '\n' || d < 0 || d == ':' ||
          (flow && (d == ',' || d == ']' || d == '}'))))
      return false;
    return push_scalar(P, pos, text, len, true);
  }
  if (!plain_start(P, s0)) return false;
  size_t end;
  if (!plain(P, flow, &end, why)) return false;
  return push_scalar(P, pos, P->s + s0, end - s0, false);
}

static void skip_spaces(fp *P) {
  while (P->i < P->n && P->s[P->i] == ' ') P->i++;
}

/* After a key, skip spaces to a ':' followed by a blank, and step over it.
 * libyaml forgets a simple key 1024 characters on: stay well inside. */
static bool key_colon(fp *P, size_t key_start) {
  skip_spaces(P);
  if (at(P, P->i) != ':' || !blankz(P, P->i + 1) || P->i - key_start > 1000) return false;
  P->i++;
  return true;
}

/* ------------------------------------------------------------ lines */

/* The rest of the line holds only blanks and a comment (after a blank);
 * step onto the next line. */
static bool end_line(fp *P) {
  size_t j = P->i;
  while (j < P->n && P->s[j] == ' ') j++;
  if (j < P->n && P->s[j] == '#') {
    if (j == P->ls || P->s[j - 1] != ' ') return false;
    const char *nl = memchr(P->s + j, '\n', P->n - j);
    j = nl ? (size_t)(nl - P->s) : P->n;
  }
  if (j < P->n && P->s[j] != '\n') return false;
  if (j < P->n) {
    P->line++;
    P->ls = j + 1;
    j++;
  } else {
    P->ls = j; /* no last newline: skip_lines must see the end */
  }
  P->i = j;
  return true;
}

/* From the start of a line, skip blank and comment lines to the next
 * content: P->indent is its column (-1 at the end of the input). Document
 * markers at column 0 decline. */
static bool skip_lines(fp *P) {
  for (;;) {
    size_t j = P->ls;
    while (j < P->n && P->s[j] == ' ') j++;
    if (j >= P->n) {
      P->i = P->n;
      P->indent = -1;
      return true;
    }
    if (P->s[j] == '#') {
      const char *nl = memchr(P->s + j, '\n', P->n - j);
      if (!nl) {
        P->i = P->n;
        P->indent = -1;
        return true;
      }
      j = (size_t)(nl - P->s);
    }
    if (P->s[j] == '\n') {
      if (P->line == UINT32_MAX) return false;
      P->line++;
      P->ls = j + 1;
      continue;
    }
    if (j == P->ls && P->n - j >= 3 &&
        (memcmp(P->s + j, "---", 3) == 0 || memcmp(P->s + j, "...", 3) == 0))
      return false;
    P->i = j;
    P->indent = (long)(j - P->ls);
    return true;
  }
}

/* A value that ended its line: go to the next content, which must not be
 * indented past the innermost block collection (`parent`): libyaml would
 * continue a plain scalar there, or report an error. */
static bool after_value(fp *P, long parent) {
  return end_line(P) && skip_lines(P) && P->indent <= parent;
}

/* ------------------------------------------------------------ flow */

static bool flow_node(fp *P);

static bool flow_item(fp *P) {
  int c = at(P, P->i);
  if (c == '[' || c == '{') return flow_node(P);
  int why;
  return scalar(P, true, &why) && why != END_COLON;
}

/* A flow collection that opens and closes on this line. No empty entries,
 * no trailing comma, no single-pair mappings inside a sequence. */
static bool flow_node(fp *P) {
  bool map = P->s[P->i] == '{';
  char close = map ? '}' : ']';
  dw_pos pos = pos_at(P, P->i);
  if (!open_coll(P)) return false;
  size_t base = P->skn;
  P->i++;
  skip_spaces(P);
  if (at(P, P->i) == close) {
    P->i++;
  } else {
    for (;;) {
      if (map) {
        size_t k0 = P->i;
        int c = at(P, k0), why;
        if (c == '[' || c == '{' || !scalar(P, true, &why) || why == END_FLOW) return false;
        if (!key_colon(P, k0)) return false;
        skip_spaces(P);
        c = at(P, P->i);
        if (c == ',' || c == close) return false;
      }
      if (!flow_item(P)) return false;
      skip_spaces(P);
      int c = at(P, P->i);
      if (c == close) {
        P->i++;
        break;
      }
      if (c != ',') return false;
      P->i++;
      skip_spaces(P);
      if (at(P, P->i) == close) return false;
    }
  }
  return map ? close_map(P, base, pos) : close_seq(P, base, pos);
}

/* ------------------------------------------------------------ block */

static bool block_node(fp *P, long parent);

/* A block sequence whose first '-' is at the cursor, column `col`.
 * `indentless`: it is the value of a key at the same column. */
static bool block_seq(fp *P, long col, bool indentless) {
  dw_pos pos = pos_at(P, P->i);
  if (!open_coll(P)) return false;
  size_t base = P->skn;
  for (;;) {
    dw_pos empty = {P->line, col_of(P, P->i) + 1};
    P->i++;
    skip_spaces(P);
    int c = at(P, P->i);
    if (c < 0 || c == '\n' || c == '#') {
      if (!end_line(P) || !skip_lines(P)) return false;
      if (P->indent > col) {
        if (!block_node(P, col)) return false;
      } else if (!push_empty(P, empty)) {
        return false;
      }
    } else if (!block_node(P, col)) {
      return false;
    }
    if (P->indent == col && at(P, P->i) == '-' && blankz(P, P->i + 1)) continue;
    if (P->indent < col || (indentless && P->indent == col)) break;
    return false;
  }
  return close_seq(P, base, pos);
}

/* A block mapping whose first key has been pushed; the cursor is after its
 * ':'. Keys are at column `col`. */
static bool block_map(fp *P, long col, dw_pos pos, size_t base) {
  for (;;) {
    dw_pos empty = {P->line, col_of(P, P->i)};
    skip_spaces(P);
    int c = at(P, P->i);
    if (c < 0 || c == '\n' || c == '#') {
      if (!end_line(P) || !skip_lines(P)) return false;
      if (P->indent > col) {
        if (!block_node(P, col)) return false;
      } else if (P->indent == col && at(P, P->i) == '-' && blankz(P, P->i + 1)) {
        if (!block_seq(P, col, true)) return false;
      } else if (!push_empty(P, empty)) {
        return false;
      }
    } else if (c == '[' || c == '{') {
      if (!flow_node(P) || !after_value(P, col)) return false;
    } else {
      int why;
      if (!scalar(P, false, &why) || why == END_COLON || !after_value(P, col)) return false;
    }
    if (P->indent < col) break;
    if (P->indent > col) return false;
    /* the next key, on its own line at this column */
    size_t k0 = P->i;
    int why;
    if (!scalar(P, false, &why) || why == END_FLOW || !key_colon(P, k0)) return false;
  }
  return close_map(P, base, pos);
}

/* The block node at the cursor (column P->i - P->ls, past `parent`). On
 * return the cursor is at the next content line (P->indent). */
static bool block_node(fp *P, long parent) {
  long col = (long)(P->i - P->ls);
  int c = at(P, P->i);
  if (c == '-' && blankz(P, P->i + 1)) return block_seq(P, col, false);
  if (c == '[' || c == '{') {
    if (!flow_node(P)) return false;
    skip_spaces(P);
    if (at(P, P->i) == ':') return false; /* a flow collection as a key */
    return after_value(P, parent);
  }
  dw_pos pos = pos_at(P, P->i);
  size_t base = P->skn, k0 = P->i;
  int why;
  if (!scalar(P, false, &why)) return false;
  skip_spaces(P);
  if (at(P, P->i) == ':' && blankz(P, P->i + 1)) {
    /* a key: this is a block mapping; reopen it around the key */
    if (!key_colon(P, k0) || !open_coll(P)) return false;
    /* the key was counted as a node before the mapping: same total */
    return block_map(P, col, pos, base);
  }
  if (why == END_COLON) return false;
  return after_value(P, parent);
}

bool dw_cfg_read_yaml_fast(dw_arena *arena, const char *data, size_t len, const dw_val **out) {
  fp P;
  memset(&P, 0, sizeof P);
  P.arena = arena;
  P.s = data;
  P.n = len;
  P.line = 1;
  P.ccol = 1;
  *out = NULL;
  if (!data || len >= ((size_t)1 << 31) || !check_input(&P) || !skip_lines(&P) || P.indent < 0)
    return false;
  bool ok = block_node(&P, -1) && P.indent < 0 && P.skn == 1;
  dw_val *root = ok ? dw_arena_alloc(arena, sizeof *root) : NULL;
  if (root) {
    *root = P.sk[0];
    *out = root;
  }
  free(P.sk);
  return root != NULL;
}
