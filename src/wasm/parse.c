/* wasm/parse: see parse.h. One pass over the sections with the
 * bounds-checked cursor of wasm/cursor: every LEB128 limited to its width,
 * every count checked against the bytes left before anything is allocated
 * (so a hostile file costs at most a small multiple of its own size), each
 * section's contents checked as they are read (indices, limits, types,
 * constant expressions through wasm/validate), each function body typed by
 * wasm/validate. Everything the model holds is in the arena or points into
 * the module's bytes. */
#include "wasm/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/cursor.h"
#include "wasm/instr.h"
#include "wasm/validate.h"

/* The reader's state: the cursor, the model being filled, the validator. */
typedef struct rd {
  dw_cur *c;
  dw_arena *a;
  dw_wasm_info *w;
  dw_vctx v;
  bool seen_func;      /* the function index space is complete (w->func_type) */
  uint32_t nfunc_decl; /* functions the function section declares */
  bool seen_code, seen_data;
  uint32_t ntable_imports;
} rd;

static const char *const section_names[] = {"custom", "type",   "import",    "function", "table",
                                            "memory", "global", "export",    "start",    "element",
                                            "code",   "data",   "datacount", "tag"};

/* --------------------------------------------------------------- pieces */

/* Is s[0 .. n) well-formed UTF-8 (shortest forms, no surrogates, at most
 * U+10FFFF)? */
static bool utf8_ok(const uint8_t *s, uint32_t n) {
  uint32_t i = 0;
  while (i < n) {
    uint8_t b = s[i];
    uint32_t more;
    uint8_t lo = 0x80, hi = 0xbf;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      more = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      more = 2;
      if (b == 0xe0) lo = 0xa0;
      if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      more = 3;
      if (b == 0xf0) lo = 0x90;
      if (b == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (n - i - 1 < more) return false;
    if (s[i + 1] < lo || s[i + 1] > hi) return false;
    for (uint32_t k = 2; k <= more; k++)
      if ((s[i + k] & 0xc0) != 0x80) return false;
    i += more + 1;
  }
  return true;
}

/* A name: length + UTF-8 bytes, copied NUL-terminated into the arena. */
static int name(dw_cur *c, dw_arena *a, const char **out, uint32_t *len, const char *what) {
  const uint8_t *p;
  uint32_t n;
  size_t at = c->pos;
  if (dw_cur_str(c, &p, &n, what)) return -1;
  if (!utf8_ok(p, n))
    return dw_cur_fail(c, "%s at byte %zu is not valid UTF-8 (malformed UTF-8 encoding)", what, at);
  char *s = dw_arena_strndup(a, (const char *)p, n);
  if (!s) return dw_cur_fail(c, "out of memory");
  *out = s;
  if (len) *len = n;
  return 0;
}

/* The value type bytes of proposals outside the accepted set: their name. */
static const char *foreign_type(uint8_t t) {
  if (t == 0x7b) return "SIMD (v128 values)";
  if (t == 0x63 || t == 0x64) return "a typed function reference type";
  if (t == 0x69 || t == 0x74) return "an exception reference type (exnref)";
  if (t >= 0x65 && t <= 0x73 && t != 0x70 && t != 0x6f)
    return "a garbage-collected reference type (GC)";
  return NULL;
}

static int valtype(dw_cur *c, uint8_t *t, const char *what) {
  size_t at = c->pos;
  if (dw_cur_u8(c, t, what)) return -1;
  if (*t == DW_WT_I32 || *t == DW_WT_I64 || *t == DW_WT_F32 || *t == DW_WT_F64 || *t == 0x70 ||
      *t == 0x6f)
    return 0;
  const char *f = foreign_type(*t);
  if (f) return dw_cur_unsupported(c, "%s is not supported, in %s", f, what);
  return dw_cur_fail(c, "unknown value type 0x%02x in %s at byte %zu (malformed value type)", *t,
                     what, at);
}

static int reftype(dw_cur *c, uint8_t *t, const char *what) {
  size_t at = c->pos;
  if (dw_cur_u8(c, t, what)) return -1;
  if (*t == 0x70 || *t == 0x6f) return 0;
  const char *f = foreign_type(*t);
  if (f && *t != 0x7b) return dw_cur_unsupported(c, "%s is not supported, in %s", f, what);
  return dw_cur_fail(c,
                     "unknown reference type 0x%02x in %s at byte %zu (malformed reference type)",
                     *t, what, at);
}

static int limits(dw_cur *c, dw_wasm_limits *l, bool memory) {
  uint8_t flags;
  size_t at = c->pos;
  if (dw_cur_u8(c, &flags, "limits")) return -1;
  if (memory && (flags & 0x04)) return dw_cur_unsupported(c, "memory64 is not supported");
  if (!memory && (flags & 0x04) && flags < 8)
    return dw_cur_unsupported(c, "64-bit tables (memory64) are not supported");
  if (memory && (flags & 0x02) && flags < 8)
    return dw_cur_unsupported(c, "shared memory (threads) is not supported");
  if (memory && (flags & 0x08) && flags < 16)
    return dw_cur_unsupported(c, "custom page sizes are not supported");
  if (flags > 1)
    return dw_cur_fail(c, "unknown limits flags 0x%02x at byte %zu (integer too large)", flags, at);
  if (dw_cur_u32(c, &l->min, "limits minimum")) return -1;
  l->has_max = flags & 1;
  l->max = 0;
  if (l->has_max && dw_cur_u32(c, &l->max, "limits maximum")) return -1;
  if (l->has_max && l->max < l->min)
    return dw_cur_fail(c,
                       "limits maximum %u is below the minimum %u at byte %zu (size minimum must "
                       "not be greater than maximum)",
                       l->max, l->min, at);
  return 0;
}

static int table_type(rd *r, dw_wasm_table *t, uint32_t index, bool defined) {
  dw_cur *c = r->c;
  if (defined && c->pos + 1 < c->end && c->b[c->pos] == 0x40 && c->b[c->pos + 1] == 0x00)
    return dw_cur_unsupported(c,
                              "typed function references (table %u with an initialiser "
                              "expression) are not supported (byte %zu)",
                              index, c->pos);
  if (reftype(r->c, &t->type, "a table type") || limits(r->c, &t->lim, false)) return -1;
  if (t->lim.min > DW_WASM_MAX_TABLE)
    return dw_cur_fail(r->c, "table %u starts with %u elements; dagwood's limit is %u", index,
                       t->lim.min, DW_WASM_MAX_TABLE);
  return 0;
}

static int memory_type(rd *r) {
  dw_wasm_limits l;
  dw_wasm_info *w = r->w;
  if (limits(r->c, &l, true)) return -1;
  if (w->nmemories) return dw_cur_unsupported(r->c, "multiple memories are not supported");
  if (l.min > 65536 || (l.has_max && l.max > 65536))
    return dw_cur_fail(r->c,
                       "memory size above 65536 pages (4 GiB) (memory size must be at most "
                       "65536 pages)");
  w->nmemories = 1;
  w->mem_initial = l.min;
  w->mem_max = l.max;
  w->mem_has_max = l.has_max;
  return 0;
}

/* A vector's count: at most one item per `min` bytes left in the section. */
static int vec_count(dw_cur *c, uint32_t *n, size_t min, const char *what) {
  if (dw_cur_u32(c, n, what)) return -1;
  if ((uint64_t)*n * min > c->end - c->pos)
    return dw_cur_fail(c, "%s %u exceeds the section (length out of bounds)", what, *n);
  return 0;
}

/* The function index space: the imported functions' types, then room for
 * n defined ones. */
static int func_space(rd *r, uint32_t n) {
  dw_wasm_info *w = r->w;
  w->nfuncs = w->nfunc_imports + n;
  w->func_type = dw_arena_calloc(r->a, w->nfuncs ? w->nfuncs : 1, sizeof *w->func_type);
  if (!w->func_type) return dw_cur_fail(r->c, "out of memory");
  uint32_t k = 0;
  for (uint32_t i = 0; i < w->nimports; i++)
    if (w->imports[i].kind == 0) w->func_type[k++] = w->imports[i].type;
  r->seen_func = true;
  return 0;
}

/* ------------------------------------------------------------- sections */

static int sec_type(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 3, "type count")) return -1;
  if (n > DW_WASM_MAX_TYPES)
    return dw_cur_fail(c, "the module declares %u function types; dagwood's limit is %u", n,
                       DW_WASM_MAX_TYPES);
  w->types = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->types);
  if (!w->types) return dw_cur_fail(c, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    uint8_t form, v;
    size_t at = c->pos;
    if (dw_cur_u8(c, &form, "type form")) return -1;
    if (form == 0x5e || form == 0x5f || form == 0x50 || form == 0x4f || form == 0x4e)
      return dw_cur_unsupported(c, "garbage-collected types (GC) are not supported (byte %zu)", at);
    if (form != 0x60)
      return dw_cur_fail(c, "type %u is not a function type (0x%02x) at byte %zu", i, form, at);
    dw_wasm_functype *t = &w->types[i];
    if (dw_cur_u32(c, &t->np, "parameter count")) return -1;
    if (t->np > DW_WASM_MAX_PARAMS)
      return dw_cur_fail(c, "type %u has too many parameters (%u; dagwood's limit is %u)", i, t->np,
                         DW_WASM_MAX_PARAMS);
    t->params = c->b + c->pos;
    for (uint32_t k = 0; k < t->np; k++)
      if (valtype(c, &v, "a function type")) return -1;
    if (dw_cur_u32(c, &t->nr, "result count")) return -1;
    if (t->nr > DW_WASM_MAX_PARAMS)
      return dw_cur_fail(c, "type %u has too many results (%u; dagwood's limit is %u)", i, t->nr,
                         DW_WASM_MAX_PARAMS);
    t->results = c->b + c->pos;
    for (uint32_t k = 0; k < t->nr; k++)
      if (valtype(c, &v, "a function type")) return -1;
  }
  w->ntypes = n;
  return 0;
}

static int sec_import(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 4, "import count")) return -1;
  w->imports = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->imports);
  w->tables = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->tables);
  w->globals = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->globals);
  if (!w->imports || !w->tables || !w->globals) return dw_cur_fail(c, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    dw_wasm_import *im = &w->imports[i];
    size_t at = c->pos;
    if (name(c, r->a, &im->module, &im->module_len, "import module name") ||
        name(c, r->a, &im->name, &im->name_len, "import name") ||
        dw_cur_u8(c, &im->kind, "import kind"))
      return -1;
    switch (im->kind) {
      case 0:
        if (dw_cur_u32(c, &im->type, "import type")) return -1;
        if (im->type >= w->ntypes)
          return dw_cur_fail(c, "import '%s.%s' names type %u, which does not exist (unknown type)",
                             im->module, im->name, im->type);
        if (w->nfunc_imports >= DW_WASM_MAX_FUNCS)
          return dw_cur_fail(c, "too many functions; dagwood's limit is %u", DW_WASM_MAX_FUNCS);
        w->nfunc_imports++;
        break;
      case 1: {
        dw_wasm_table *t = &w->tables[w->ntables];
        if (table_type(r, t, w->ntables, false)) return -1;
        t->imported = true;
        im->type = w->ntables++;
        break;
      }
      case 2:
        if (memory_type(r)) return -1;
        w->mem_imported = true;
        im->type = 0;
        break;
      case 3: {
        dw_wasm_global *g = &w->globals[w->nglobals];
        uint8_t mut;
        if (valtype(c, &g->type, "a global import") || dw_cur_u8(c, &mut, "mutability")) return -1;
        if (mut > 1)
          return dw_cur_fail(c, "import '%s.%s' has mutability %u (malformed mutability)",
                             im->module, im->name, mut);
        g->mut = mut;
        g->imported = true;
        im->type = w->nglobals++;
        break;
      }
      case 4:
        return dw_cur_unsupported(c, "exception handling (tag import '%s.%s') is not supported",
                                  im->module, im->name);
      default:
        return dw_cur_fail(c,
                           "import '%s.%s' has unknown kind %u at byte %zu (malformed import kind)",
                           im->module, im->name, im->kind, at);
    }
  }
  w->nimports = n;
  w->nglobal_imports = w->nglobals;
  r->ntable_imports = w->ntables;
  return 0;
}

static int sec_function(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 1, "function count")) return -1;
  if ((uint64_t)n + w->nfunc_imports > DW_WASM_MAX_FUNCS)
    return dw_cur_fail(c, "too many functions (%u); dagwood's limit is %u", n, DW_WASM_MAX_FUNCS);
  if (func_space(r, n)) return -1;
  r->nfunc_decl = n;
  uint32_t k = w->nfunc_imports;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t t;
    if (dw_cur_u32(c, &t, "function type")) return -1;
    if (t >= w->ntypes)
      return dw_cur_fail(c, "function %u names type %u, which does not exist (unknown type)", k, t);
    w->func_type[k++] = t;
  }
  return 0;
}

static int sec_table(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 3, "table count")) return -1;
  dw_wasm_table *t = dw_arena_calloc(r->a, (size_t)w->ntables + n + 1, sizeof *t);
  if (!t) return dw_cur_fail(c, "out of memory");
  if (w->ntables) memcpy(t, w->tables, w->ntables * sizeof *t);
  w->tables = t;
  for (uint32_t i = 0; i < n; i++) {
    if (table_type(r, &t[w->ntables], w->ntables, true)) return -1;
    w->ntables++;
  }
  return 0;
}

static int sec_memory(rd *r) {
  uint32_t n;
  if (vec_count(r->c, &n, 2, "memory count")) return -1;
  for (uint32_t i = 0; i < n; i++)
    if (memory_type(r)) return -1;
  return 0;
}

static int sec_global(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 3, "global count")) return -1;
  dw_wasm_global *g = dw_arena_calloc(r->a, (size_t)w->nglobals + n + 1, sizeof *g);
  if (!g) return dw_cur_fail(c, "out of memory");
  if (w->nglobals) memcpy(g, w->globals, w->nglobals * sizeof *g);
  w->globals = g;
  uint32_t first = w->nglobals;
  w->nglobals += n;
  for (uint32_t i = first; i < w->nglobals; i++) {
    uint8_t mut;
    if (valtype(c, &g[i].type, "a global") || dw_cur_u8(c, &mut, "mutability")) return -1;
    if (mut > 1)
      return dw_cur_fail(c, "global %u has mutability %u (malformed mutability)", i, mut);
    g[i].mut = mut;
    char what[48];
    snprintf(what, sizeof what, "the initialiser of global %u", i);
    r->v.gdefined = i;
    if (dw_validate_const(&r->v, g[i].type, what, &g[i].init)) return -1;
  }
  r->v.gdefined = w->nglobals;
  return 0;
}

/* Export names: sorted by (length, bytes), n log n. */
static int cmp_export(const void *x, const void *y) {
  const dw_wasm_export *a = *(const dw_wasm_export *const *)x;
  const dw_wasm_export *b = *(const dw_wasm_export *const *)y;
  if (a->name_len != b->name_len) return a->name_len < b->name_len ? -1 : 1;
  return memcmp(a->name, b->name, a->name_len);
}

static int sec_export(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 3, "export count")) return -1;
  w->exports = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->exports);
  if (!w->exports) return dw_cur_fail(c, "out of memory");
  static const char *const kinds[] = {"function", "table", "memory", "global"};
  for (uint32_t i = 0; i < n; i++) {
    dw_wasm_export *e = &w->exports[i];
    size_t at = c->pos;
    if (name(c, r->a, &e->name, &e->name_len, "export name") ||
        dw_cur_u8(c, &e->kind, "export kind") || dw_cur_u32(c, &e->index, "export index"))
      return -1;
    if (e->kind == 4)
      return dw_cur_unsupported(c, "exception handling (tag export '%s') is not supported",
                                e->name);
    if (e->kind > 3)
      return dw_cur_fail(c, "export '%s' has unknown kind %u at byte %zu (malformed export kind)",
                         e->name, e->kind, at);
    uint32_t count = e->kind == 0   ? w->nfuncs
                     : e->kind == 1 ? w->ntables
                     : e->kind == 2 ? w->nmemories
                                    : w->nglobals;
    if (e->index >= count)
      return dw_cur_fail(c, "export '%s' names %s %u, which does not exist (unknown %s)", e->name,
                         kinds[e->kind], e->index, kinds[e->kind]);
    if (e->kind == 0 && dw_validate_declare(&r->v, e->index)) return -1;
  }
  w->nexports = n;
  if (n > 1) {
    const dw_wasm_export **s = dw_arena_calloc(r->a, n, sizeof *s);
    if (!s) return dw_cur_fail(c, "out of memory");
    for (uint32_t i = 0; i < n; i++) s[i] = &w->exports[i];
    qsort(s, n, sizeof *s, cmp_export);
    for (uint32_t i = 1; i < n; i++)
      if (cmp_export(&s[i - 1], &s[i]) == 0)
        return dw_cur_fail(c, "export name '%s' is used twice", s[i]->name);
  }
  return 0;
}

static int sec_start(rd *r) {
  dw_wasm_info *w = r->w;
  if (dw_cur_u32(r->c, &w->start, "start function")) return -1;
  if (w->start >= w->nfuncs)
    return dw_cur_fail(r->c, "the start function %u does not exist (unknown function)", w->start);
  const dw_wasm_functype *t = &w->types[w->func_type[w->start]];
  if (t->np || t->nr) {
    char sig[128];
    dw_wasm_sig_text(t, sig, sizeof sig);
    return dw_cur_fail(r->c,
                       "the start function %u has type %s; it must be () -> () (start function)",
                       w->start, sig);
  }
  w->has_start = true;
  return 0;
}

static int sec_elem(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 2, "element segment count")) return -1;
  w->elems = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->elems);
  if (!w->elems) return dw_cur_fail(c, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    dw_wasm_elem *e = &w->elems[i];
    uint32_t flags;
    size_t at = c->pos;
    char what[64];
    if (dw_cur_u32(c, &flags, "element segment flags")) return -1;
    if (flags > 7)
      return dw_cur_fail(
          c, "element segment %u has flags %u at byte %zu (malformed elements segment kind)", i,
          flags, at);
    e->mode = (flags & 1) ? ((flags & 2) ? DW_SEG_DECLARATIVE : DW_SEG_PASSIVE) : DW_SEG_ACTIVE;
    e->exprs = flags & 4;
    e->type = 0x70;
    if (e->mode == DW_SEG_ACTIVE) {
      if ((flags & 2) && dw_cur_u32(c, &e->table, "table index")) return -1;
      if (e->table >= w->ntables)
        return dw_cur_fail(
            c, "element segment %u names table %u, which does not exist (unknown table)", i,
            e->table);
      snprintf(what, sizeof what, "the offset of element segment %u", i);
      if (dw_validate_const(&r->v, DW_WT_I32, what, &e->offset)) return -1;
    }
    if (flags & 3) {
      if (e->exprs) {
        if (reftype(c, &e->type, "an element segment")) return -1;
      } else {
        uint8_t kind;
        size_t kat = c->pos;
        if (dw_cur_u8(c, &kind, "element kind")) return -1;
        if (kind != 0)
          return dw_cur_fail(
              c, "element segment %u has element kind 0x%02x at byte %zu (malformed element kind)",
              i, kind, kat);
      }
    }
    if (e->mode == DW_SEG_ACTIVE && w->tables[e->table].type != e->type)
      return dw_cur_fail(c, "element segment %u of %s initialises table %u of %s (type mismatch)",
                         i, e->exprs ? "expressions" : "functions", e->table,
                         w->tables[e->table].type == 0x70 ? "funcref" : "externref");
    if (vec_count(c, &e->n, 1, "element count")) return -1;
    if (!e->exprs) {
      e->funcs = dw_arena_calloc(r->a, e->n ? e->n : 1, sizeof *e->funcs);
      if (!e->funcs) return dw_cur_fail(c, "out of memory");
      for (uint32_t k = 0; k < e->n; k++) {
        if (dw_cur_u32(c, &e->funcs[k], "function index")) return -1;
        if (e->funcs[k] >= w->nfuncs)
          return dw_cur_fail(
              c, "element segment %u names function %u, which does not exist (unknown function)", i,
              e->funcs[k]);
        if (dw_validate_declare(&r->v, e->funcs[k])) return -1;
      }
    } else {
      e->items = dw_arena_calloc(r->a, e->n ? e->n : 1, sizeof *e->items);
      if (!e->items) return dw_cur_fail(c, "out of memory");
      snprintf(what, sizeof what, "an item of element segment %u", i);
      for (uint32_t k = 0; k < e->n; k++)
        if (dw_validate_const(&r->v, e->type, what, &e->items[k])) return -1;
    }
  }
  w->nelems = n;
  return 0;
}

static int sec_datacount(rd *r) {
  if (dw_cur_u32(r->c, &r->w->datacount, "data count")) return -1;
  r->w->has_datacount = true;
  return 0;
}

/* A body's locals into v->locals (the parameters first). */
static int locals(rd *r, uint32_t fi, dw_wasm_body *body) {
  dw_cur *c = r->c;
  const dw_wasm_functype *t = &r->w->types[r->w->func_type[fi]];
  uint32_t ngroups;
  if (vec_count(c, &ngroups, 2, "local group count")) return -1;
  size_t groups = c->pos;
  uint64_t total = 0;
  for (uint32_t g = 0; g < ngroups; g++) {
    uint32_t cnt;
    uint8_t ty;
    if (dw_cur_u32(c, &cnt, "local count") || valtype(c, &ty, "the locals of a function"))
      return -1;
    total += cnt;
  }
  if (total > UINT32_MAX)
    return dw_cur_fail(c, "function %u declares %llu locals (too many locals)", fi,
                       (unsigned long long)total);
  if (total > DW_WASM_MAX_LOCALS)
    return dw_cur_fail(c, "function %u declares %llu locals; dagwood's limit is %u", fi,
                       (unsigned long long)total, DW_WASM_MAX_LOCALS);
  body->nlocals = (uint32_t)total;
  dw_vctx *v = &r->v;
  v->nlocals = t->np + body->nlocals;
  if (v->nlocals > v->caplocals || !v->locals) { /* one buffer for all bodies */
    v->caplocals = v->nlocals > 2 * v->caplocals ? v->nlocals : 2 * v->caplocals;
    v->locals = dw_arena_alloc_raw(r->a, v->caplocals ? v->caplocals : 1);
    if (!v->locals) return dw_cur_fail(c, "out of memory");
  }
  memcpy(v->locals, t->params, t->np);
  uint32_t k = t->np;
  for (uint32_t g = 0; g < ngroups; g++) {
    uint32_t cnt;
    groups = dw_leb_u32_at(c->b, groups, c->end, &cnt);
    memset(v->locals + k, c->b[groups++], cnt);
    k += cnt;
  }
  return 0;
}

static int sec_code(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 2, "function body count")) return -1;
  if (n != r->nfunc_decl)
    return dw_cur_fail(c,
                       "the code section has %u bodies for %u functions (function and code "
                       "section have inconsistent lengths)",
                       n, r->nfunc_decl);
  w->bodies = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->bodies);
  if (!w->bodies) return dw_cur_fail(c, "out of memory");
  size_t sec_end = c->end;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t size, fi = w->nfunc_imports + i;
    dw_wasm_body *b = &w->bodies[i];
    if (dw_cur_u32(c, &size, "function body size") || dw_cur_need(c, size, "a function body"))
      return -1;
    b->off = c->pos;
    b->len = size;
    c->end = c->pos + size;
    if (locals(r, fi, b)) return -1;
    b->code_off = c->pos;
    if (dw_validate_body(&r->v, fi, b)) return -1;
    c->end = sec_end;
  }
  w->ncode = n;
  return 0;
}

static int sec_data(rd *r) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  uint32_t n;
  if (vec_count(c, &n, 2, "data segment count")) return -1;
  if (w->has_datacount && n != w->datacount)
    return dw_cur_fail(c,
                       "the data section has %u segments, the data count section says %u (data "
                       "count and data section have inconsistent lengths)",
                       n, w->datacount);
  w->datas = dw_arena_calloc(r->a, n ? n : 1, sizeof *w->datas);
  if (!w->datas) return dw_cur_fail(c, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    dw_wasm_data *d = &w->datas[i];
    uint32_t flags, mem = 0;
    size_t at = c->pos;
    if (dw_cur_u32(c, &flags, "data segment flags")) return -1;
    if (flags > 2)
      return dw_cur_fail(c,
                         "data segment %u has flags %u at byte %zu (malformed data segment kind)",
                         i, flags, at);
    d->mode = flags == 1 ? DW_SEG_PASSIVE : DW_SEG_ACTIVE;
    if (flags == 2 && dw_cur_u32(c, &mem, "memory index")) return -1;
    if (d->mode == DW_SEG_ACTIVE) {
      if (mem >= w->nmemories)
        return dw_cur_fail(
            c, "data segment %u names memory %u, which does not exist (unknown memory)", i, mem);
      char what[48];
      snprintf(what, sizeof what, "the offset of data segment %u", i);
      if (dw_validate_const(&r->v, DW_WT_I32, what, &d->offset)) return -1;
    }
    const uint8_t *p;
    if (dw_cur_str(c, &p, &d->len, "data segment")) return -1;
    d->off = (size_t)(p - c->b);
  }
  w->ndatas = n;
  return 0;
}

/* --------------------------------------------------------------- module */

dw_wasm_kind dw_wasm_sniff(const uint8_t *b, size_t len) {
  if (len < 8 || memcmp(b, "\0asm", 4) != 0) return DW_WASM_NOT_WASM;
  if (b[4] == 1 && b[5] == 0 && b[6] == 0 && b[7] == 0) return DW_WASM_CORE_MODULE;
  if (b[6] == 1 && b[7] == 0) return DW_WASM_COMPONENT; /* layer 1: any component version */
  return DW_WASM_UNKNOWN_VERSION;
}

static int order_of(uint8_t id) {
  /* the order non-custom sections must appear in (datacount between
   * element and code, tag between memory and global) */
  static const int ord[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  return id < sizeof ord / sizeof *ord ? ord[id] : -1;
}

static int parse_module(rd *r, const uint8_t *b, size_t len) {
  dw_cur *c = r->c;
  dw_wasm_info *w = r->w;
  if (len > DW_WASM_MAX_MODULE_BYTES)
    return dw_cur_fail(c, "the module is %zu bytes; the limit is 16 MiB", len);
  switch (dw_wasm_sniff(b, len)) {
    case DW_WASM_NOT_WASM:
      return dw_cur_fail(c, "not a WebAssembly binary (no \\0asm header)");
    case DW_WASM_COMPONENT:
      return dw_cur_fail(c, "a WebAssembly component; components are not supported yet");
    case DW_WASM_UNKNOWN_VERSION:
      return dw_cur_fail(c, "unknown WebAssembly version %u", b[4] | b[5] << 8);
    case DW_WASM_CORE_MODULE:
      break;
  }
  c->pos = 8;
  int last = 0;
  while (c->pos < len) {
    uint8_t id;
    uint32_t size;
    size_t at = c->pos;
    c->end = len;
    if (dw_cur_u8(c, &id, "section id") || dw_cur_u32(c, &size, "section size")) return -1;
    if (id > 13) return dw_cur_fail(c, "unknown section id %u at byte %zu", id, at);
    if (size > len - c->pos)
      return dw_cur_fail(c, "section %u (%s) runs past the end of the file at byte %zu", id,
                         section_names[id], at);
    size_t body_end = c->pos + size;
    c->end = body_end;
    if (id != 0) {
      int o = order_of(id);
      if (o <= last)
        return dw_cur_fail(c, "section %u (%s) is out of order or repeated at byte %zu", id,
                           section_names[id], at);
      last = o;
      /* past the function section: the function index space is complete */
      if (o > 3 && !r->seen_func && func_space(r, 0)) return -1;
    }
    int rc = 0;
    switch (id) {
      case 0: {
        const char *nm;
        if (name(c, r->a, &nm, NULL, "custom section name")) return -1;
        if (!strncmp(nm, "component-type", 14) || !strcmp(nm, "component"))
          w->component_section = nm;
        c->pos = body_end;
        break;
      }
      case 1:
        rc = sec_type(r);
        break;
      case 2:
        rc = sec_import(r);
        break;
      case 3:
        rc = sec_function(r);
        break;
      case 4:
        rc = sec_table(r);
        break;
      case 5:
        rc = sec_memory(r);
        break;
      case 6:
        rc = sec_global(r);
        break;
      case 7:
        rc = sec_export(r);
        break;
      case 8:
        rc = sec_start(r);
        break;
      case 9:
        rc = sec_elem(r);
        break;
      case 10:
        w->code_off = c->pos;
        w->code_len = size;
        rc = sec_code(r);
        r->seen_code = true;
        break;
      case 11:
        rc = sec_data(r);
        r->seen_data = true;
        break;
      case 12:
        rc = sec_datacount(r);
        break;
      case 13:
        return dw_cur_unsupported(c, "exception handling (tag section) is not supported");
    }
    if (rc) return -1;
    if (c->pos != body_end)
      return dw_cur_fail(c, "section %u (%s) has %zu unread bytes at its end", id,
                         section_names[id], body_end - c->pos);
  }
  if (!r->seen_func && func_space(r, 0)) return -1;
  if (!r->seen_code && r->nfunc_decl)
    return dw_cur_fail(c,
                       "functions are declared but the code section is missing (function and "
                       "code section have inconsistent lengths)");
  if (!r->seen_data && w->has_datacount && w->datacount)
    return dw_cur_fail(c,
                       "the data count section says %u segments but there is no data section "
                       "(data count and data section have inconsistent lengths)",
                       w->datacount);
  return 0;
}

int dw_wasm_parse(const uint8_t *b, size_t len, dw_arena *a, dw_wasm_info *w, char *err,
                  size_t errlen) {
  memset(w, 0, sizeof *w);
  dw_cur c = {.b = b, .pos = 0, .end = len, .err = err, .errlen = errlen};
  if (errlen) err[0] = 0;
  rd r = {.c = &c, .a = a, .w = w};
  r.v.c = &c;
  r.v.a = a;
  r.v.w = w;
  if (parse_module(&r, b, len) == 0) return 0;
  return c.unsupported ? DW_WASM_UNSUPPORTED : -1;
}

const dw_wasm_export *dw_wasm_find_export(const dw_wasm_info *w, const char *nm) {
  size_t n = strlen(nm);
  for (uint32_t i = 0; i < w->nexports; i++)
    if (w->exports[i].name_len == n && !memcmp(w->exports[i].name, nm, n)) return &w->exports[i];
  return NULL;
}

bool dw_wasm_func_sig_is(const dw_wasm_info *w, uint32_t fi, const char *params,
                         const char *results) {
  if (fi >= w->nfuncs || !w->func_type) return false;
  const dw_wasm_functype *t = &w->types[w->func_type[fi]];
  size_t np = strlen(params), nr = strlen(results);
  return t->np == np && t->nr == nr && memcmp(t->params, params, np) == 0 &&
         memcmp(t->results, results, nr) == 0;
}

void dw_wasm_sig_text(const dw_wasm_functype *t, char *buf, size_t size) {
  size_t n = 0;
  n += snprintf(buf + n, n < size ? size - n : 0, "(");
  for (uint32_t i = 0; i < t->np; i++)
    n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? ", " : "",
                  dw_valtype_name(t->params[i]));
  n += snprintf(buf + n, n < size ? size - n : 0, ") -> ");
  if (t->nr == 0) n += snprintf(buf + n, n < size ? size - n : 0, "()");
  for (uint32_t i = 0; i < t->nr; i++)
    n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? ", " : "",
                  dw_valtype_name(t->results[i]));
}
