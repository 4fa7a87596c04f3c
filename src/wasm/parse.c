/* wasm/parse: see parse.h. The bounds-checked cursor of wasm/cursor over
 * the bytes; every LEB128 is limited to its width; every count is checked
 * against the bytes left before anything is allocated, so a hostile file
 * costs at most its own size. The instruction walker knows the immediates
 * of every opcode wasm2c 1.0.32 translates and refuses the rest by name. */
#include "wasm/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/cursor.h"
#include "wasm/instr.h"

/* A name: length + UTF-8 bytes, copied NUL-terminated into the arena. */
static int name(dw_cur *c, dw_arena *a, const char **out, const char *what) {
  const uint8_t *p;
  uint32_t n;
  if (dw_cur_str(c, &p, &n, what)) return -1;
  if (memchr(p, 0, n)) return dw_cur_fail(c, "%s holds a NUL byte at byte %zu", what, c->pos - n);
  char *s = dw_arena_strndup(a, (const char *)p, n);
  if (!s) return dw_cur_fail(c, "out of memory");
  *out = s;
  return 0;
}

static bool is_valtype(uint8_t t) {
  return t == DW_WT_I32 || t == DW_WT_I64 || t == DW_WT_F32 || t == DW_WT_F64 || t == 0x70 ||
         t == 0x6f;
}

static int valtype(dw_cur *c, uint8_t *t, const char *what) {
  if (dw_cur_u8(c, t, what)) return -1;
  if (*t == 0x7b) return dw_cur_unsupported(c, "SIMD (v128 values) is not supported, in %s", what);
  if (!is_valtype(*t)) return dw_cur_fail(c, "unknown value type 0x%02x in %s", *t, what);
  return 0;
}

static int limits(dw_cur *c, uint32_t *min, uint32_t *max, bool *has_max, bool memory) {
  uint8_t flags;
  if (dw_cur_u8(c, &flags, "limits")) return -1;
  if (memory && (flags & 0x04)) return dw_cur_unsupported(c, "memory64 is not supported");
  if (memory && (flags & 0x02))
    return dw_cur_unsupported(c, "shared memory (threads) is not supported");
  if (flags > 1) return dw_cur_fail(c, "unknown limits flags 0x%02x", flags);
  if (dw_cur_u32(c, min, "limits minimum")) return -1;
  *has_max = flags & 1;
  *max = 0;
  if (*has_max) {
    if (dw_cur_u32(c, max, "limits maximum")) return -1;
    if (*max < *min) return dw_cur_fail(c, "limits maximum %u is below the minimum %u", *max, *min);
  }
  return 0;
}

static const char *const section_names[] = {"custom", "type",   "import",    "function", "table",
                                            "memory", "global", "export",    "start",    "element",
                                            "code",   "data",   "datacount", "tag"};

/* ------------------------------------------------------------ instructions */

/* Optional: called after each instruction of a function body with its
 * opcode (DW_OP_*) and its first immediate (i32.const value, call index). */
typedef void (*visit_fn)(void *ctx, uint32_t op, uint64_t imm);

/* Walk instructions until the `end` that closes depth 0 (a function body or
 * a constant expression). `constant` limits it to constant instructions. */
static int instrs(dw_cur *c, uint32_t ntypes, bool constant, visit_fn visit, void *vctx) {
  uint32_t depth = 0;
  dw_instr in;
  while (!c->failed) {
    if (dw_instr_next(c, &in, &c->unsupported)) return -1;
    uint32_t op = in.op;
    if (constant && !(op == DW_OP_I32_CONST || op == DW_OP_I64_CONST || op == DW_OP_F32_CONST ||
                      op == DW_OP_F64_CONST || op == DW_OP_GLOBAL_GET || op == DW_OP_REF_NULL ||
                      op == DW_OP_REF_FUNC || op == DW_OP_END))
      return dw_cur_fail(c, "%s is not allowed in a constant expression at byte %zu",
                         dw_instr_name(op), in.at);
    uint64_t imm = 0;
    switch (op) {
      case DW_OP_BLOCK:
      case DW_OP_LOOP:
      case DW_OP_IF:
        if (in.bt >= 0 && (uint64_t)in.bt >= ntypes)
          return dw_cur_fail(c, "block type index %lld out of range at byte %zu", (long long)in.bt,
                             in.at);
        if (++depth > 100000) return dw_cur_fail(c, "blocks nested too deeply at byte %zu", in.at);
        break;
      case DW_OP_END:
        if (depth == 0) return 0;
        depth--;
        break;
      case DW_OP_CALL:
        imm = in.x;
        break;
      case DW_OP_CALL_INDIRECT:
        if (in.x >= ntypes)
          return dw_cur_fail(c, "call_indirect type %u out of range at byte %zu", in.x, in.at);
        break;
      case DW_OP_I32_CONST:
        imm = in.k & 0xffffffffu; /* the low 32 bits: enough for site numbers */
        break;
      default:
        if (op >= DW_OP_I32_LOAD && op <= DW_OP_I64_STORE32 && in.x > 3)
          return dw_cur_fail(c, "alignment 2^%u is too large at byte %zu", in.x, in.at);
    }
    if (visit) visit(vctx, op, imm);
  }
  return -1;
}

/* --------------------------------------------------------------- sections */

/* A vector's count: at most one item per byte left in the section. */
static int vec_count(dw_cur *c, uint32_t *n, const char *what) {
  if (dw_cur_u32(c, n, what)) return -1;
  if (*n > c->end - c->pos) return dw_cur_fail(c, "%s %u exceeds the section", what, *n);
  return 0;
}

/* w->func_type for the imported functions and n defined ones (filled by the
 * caller from index w->nfunc_imports on; n is 0 when there is no function
 * section). 0, or -1 when out of memory. */
static int func_types(dw_wasm_info *w, dw_arena *a, uint32_t n) {
  w->nfuncs = w->nfunc_imports + n;
  w->func_type = dw_arena_calloc(a, w->nfuncs ? w->nfuncs : 1, sizeof *w->func_type);
  if (!w->func_type) return -1;
  uint32_t k = 0;
  for (uint32_t i = 0; i < w->nimports; i++)
    if (w->imports[i].kind == 0) w->func_type[k++] = w->imports[i].type;
  return 0;
}

static int sec_type(dw_cur *c, dw_arena *a, dw_wasm_info *w) {
  uint32_t n;
  if (vec_count(c, &n, "type count")) return -1;
  w->types = dw_arena_calloc(a, n ? n : 1, sizeof *w->types);
  if (!w->types) return dw_cur_fail(c, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    uint8_t form;
    if (dw_cur_u8(c, &form, "type form")) return -1;
    if (form != 0x60) return dw_cur_fail(c, "type %u is not a function type (0x%02x)", i, form);
    dw_wasm_functype *t = &w->types[i];
    uint8_t v;
    if (dw_cur_u32(c, &t->np, "parameter count")) return -1;
    if (t->np > DW_WASM_MAX_PARAMS) return dw_cur_fail(c, "type %u has too many parameters", i);
    t->params = c->b + c->pos;
    for (uint32_t k = 0; k < t->np; k++)
      if (valtype(c, &v, "a function type")) return -1;
    if (dw_cur_u32(c, &t->nr, "result count")) return -1;
    if (t->nr > DW_WASM_MAX_PARAMS) return dw_cur_fail(c, "type %u has too many results", i);
    t->results = c->b + c->pos;
    for (uint32_t k = 0; k < t->nr; k++)
      if (valtype(c, &v, "a function type")) return -1;
  }
  w->ntypes = n;
  return 0;
}

static int sec_import(dw_cur *c, dw_arena *a, dw_wasm_info *w) {
  uint32_t n;
  if (vec_count(c, &n, "import count")) return -1;
  w->imports = dw_arena_calloc(a, n ? n : 1, sizeof *w->imports);
  if (!w->imports) return dw_cur_fail(c, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    dw_wasm_import *im = &w->imports[i];
    if (name(c, a, &im->module, "import module name") || name(c, a, &im->name, "import name") ||
        dw_cur_u8(c, &im->kind, "import kind"))
      return -1;
    uint32_t mn, mx;
    bool hm;
    uint8_t t;
    switch (im->kind) {
      case 0:
        if (dw_cur_u32(c, &im->type, "import type")) return -1;
        if (im->type >= w->ntypes)
          return dw_cur_fail(c, "import '%s.%s' names type %u, which does not exist", im->module,
                             im->name, im->type);
        w->nfunc_imports++;
        break;
      case 1:
        if (dw_cur_u8(c, &t, "table type") || limits(c, &mn, &mx, &hm, false)) return -1;
        break;
      case 2:
        if (limits(c, &mn, &mx, &hm, true)) return -1;
        break;
      case 3:
        if (valtype(c, &t, "global import") || dw_cur_u8(c, &t, "mutability")) return -1;
        break;
      case 4:
        return dw_cur_unsupported(c, "exception handling (tag import '%s.%s') is not supported",
                                  im->module, im->name);
      default:
        return dw_cur_fail(c, "import '%s.%s' has unknown kind %u", im->module, im->name, im->kind);
    }
  }
  w->nimports = n;
  return 0;
}

static int sec_function(dw_cur *c, dw_arena *a, dw_wasm_info *w) {
  uint32_t n;
  if (vec_count(c, &n, "function count")) return -1;
  if ((uint64_t)n + w->nfunc_imports > DW_WASM_MAX_FUNCS)
    return dw_cur_fail(c, "too many functions (%u)", n);
  if (func_types(w, a, n)) return dw_cur_fail(c, "out of memory");
  uint32_t k = w->nfunc_imports;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t t;
    if (dw_cur_u32(c, &t, "function type")) return -1;
    if (t >= w->ntypes)
      return dw_cur_fail(c, "function %u names type %u, which does not exist", k, t);
    w->func_type[k++] = t;
  }
  return 0;
}

static int sec_table(dw_cur *c) {
  uint32_t n;
  if (vec_count(c, &n, "table count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t t;
    uint32_t mn, mx;
    bool hm;
    if (dw_cur_u8(c, &t, "table type")) return -1;
    if (t != 0x70 && t != 0x6f)
      return dw_cur_fail(c, "table %u has unknown element type 0x%02x", i, t);
    if (limits(c, &mn, &mx, &hm, false)) return -1;
    if (mn > DW_WASM_MAX_TABLE)
      return dw_cur_fail(c, "table %u starts with %u elements (the limit is %u)", i, mn,
                         DW_WASM_MAX_TABLE);
  }
  return 0;
}

static int sec_memory(dw_cur *c, dw_wasm_info *w) {
  uint32_t n;
  if (dw_cur_u32(c, &n, "memory count")) return -1;
  if (n + w->nmemories > 1) return dw_cur_unsupported(c, "multiple memories are not supported");
  if (n == 1) {
    if (limits(c, &w->mem_initial, &w->mem_max, &w->mem_has_max, true)) return -1;
    if (w->mem_initial > 65536 || (w->mem_has_max && w->mem_max > 65536))
      return dw_cur_fail(c, "memory size above 65536 pages (4 GiB)");
    w->nmemories = 1;
  }
  return 0;
}

static int sec_global(dw_cur *c, uint32_t ntypes) {
  uint32_t n;
  if (vec_count(c, &n, "global count")) return -1;
  for (uint32_t i = 0; i < n; i++) {
    uint8_t t, mut;
    if (valtype(c, &t, "a global") || dw_cur_u8(c, &mut, "mutability")) return -1;
    if (mut > 1) return dw_cur_fail(c, "global %u has bad mutability %u", i, mut);
    if (instrs(c, ntypes, true, NULL, NULL)) return -1;
  }
  return 0;
}

static int cmp_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int sec_export(dw_cur *c, dw_arena *a, dw_wasm_info *w) {
  uint32_t n;
  if (vec_count(c, &n, "export count")) return -1;
  w->exports = dw_arena_calloc(a, n ? n : 1, sizeof *w->exports);
  if (!w->exports) return dw_cur_fail(c, "out of memory");
  for (uint32_t i = 0; i < n; i++) {
    dw_wasm_export *e = &w->exports[i];
    if (name(c, a, &e->name, "export name") || dw_cur_u8(c, &e->kind, "export kind") ||
        dw_cur_u32(c, &e->index, "export index"))
      return -1;
    if (e->kind > 3) return dw_cur_fail(c, "export '%s' has unknown kind %u", e->name, e->kind);
    if (e->kind == 0 && e->index >= w->nfuncs)
      return dw_cur_fail(c, "export '%s' names function %u, which does not exist", e->name,
                         e->index);
  }
  /* duplicate names: sort a copy of the names (n log n, not n^2) */
  if (n > 1) {
    const char **names = malloc(n * sizeof *names);
    if (!names) return dw_cur_fail(c, "out of memory");
    for (uint32_t i = 0; i < n; i++) names[i] = w->exports[i].name;
    qsort(names, n, sizeof *names, cmp_names);
    for (uint32_t i = 1; i < n; i++)
      if (!strcmp(names[i - 1], names[i])) {
        dw_cur_fail(c, "export name '%s' is used twice", names[i]);
        free(names);
        return -1;
      }
    free(names);
  }
  w->nexports = n;
  return 0;
}

static int sec_code(dw_cur *c, dw_wasm_info *w) {
  uint32_t n;
  if (dw_cur_u32(c, &n, "function body count")) return -1;
  if (n != w->nfuncs - w->nfunc_imports)
    return dw_cur_fail(c, "the code section has %u bodies for %u functions", n,
                       w->nfuncs - w->nfunc_imports);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t size;
    if (dw_cur_u32(c, &size, "function body size") || dw_cur_need(c, size, "a function body"))
      return -1;
    size_t save_end = c->end;
    c->end = c->pos + size;
    uint32_t ngroups;
    uint64_t nlocals = 0;
    if (dw_cur_u32(c, &ngroups, "local count")) return -1;
    for (uint32_t g = 0; g < ngroups; g++) {
      uint32_t cnt;
      uint8_t t;
      if (dw_cur_u32(c, &cnt, "local count") || valtype(c, &t, "the locals of a function"))
        return -1;
      nlocals += cnt;
      if (nlocals > DW_WASM_MAX_LOCALS)
        return dw_cur_fail(c, "function %u declares more than %u locals", w->nfunc_imports + i,
                           DW_WASM_MAX_LOCALS);
    }
    if (instrs(c, w->ntypes, false, NULL, NULL)) return -1;
    if (c->pos != c->end)
      return dw_cur_fail(c, "function %u has bytes after its final 'end'", w->nfunc_imports + i);
    c->end = save_end;
  }
  w->ncode = n;
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
  /* the order non-custom sections must appear in */
  static const int ord[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 11, 6};
  return id < sizeof ord / sizeof *ord ? ord[id] : -1;
}

static int parse_module(dw_cur *c, const uint8_t *b, size_t len, dw_arena *a, dw_wasm_info *w);

int dw_wasm_parse(const uint8_t *b, size_t len, dw_arena *a, dw_wasm_info *w, char *err,
                  size_t errlen) {
  memset(w, 0, sizeof *w);
  dw_cur c = {.b = b, .pos = 0, .end = len, .err = err, .errlen = errlen};
  if (errlen) err[0] = 0;
  if (parse_module(&c, b, len, a, w) == 0) return 0;
  return c.unsupported ? DW_WASM_UNSUPPORTED : -1;
}

static int parse_module(dw_cur *c, const uint8_t *b, size_t len, dw_arena *a, dw_wasm_info *w) {
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
  bool seen_func = false, seen_code = false;
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
    }
    int r = 0;
    switch (id) {
      case 0: {
        const char *nm;
        if (name(c, a, &nm, "custom section name")) return -1;
        if (!strncmp(nm, "component-type", 14) || !strcmp(nm, "component"))
          w->component_section = nm;
        c->pos = body_end;
        break;
      }
      case 1:
        r = sec_type(c, a, w);
        break;
      case 2:
        r = sec_import(c, a, w);
        break;
      case 3:
        r = sec_function(c, a, w), seen_func = true;
        break;
      case 4:
        r = sec_table(c);
        break;
      case 5:
        r = sec_memory(c, w);
        break;
      case 6:
        r = sec_global(c, w->ntypes);
        break;
      case 7:
        if (!seen_func && func_types(w, a, 0)) return dw_cur_fail(c, "out of memory");
        seen_func = true;
        r = sec_export(c, a, w);
        break;
      case 8: {
        uint32_t f;
        r = dw_cur_u32(c, &f, "start function");
        w->has_start = true;
        break;
      }
      case 9:
      case 11:
      case 12:
        c->pos = body_end; /* checked in full by wasm2c when compiling */
        break;
      case 10:
        if (!seen_func && func_types(w, a, 0)) return dw_cur_fail(c, "out of memory");
        seen_func = true;
        w->code_off = c->pos;
        w->code_len = size;
        r = sec_code(c, w), seen_code = true;
        break;
      case 13:
        return dw_cur_unsupported(c, "exception handling (tag section) is not supported");
    }
    if (r) return -1;
    if (c->pos != body_end)
      return dw_cur_fail(c, "section %u (%s) has %zu unread bytes at its end", id,
                         section_names[id], body_end - c->pos);
    c->pos = body_end;
  }
  if (!seen_code && w->nfuncs > w->nfunc_imports)
    return dw_cur_fail(c, "functions are declared but the code section is missing");
  if (!seen_func && func_types(w, a, 0)) return dw_cur_fail(c, "out of memory");
  return 0;
}

const dw_wasm_export *dw_wasm_find_export(const dw_wasm_info *w, const char *nm) {
  for (uint32_t i = 0; i < w->nexports; i++)
    if (!strcmp(w->exports[i].name, nm)) return &w->exports[i];
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

static const char *vt_name(uint8_t t) {
  switch (t) {
    case DW_WT_I32:
      return "i32";
    case DW_WT_I64:
      return "i64";
    case DW_WT_F32:
      return "f32";
    case DW_WT_F64:
      return "f64";
    case 0x70:
      return "funcref";
    case 0x6f:
      return "externref";
  }
  return "?";
}

void dw_wasm_sig_text(const dw_wasm_functype *t, char *buf, size_t size) {
  size_t n = 0;
  n += snprintf(buf + n, n < size ? size - n : 0, "(");
  for (uint32_t i = 0; i < t->np; i++)
    n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? ", " : "", vt_name(t->params[i]));
  n += snprintf(buf + n, n < size ? size - n : 0, ") -> ");
  if (t->nr == 0) n += snprintf(buf + n, n < size ? size - n : 0, "()");
  for (uint32_t i = 0; i < t->nr; i++)
    n += snprintf(buf + n, n < size ? size - n : 0, "%s%s", i ? ", " : "", vt_name(t->results[i]));
}

/* ------------------------------------------------------------ fuel costs */

typedef struct costs {
  uint32_t hook;
  uint32_t *cost;
  uint32_t n, cap;
  int64_t cur; /* the site being charged, -1 before the first */
  int64_t *stack;
  uint32_t sp, scap;
  bool pending;
  uint32_t pending_k;
  int oom;
} costs;

static void charge(costs *k) {
  if (k->cur < 0) return;
  uint32_t i = (uint32_t)k->cur;
  if (i >= k->cap) {
    uint32_t nc = k->cap ? k->cap : 256;
    while (nc <= i) nc *= 2;
    uint32_t *p = realloc(k->cost, nc * sizeof *p);
    if (!p) {
      k->oom = 1;
      return;
    }
    memset(p + k->cap, 0, (nc - k->cap) * sizeof *p);
    k->cost = p, k->cap = nc;
  }
  if (i >= k->n) k->n = i + 1;
  if (k->cost[i] < UINT32_MAX) k->cost[i]++;
}

static void cost_visit(void *ctx, uint32_t op, uint64_t imm) {
  costs *k = ctx;
  if (k->pending) {
    k->pending = false;
    if (op == 0x10 && imm == k->hook) {
      k->cur = k->pending_k; /* a hook: from here on, charge its site */
      charge(k);             /* the hook's own unit */
      return;
    }
    charge(k); /* the i32.const was an ordinary one */
  }
  switch (op) {
    case 0x41:
      k->pending = true;
      k->pending_k = (uint32_t)imm;
      return;
    case 0x02:
    case 0x03:
    case 0x04: /* remember the site outside the block */
      if (k->sp == k->scap) {
        uint32_t nc = k->scap ? k->scap * 2 : 64;
        int64_t *p = realloc(k->stack, nc * sizeof *p);
        if (!p) {
          k->oom = 1;
          return;
        }
        k->stack = p, k->scap = nc;
      }
      k->stack[k->sp++] = k->cur;
      break;
    case 0x05: /* else: back to the site of the if */
      if (k->sp) k->cur = k->stack[k->sp - 1];
      return;
    case 0x0b:
      if (k->sp) k->cur = k->stack[--k->sp];
      return;
  }
  charge(k);
}

int dw_wasm_fuel_costs(const uint8_t *b, size_t len, uint32_t **out, uint32_t *nout) {
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char err[256];
  costs k = {.cur = -1, .hook = UINT32_MAX};
  *out = NULL;
  *nout = 0;
  int rc = -1;
  if (dw_wasm_parse(b, len, &a, &w, err, sizeof err)) goto done;
  uint32_t fi = 0;
  for (uint32_t i = 0; i < w.nimports; i++) {
    if (w.imports[i].kind != 0) continue;
    if (!strcmp(w.imports[i].module, "env") && !strcmp(w.imports[i].name, "log_execution"))
      k.hook = fi;
    fi++;
  }
  if (k.hook == UINT32_MAX || !w.code_len) goto done;
  dw_cur c = {
      .b = b, .pos = w.code_off, .end = w.code_off + w.code_len, .err = err, .errlen = sizeof err};
  uint32_t n, size, ngroups, cnt;
  uint8_t t;
  if (dw_cur_u32(&c, &n, "count")) goto done;
  for (uint32_t i = 0; i < n && !k.oom; i++) {
    if (dw_cur_u32(&c, &size, "size")) goto done;
    size_t body_end = c.pos + size;
    c.end = body_end;
    if (dw_cur_u32(&c, &ngroups, "locals")) goto done;
    for (uint32_t g = 0; g < ngroups; g++)
      if (dw_cur_u32(&c, &cnt, "locals") || dw_cur_u8(&c, &t, "type")) goto done;
    k.cur = -1, k.sp = 0, k.pending = false;
    if (instrs(&c, w.ntypes, false, cost_visit, &k)) goto done;
    c.pos = body_end;
    c.end = w.code_off + w.code_len;
  }
  if (k.oom) goto done;
  for (uint32_t i = 0; i < k.n; i++)
    if (!k.cost[i]) k.cost[i] = 1;
  *out = k.cost;
  *nout = k.n;
  k.cost = NULL;
  rc = 0;
done:
  free(k.cost);
  free(k.stack);
  dw_arena_free(&a);
  return rc;
}
