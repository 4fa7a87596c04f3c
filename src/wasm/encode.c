/* wasm/encode: see encode.h. One pass per section over the parsed model;
 * instructions and constant expressions go through the one decoder
 * (wasm/instr) and are written back with the shortest encodings. The module
 * was validated before, so a decoding failure here is an internal error,
 * reported, never ignored. */
#include "wasm/encode.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/instr.h"
#include "wasm/wasi.h"

typedef struct obuf {
  uint8_t *p;
  size_t n, cap;
  bool oom;
} obuf;

static void put(obuf *o, const void *d, size_t n) {
  if (o->oom) return;
  if (o->n + n > o->cap) {
    size_t nc = o->cap ? o->cap : 4096;
    while (nc < o->n + n) nc *= 2;
    uint8_t *np = realloc(o->p, nc);
    if (!np) {
      o->oom = true;
      return;
    }
    o->p = np, o->cap = nc;
  }
  memcpy(o->p + o->n, d, n);
  o->n += n;
}

static void put_u8(obuf *o, uint8_t v) { put(o, &v, 1); }

static void put_uleb(obuf *o, uint64_t v) {
  uint8_t b[10];
  size_t n = 0;
  do {
    uint8_t x = v & 0x7f;
    v >>= 7;
    b[n++] = x | (v ? 0x80 : 0);
  } while (v);
  put(o, b, n);
}

static void put_sleb(obuf *o, int64_t v) {
  uint8_t b[10];
  size_t n = 0;
  for (;;) {
    uint8_t x = v & 0x7f;
    v >>= 7; /* arithmetic shift: gcc and clang on every target dagwood builds for */
    bool done = (v == 0 && !(x & 0x40)) || (v == -1 && (x & 0x40));
    b[n++] = x | (done ? 0 : 0x80);
    if (done) break;
  }
  put(o, b, n);
}

static void put_name(obuf *o, const char *s) {
  size_t n = strlen(s);
  put_uleb(o, n);
  put(o, s, n);
}

/* A section: id, size, contents. */
static void put_section(obuf *o, uint8_t id, obuf *body) {
  if (body->oom) o->oom = true;
  put_u8(o, id);
  put_uleb(o, body->n);
  put(o, body->p, body->n);
  body->n = 0;
}

typedef struct enc {
  const uint8_t *b;
  size_t len;
  const dw_wasm_info *w;
  uint32_t hook_fuel, hook_bulk, hook_table; /* function indices of the hooks */
  uint32_t *cost;                            /* per site */
  uint32_t nsites, cap_sites;
  int64_t *stack; /* the site charged outside each open block */
  uint32_t sp, cap_stack;
  char *err;
  size_t errlen;
  bool failed;
} enc;

__attribute__((format(printf, 2, 3))) static int fail(enc *e, const char *fmt, ...) {
  if (!e->failed) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, e->errlen, fmt, ap);
    va_end(ap);
  }
  e->failed = true;
  return -1;
}

/* Defined functions move up by the hooks imported after the module's own
 * function imports. */
static uint32_t fidx(const enc *e, uint32_t f) {
  return f < e->w->nfunc_imports ? f : f + DW_NHOOKS;
}

static void put_limits(obuf *o, const dw_wasm_limits *l) {
  put_u8(o, l->has_max ? 1 : 0);
  put_uleb(o, l->min);
  if (l->has_max) put_uleb(o, l->max);
}

/* ----------------------------------------------------------- instructions */

/* Write one decoded instruction back (function indices remapped). */
static void put_instr(enc *e, obuf *o, const dw_instr *in) {
  uint32_t op = in->op;
  if (op > 0xff) {
    put_u8(o, (uint8_t)(op >> 8));
    put_uleb(o, op & 0xff);
  } else {
    put_u8(o, (uint8_t)op);
  }
  switch (op) {
    case DW_OP_BLOCK:
    case DW_OP_LOOP:
    case DW_OP_IF:
      put_sleb(o, in->bt);
      break;
    case DW_OP_BR:
    case DW_OP_BR_IF:
    case DW_OP_LOCAL_GET:
    case DW_OP_LOCAL_SET:
    case DW_OP_LOCAL_TEE:
    case DW_OP_GLOBAL_GET:
    case DW_OP_GLOBAL_SET:
    case DW_OP_TABLE_GET:
    case DW_OP_TABLE_SET:
    case DW_OP_DATA_DROP:
    case DW_OP_ELEM_DROP:
    case DW_OP_TABLE_GROW:
    case DW_OP_TABLE_SIZE:
    case DW_OP_TABLE_FILL:
      put_uleb(o, in->x);
      break;
    case DW_OP_CALL:
    case DW_OP_REF_FUNC:
      put_uleb(o, fidx(e, in->x));
      break;
    case DW_OP_CALL_INDIRECT:
    case DW_OP_TABLE_INIT:
    case DW_OP_TABLE_COPY:
      put_uleb(o, in->x);
      put_uleb(o, in->y);
      break;
    case DW_OP_BR_TABLE: {
      uint32_t *l = malloc(((size_t)in->n + 1) * sizeof *l);
      if (!l) {
        o->oom = true;
        break;
      }
      dw_instr_labels(e->b, e->len, in, l);
      put_uleb(o, in->n);
      for (uint32_t i = 0; i <= in->n; i++) put_uleb(o, l[i]);
      free(l);
      break;
    }
    case DW_OP_SELECT_T:
      put_u8(o, 1);
      put_u8(o, in->t);
      break;
    case DW_OP_REF_NULL:
      put_u8(o, in->t);
      break;
    case DW_OP_MEMORY_SIZE:
    case DW_OP_MEMORY_GROW:
    case DW_OP_MEMORY_FILL:
      put_u8(o, 0);
      break;
    case DW_OP_MEMORY_COPY:
      put_u8(o, 0);
      put_u8(o, 0);
      break;
    case DW_OP_MEMORY_INIT:
      put_uleb(o, in->x);
      put_u8(o, 0);
      break;
    case DW_OP_I32_CONST:
      put_sleb(o, (int32_t)(uint32_t)in->k);
      break;
    case DW_OP_I64_CONST:
      put_sleb(o, (int64_t)in->k);
      break;
    case DW_OP_F32_CONST: {
      uint8_t v[4];
      for (int i = 0; i < 4; i++) v[i] = (uint8_t)(in->k >> (8 * i));
      put(o, v, 4);
      break;
    }
    case DW_OP_F64_CONST: {
      uint8_t v[8];
      for (int i = 0; i < 8; i++) v[i] = (uint8_t)(in->k >> (8 * i));
      put(o, v, 8);
      break;
    }
    default:
      if (op >= DW_OP_I32_LOAD && op <= DW_OP_I64_STORE32) {
        put_uleb(o, in->x);
        put_uleb(o, in->y);
      }
      break;
  }
}

/* A constant expression, through its end. */
static void put_expr(enc *e, obuf *o, const dw_wasm_expr *x) {
  dw_cur c = {.b = e->b, .pos = x->off, .end = x->off + x->len, .err = e->err, .errlen = e->errlen};
  dw_instr in;
  for (;;) {
    if (dw_instr_next(&c, &in, NULL)) {
      fail(e, "cannot re-read a constant expression at byte %zu", x->off);
      return;
    }
    put_instr(e, o, &in);
    if (in.op == DW_OP_END) return;
  }
}

/* Start a new hook site: call the fuel hook with its number. */
static int64_t new_site(enc *e, obuf *o) {
  if (e->nsites == e->cap_sites) {
    uint32_t nc = e->cap_sites ? e->cap_sites * 2 : 256;
    uint32_t *p = realloc(e->cost, nc * sizeof *p);
    if (!p) {
      o->oom = true;
      return -1;
    }
    e->cost = p, e->cap_sites = nc;
  }
  uint32_t s = e->nsites++;
  e->cost[s] = 1; /* the hook itself */
  put_u8(o, DW_OP_I32_CONST);
  put_sleb(o, (int32_t)s);
  put_u8(o, DW_OP_CALL);
  put_uleb(o, e->hook_fuel);
  return s;
}

static void charge(enc *e, int64_t site) {
  if (site >= 0 && e->cost[site] < UINT32_MAX) e->cost[site]++;
}

static bool push_site(enc *e, int64_t site) {
  if (e->sp == e->cap_stack) {
    uint32_t nc = e->cap_stack ? e->cap_stack * 2 : 64;
    int64_t *p = realloc(e->stack, nc * sizeof *p);
    if (!p) return false;
    e->stack = p, e->cap_stack = nc;
  }
  e->stack[e->sp++] = site;
  return true;
}

/* Which hook, if any, charges a bulk operation by its length (the operand
 * on top of the stack). */
static uint32_t bulk_hook(const enc *e, uint32_t op) {
  switch (op) {
    case DW_OP_MEMORY_FILL:
    case DW_OP_MEMORY_COPY:
    case DW_OP_MEMORY_INIT:
      return e->hook_bulk;
    case DW_OP_TABLE_FILL:
    case DW_OP_TABLE_COPY:
    case DW_OP_TABLE_INIT:
      return e->hook_table;
  }
  return UINT32_MAX;
}

/* Does the body hold a bulk operation (so it needs the scratch local)? */
static int has_bulk(enc *e, const dw_wasm_body *bd, bool *out) {
  dw_cur c = {
      .b = e->b, .pos = bd->code_off, .end = bd->off + bd->len, .err = e->err, .errlen = e->errlen};
  dw_instr in;
  *out = false;
  while (c.pos < c.end) {
    if (dw_instr_next(&c, &in, NULL)) return fail(e, "cannot re-read a function body");
    if (bulk_hook(e, in.op) != UINT32_MAX) {
      *out = true;
      return 0;
    }
  }
  return 0;
}

/* One function body: locals (plus a scratch i32 when a bulk operation needs
 * it), then the instructions with the fuel hooks. Each site is charged the
 * instructions that follow it in its block nesting, up to the next site: a
 * pass through a loop body or through a function's straight-line code. */
static void put_body(enc *e, obuf *o, uint32_t fi, const dw_wasm_body *bd) {
  obuf body = {0};
  bool bulk;
  if (has_bulk(e, bd, &bulk)) return;
  dw_cur c = {.b = e->b, .pos = bd->off, .end = bd->code_off, .err = e->err, .errlen = e->errlen};
  uint32_t ngroups, cnt;
  uint8_t t;
  if (dw_cur_u32(&c, &ngroups, "locals")) {
    fail(e, "cannot re-read the locals of function %u", fi);
    return;
  }
  put_uleb(&body, ngroups + (bulk ? 1 : 0));
  for (uint32_t g = 0; g < ngroups; g++) {
    if (dw_cur_u32(&c, &cnt, "local count") || dw_cur_u8(&c, &t, "local type")) {
      fail(e, "cannot re-read the locals of function %u", fi);
      return;
    }
    put_uleb(&body, cnt);
    put_u8(&body, t);
  }
  const dw_wasm_functype *ft = &e->w->types[e->w->func_type[fi]];
  uint32_t scratch = ft->np + bd->nlocals;
  if (bulk) {
    put_uleb(&body, 1);
    put_u8(&body, 0x7f);
  }
  c.pos = bd->code_off;
  c.end = bd->off + bd->len;
  e->sp = 0;
  int64_t site = new_site(e, &body);
  dw_instr in;
  while (c.pos < c.end && !e->failed) {
    if (dw_instr_next(&c, &in, NULL)) {
      fail(e, "cannot re-read function %u at byte %zu", fi, c.pos);
      break;
    }
    uint32_t hook = bulk_hook(e, in.op);
    if (hook != UINT32_MAX) { /* keep a copy of the length for the hook */
      put_u8(&body, DW_OP_LOCAL_TEE);
      put_uleb(&body, scratch);
    }
    put_instr(e, &body, &in);
    if (hook != UINT32_MAX) {
      put_u8(&body, DW_OP_LOCAL_GET);
      put_uleb(&body, scratch);
      put_u8(&body, DW_OP_CALL);
      put_uleb(&body, hook);
    }
    switch (in.op) {
      case DW_OP_BLOCK:
      case DW_OP_IF:
        charge(e, site);
        if (!push_site(e, site)) body.oom = true;
        break;
      case DW_OP_LOOP:
        charge(e, site);
        if (!push_site(e, site)) body.oom = true;
        site = new_site(e, &body);
        break;
      case DW_OP_ELSE:
        if (e->sp) site = e->stack[e->sp - 1];
        break;
      case DW_OP_END:
        if (e->sp) site = e->stack[--e->sp];
        break;
      default:
        charge(e, site);
    }
  }
  if (body.oom) o->oom = true;
  put_uleb(o, body.n);
  put(o, body.p, body.n);
  free(body.p);
}

/* ---------------------------------------------------------------- exports */

static char sig_letter(uint8_t t) {
  switch (t) {
    case DW_WT_I32:
      return 'i';
    case DW_WT_I64:
      return 'j';
    case DW_WT_F32:
      return 'f';
    case DW_WT_F64:
      return 'd';
    case 0x70:
      return 'r';
    case 0x6f:
      return 'e';
  }
  return '?';
}

static char *func_sig(const dw_wasm_functype *t) {
  char *s = malloc((size_t)t->np + t->nr + 2);
  if (!s) return NULL;
  size_t n = 0;
  for (uint32_t i = 0; i < t->np; i++) s[n++] = sig_letter(t->params[i]);
  s[n++] = '>';
  for (uint32_t i = 0; i < t->nr; i++) s[n++] = sig_letter(t->results[i]);
  s[n] = 0;
  return s;
}

static int put_exports(enc *e, obuf *sec, dw_exports_mode mode, dw_wasm_unit *u) {
  const dw_wasm_info *w = e->w;
  if (mode == DW_EXPORTS_ABI) {
    static const struct {
      const char *name;
      uint8_t kind;
      bool required;
    } abi[] = {{"memory", 2, true},
               {"allocate", 0, true},
               {"deallocate", 0, false},
               {"process", 0, true},
               {"_initialize", 0, false}};
    const dw_wasm_export *found[5];
    uint32_t n = 0;
    for (size_t i = 0; i < 5; i++) {
      found[i] = dw_wasm_find_export(w, abi[i].name);
      if (found[i] && found[i]->kind != abi[i].kind) found[i] = NULL;
      if (!found[i] && abi[i].required)
        return fail(e, "the module does not export the %s '%s'",
                    abi[i].kind ? "memory" : "function", abi[i].name);
      n += found[i] != NULL;
    }
    put_uleb(sec, n);
    for (size_t i = 0; i < 5; i++) {
      if (!found[i]) continue;
      put_name(sec, abi[i].name);
      put_u8(sec, abi[i].kind);
      put_uleb(sec, abi[i].kind == 0 ? fidx(e, found[i]->index) : found[i]->index);
    }
    return 0;
  }
  u->exports = calloc(w->nexports ? w->nexports : 1, sizeof *u->exports);
  if (!u->exports) return fail(e, "out of memory");
  uint32_t n = 0;
  for (uint32_t k = 0; k < w->nexports; k++) {
    const dw_wasm_export *x = &w->exports[k];
    if (x->kind != 0 && x->kind != 3) continue;
    struct dw_unit_export *ue = &u->exports[n++];
    ue->orig = k;
    ue->kind = x->kind;
    snprintf(ue->name, sizeof ue->name, "%c%u", x->kind == 0 ? 'f' : 'g', k);
    if (x->kind == 0) {
      ue->sig = func_sig(&w->types[w->func_type[x->index]]);
    } else {
      ue->sig = malloc(2);
      if (ue->sig) ue->sig[0] = sig_letter(w->globals[x->index].type), ue->sig[1] = 0;
    }
    if (!ue->sig) {
      u->nexports = n;
      return fail(e, "out of memory");
    }
  }
  u->nexports = n;
  put_uleb(sec, n);
  for (uint32_t i = 0; i < n; i++) {
    const dw_wasm_export *x = &w->exports[u->exports[i].orig];
    put_name(sec, u->exports[i].name);
    put_u8(sec, x->kind);
    put_uleb(sec, x->kind == 0 ? fidx(e, x->index) : x->index);
  }
  return 0;
}

/* ----------------------------------------------------------------- module */

/* The import's name from dagwood's own tables: NULL when it is not one the
 * embedding provides. */
static const char *import_name(const dw_wasm_import *im, const dw_import_set *extra,
                               const char **module) {
  if (im->kind != 0 || !dw_wasm_import_plain(im)) return NULL;
  if (!strcmp(im->module, DW_WASI_MODULE)) {
    int fi = dw_wasi_lookup(im->name);
    if (fi < 0) return NULL;
    *module = DW_WASI_MODULE;
    return dw_wasi_fns[fi].name;
  }
  if (extra && !strcmp(im->module, extra->module)) {
    for (size_t i = 0; i < extra->n; i++)
      if (!strcmp(im->name, extra->names[i])) {
        *module = extra->module;
        return extra->names[i];
      }
  }
  return NULL;
}

static void put_elem(enc *e, obuf *sec, const dw_wasm_elem *el) {
  bool t0 = el->mode == DW_SEG_ACTIVE && el->table == 0 && el->type == 0x70;
  uint32_t flags = el->mode == DW_SEG_ACTIVE ? (t0 ? 0 : 2) : el->mode == DW_SEG_PASSIVE ? 1 : 3;
  if (el->exprs) flags |= 4;
  put_uleb(sec, flags);
  if (el->mode == DW_SEG_ACTIVE) {
    if (!t0) put_uleb(sec, el->table);
    put_expr(e, sec, &el->offset);
  }
  if (!t0) put_u8(sec, el->exprs ? el->type : 0x00); /* a reference type, or elemkind funcref */
  put_uleb(sec, el->n);
  for (uint32_t i = 0; i < el->n; i++) {
    if (el->exprs)
      put_expr(e, sec, &el->items[i]);
    else
      put_uleb(sec, fidx(e, el->funcs[i]));
  }
}

int dw_wasm_encode(const uint8_t *b, size_t len, const dw_wasm_info *w, dw_exports_mode mode,
                   const dw_import_set *extra, dw_wasm_unit *u, char *err, size_t errlen) {
  memset(u, 0, sizeof *u);
  u->mode = mode;
  enc e = {.b = b, .len = len, .w = w, .err = err, .errlen = errlen};
  if (errlen) err[0] = 0;
  obuf o = {0}, s = {0};
  static const uint8_t head[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
  put(&o, head, sizeof head);
  uint32_t hook_type = w->ntypes;
  e.hook_fuel = w->nfunc_imports;
  e.hook_bulk = w->nfunc_imports + 1;
  e.hook_table = w->nfunc_imports + 2;

  /* types, and (i32) -> () for the hooks */
  put_uleb(&s, w->ntypes + 1);
  for (uint32_t i = 0; i < w->ntypes; i++) {
    const dw_wasm_functype *t = &w->types[i];
    put_u8(&s, 0x60);
    put_uleb(&s, t->np);
    put(&s, t->params, t->np);
    put_uleb(&s, t->nr);
    put(&s, t->results, t->nr);
  }
  static const uint8_t hook_sig[] = {0x60, 1, DW_WT_I32, 0};
  put(&s, hook_sig, sizeof hook_sig);
  put_section(&o, 1, &s);

  /* imports: the module's functions under dagwood's names, then the hooks */
  put_uleb(&s, w->nimports + DW_NHOOKS);
  for (uint32_t i = 0; i < w->nimports; i++) {
    const dw_wasm_import *im = &w->imports[i];
    const char *mod = NULL, *nm = import_name(im, extra, &mod);
    if (!nm) {
      fail(&e, "import %u is not a function dagwood provides", i);
      goto out;
    }
    put_name(&s, mod);
    put_name(&s, nm);
    put_u8(&s, 0);
    put_uleb(&s, im->type);
  }
  static const char *const hooks[DW_NHOOKS] = {DW_HOOK_FUEL, DW_HOOK_BULK, DW_HOOK_BULK_TABLE};
  for (int i = 0; i < DW_NHOOKS; i++) {
    put_name(&s, DW_HOOK_MODULE);
    put_name(&s, hooks[i]);
    put_u8(&s, 0);
    put_uleb(&s, hook_type);
  }
  put_section(&o, 2, &s);

  if (w->nfuncs > w->nfunc_imports) {
    put_uleb(&s, w->nfuncs - w->nfunc_imports);
    for (uint32_t f = w->nfunc_imports; f < w->nfuncs; f++) put_uleb(&s, w->func_type[f]);
    put_section(&o, 3, &s);
  }
  if (w->ntables) {
    put_uleb(&s, w->ntables);
    for (uint32_t i = 0; i < w->ntables; i++) {
      put_u8(&s, w->tables[i].type);
      put_limits(&s, &w->tables[i].lim);
    }
    put_section(&o, 4, &s);
  }
  if (w->nmemories) {
    dw_wasm_limits l = {w->mem_initial, w->mem_max, w->mem_has_max};
    put_uleb(&s, 1);
    put_limits(&s, &l);
    put_section(&o, 5, &s);
  }
  if (w->nglobals) {
    put_uleb(&s, w->nglobals);
    for (uint32_t i = 0; i < w->nglobals; i++) {
      put_u8(&s, w->globals[i].type);
      put_u8(&s, w->globals[i].mut ? 1 : 0);
      put_expr(&e, &s, &w->globals[i].init);
    }
    put_section(&o, 6, &s);
  }
  if (put_exports(&e, &s, mode, u)) goto out;
  put_section(&o, 7, &s);
  if (w->has_start) {
    put_uleb(&s, fidx(&e, w->start));
    put_section(&o, 8, &s);
  }
  if (w->nelems) {
    put_uleb(&s, w->nelems);
    for (uint32_t i = 0; i < w->nelems; i++) put_elem(&e, &s, &w->elems[i]);
    put_section(&o, 9, &s);
  }
  if (w->has_datacount) {
    put_uleb(&s, w->datacount);
    put_section(&o, 12, &s);
  }
  if (w->ncode) {
    put_uleb(&s, w->ncode);
    for (uint32_t i = 0; i < w->ncode && !e.failed; i++)
      put_body(&e, &s, w->nfunc_imports + i, &w->bodies[i]);
    put_section(&o, 10, &s);
  }
  if (w->ndatas) {
    put_uleb(&s, w->ndatas);
    for (uint32_t i = 0; i < w->ndatas; i++) {
      const dw_wasm_data *d = &w->datas[i];
      put_uleb(&s, d->mode == DW_SEG_ACTIVE ? 0 : 1);
      if (d->mode == DW_SEG_ACTIVE) put_expr(&e, &s, &d->offset);
      put_uleb(&s, d->len);
      put(&s, b + d->off, d->len);
    }
    put_section(&o, 11, &s);
  }
out:
  free(s.p);
  free(e.stack);
  if (!e.failed && (o.oom || s.oom)) fail(&e, "out of memory");
  if (e.failed) {
    free(o.p);
    free(e.cost);
    dw_wasm_unit_free(u);
    return -1;
  }
  u->wasm = o.p;
  u->len = o.n;
  u->cost = e.cost;
  u->ncost = e.nsites;
  return 0;
}

int dw_wasm_encode_bytes(const uint8_t *b, size_t len, dw_exports_mode mode,
                         const dw_import_set *extra, dw_wasm_unit *out, char *err, size_t errlen) {
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  int rc = dw_wasm_parse(b, len, &a, &w, err, errlen)
               ? -1
               : dw_wasm_encode(b, len, &w, mode, extra, out, err, errlen);
  if (rc) memset(out, 0, sizeof *out);
  dw_arena_free(&a);
  return rc;
}

void dw_wasm_unit_free(dw_wasm_unit *u) {
  if (!u) return;
  free(u->wasm);
  free(u->cost);
  for (uint32_t i = 0; i < u->nexports; i++) free(u->exports[i].sig);
  free(u->exports);
  memset(u, 0, sizeof *u);
}
