/* wasm/validate: see validate.h. The algorithm of the specification's
 * appendix: values are type bytes (0 is the unknown type a pop from an
 * unreachable frame yields), frames remember where their operands start.
 * Everything is linear in the size of the body: a br_table checks each
 * distinct target frame once.
 * The limits against compile bombs and their measurements: validate.h. */
#include "wasm/validate.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wasm/instr.h"

struct dw_vframe {
  uint32_t op; /* DW_OP_BLOCK, LOOP, IF, ELSE; 0 for the function itself */
  const uint8_t *params, *results;
  uint32_t np, nr;
  uint32_t height; /* the operand stack's height at its start */
  uint32_t serial; /* the last br_table that checked it */
  bool unreachable;
};

/* Every byte standing for itself: the one-type vector of a block type. */
static const uint8_t self[256] = {
#define R4(i) i, i + 1, i + 2, i + 3
#define R16(i) R4(i), R4(i + 4), R4(i + 8), R4(i + 12)
#define R64(i) R16(i), R16(i + 16), R16(i + 32), R16(i + 48)
    R64(0), R64(64), R64(128), R64(192)
#undef R64
#undef R16
#undef R4
};

const char *dw_valtype_name(uint8_t t) {
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
    case 0:
      return "unknown";
  }
  return "?";
}

static bool is_ref(uint8_t t) { return t == 0x70 || t == 0x6f; }

/* "[i32 i64]" into buf. */
static const char *types_text(char *buf, size_t size, const uint8_t *t, uint32_t n) {
  size_t k = 0;
  k += (size_t)snprintf(buf, size, "[");
  for (uint32_t i = 0; i < n && k < size; i++)
    k += (size_t)snprintf(buf + k, size - k, "%s%s", i ? " " : "", dw_valtype_name(t[i]));
  if (k < size) snprintf(buf + k, size - k, "]");
  return buf;
}

__attribute__((format(printf, 3, 4))) static int verr(dw_vctx *v, size_t at, const char *fmt, ...) {
  dw_cur *c = v->c;
  if (c->failed) return -1;
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return dw_cur_fail(c, "function %u at byte 0x%zx: %s", v->func, at, msg);
}

/* ------------------------------------------------------------ the stack */

static int push(dw_vctx *v, uint8_t t) {
  if (v->nvals == v->capvals) {
    uint32_t nc = v->capvals ? v->capvals * 2 : 256;
    uint8_t *p = dw_arena_alloc_raw(v->a, nc);
    if (!p) return dw_cur_fail(v->c, "out of memory");
    if (v->nvals) memcpy(p, v->vals, v->nvals);
    v->vals = p, v->capvals = nc;
  }
  v->vals[v->nvals++] = t;
  return 0;
}

static int push_n(dw_vctx *v, const uint8_t *t, uint32_t n) {
  for (uint32_t i = 0; i < n; i++)
    if (push(v, t[i])) return -1;
  return 0;
}

static dw_vframe *top(dw_vctx *v) { return &v->frames[v->nframes - 1]; }

/* "who expects [want] but the stack holds [...]": the top values of the
 * current frame, as many as wanted. */
static int mismatch(dw_vctx *v, size_t at, const char *who, const uint8_t *want, uint32_t n) {
  dw_vframe *f = top(v);
  uint32_t avail = v->nvals - f->height, show = avail < n ? avail : n;
  char a[160], b[160];
  if (avail == 0 && !f->unreachable && n)
    return verr(v, at, "%s expects %s but the stack is empty", who,
                types_text(a, sizeof a, want, n));
  return verr(v, at, "%s expects %s but the stack holds %s%s", who,
              types_text(a, sizeof a, want, n), avail > show ? "... " : "",
              types_text(b, sizeof b, v->vals + v->nvals - show, show));
}

/* Do the top values of the current frame match want[0 .. n) (the last on
 * top)? Pop them when `pop`. */
static int pop_vals(dw_vctx *v, size_t at, const char *who, const uint8_t *want, uint32_t n,
                    bool pop) {
  dw_vframe *f = top(v);
  uint32_t avail = v->nvals - f->height, m = avail < n ? avail : n;
  /* the common case in one memcmp (a br_table may compare many vectors) */
  if ((m == n || f->unreachable) && (m == 0 || !memcmp(want + n - m, v->vals + v->nvals - m, m))) {
    if (pop) v->nvals -= m;
    return 0;
  }
  for (uint32_t k = 0; k < n; k++) {
    uint8_t w = want[n - 1 - k];
    if (k < avail) {
      uint8_t got = v->vals[v->nvals - 1 - k];
      if (got != w && got != 0 && w != 0) return mismatch(v, at, who, want, n);
    } else if (!f->unreachable) {
      return mismatch(v, at, who, want, n);
    }
  }
  if (pop) v->nvals -= n < avail ? n : avail;
  return 0;
}

static int pop1(dw_vctx *v, size_t at, const char *who, uint8_t want) {
  return pop_vals(v, at, who, &want, 1, true);
}

/* Pop any value into *t (0: unknown). */
static int pop_any(dw_vctx *v, size_t at, const char *who, uint8_t *t) {
  dw_vframe *f = top(v);
  if (v->nvals == f->height) {
    if (!f->unreachable) return verr(v, at, "%s expects a value but the stack is empty", who);
    *t = 0;
    return 0;
  }
  *t = v->vals[--v->nvals];
  return 0;
}

static void set_unreachable(dw_vctx *v) {
  dw_vframe *f = top(v);
  v->nvals = f->height;
  f->unreachable = true;
}

static int push_frame(dw_vctx *v, uint32_t op, const uint8_t *params, uint32_t np,
                      const uint8_t *results, uint32_t nr, size_t at) {
  if (v->nframes > DW_WASM_MAX_NESTING) /* the function's own frame is not a block */
    return verr(v, at, "blocks nested %u deep; dagwood's limit is %u", v->nframes,
                DW_WASM_MAX_NESTING);
  if (op == DW_OP_IF || op == DW_OP_LOOP) v->cdepth++;
  if (v->nframes == v->capframes) {
    uint32_t nc = v->capframes ? v->capframes * 2 : 64;
    dw_vframe *p = dw_arena_alloc_raw(v->a, (size_t)nc * sizeof *p);
    if (!p) return dw_cur_fail(v->c, "out of memory");
    if (v->nframes) memcpy(p, v->frames, v->nframes * sizeof *p);
    v->frames = p, v->capframes = nc;
  }
  dw_vframe *f = &v->frames[v->nframes++];
  f->op = op;
  f->params = params, f->np = np;
  f->results = results, f->nr = nr;
  f->height = v->nvals;
  f->serial = 0;
  f->unreachable = false;
  return push_n(v, params, np);
}

/* A label's types: a loop's parameters, any other frame's results. */
static void label_types(const dw_vframe *f, const uint8_t **t, uint32_t *n) {
  if (f->op == DW_OP_LOOP)
    *t = f->params, *n = f->np;
  else
    *t = f->results, *n = f->nr;
}

static int label(dw_vctx *v, size_t at, uint32_t depth, dw_vframe **out) {
  if (depth >= v->nframes)
    return verr(v, at, "unknown label %u (%u blocks are open)", depth, v->nframes);
  *out = &v->frames[v->nframes - 1 - depth];
  return 0;
}

/* ------------------------------------------------------------- typing */

/* The operand and result types of the numeric instructions (no
 * immediates): a, b (0 when unary) -> r. */
static bool numeric(uint32_t op, uint8_t *a, uint8_t *b, uint8_t *r) {
  enum { I = DW_WT_I32, L = DW_WT_I64, F = DW_WT_F32, D = DW_WT_F64 };
  static const struct {
    uint16_t lo, hi;
    uint8_t a, b, r;
  } ranges[] = {
      {0x45, 0x45, I, 0, I},     {0x46, 0x4f, I, I, I},     {0x50, 0x50, L, 0, I},
      {0x51, 0x5a, L, L, I},     {0x5b, 0x60, F, F, I},     {0x61, 0x66, D, D, I},
      {0x67, 0x69, I, 0, I},     {0x6a, 0x78, I, I, I},     {0x79, 0x7b, L, 0, L},
      {0x7c, 0x8a, L, L, L},     {0x8b, 0x91, F, 0, F},     {0x92, 0x98, F, F, F},
      {0x99, 0x9f, D, 0, D},     {0xa0, 0xa6, D, D, D},     {0xa7, 0xa7, L, 0, I},
      {0xa8, 0xa9, F, 0, I},     {0xaa, 0xab, D, 0, I},     {0xac, 0xad, I, 0, L},
      {0xae, 0xaf, F, 0, L},     {0xb0, 0xb1, D, 0, L},     {0xb2, 0xb3, I, 0, F},
      {0xb4, 0xb5, L, 0, F},     {0xb6, 0xb6, D, 0, F},     {0xb7, 0xb8, I, 0, D},
      {0xb9, 0xba, L, 0, D},     {0xbb, 0xbb, F, 0, D},     {0xbc, 0xbc, F, 0, I},
      {0xbd, 0xbd, D, 0, L},     {0xbe, 0xbe, I, 0, F},     {0xbf, 0xbf, L, 0, D},
      {0xc0, 0xc1, I, 0, I},     {0xc2, 0xc4, L, 0, L},     {0xfc00, 0xfc01, F, 0, I},
      {0xfc02, 0xfc03, D, 0, I}, {0xfc04, 0xfc05, F, 0, L}, {0xfc06, 0xfc07, D, 0, L},
  };
  for (size_t i = 0; i < sizeof ranges / sizeof *ranges; i++)
    if (op >= ranges[i].lo && op <= ranges[i].hi) {
      *a = ranges[i].a, *b = ranges[i].b, *r = ranges[i].r;
      return true;
    }
  return false;
}

/* Loads and stores: the value type and the natural alignment (log2). */
static void memop(uint32_t op, uint8_t *t, uint32_t *natural) {
  static const uint8_t type[23] = {DW_WT_I32, DW_WT_I64, DW_WT_F32, DW_WT_F64, DW_WT_I32, DW_WT_I32,
                                   DW_WT_I32, DW_WT_I32, DW_WT_I64, DW_WT_I64, DW_WT_I64, DW_WT_I64,
                                   DW_WT_I64, DW_WT_I64, DW_WT_I32, DW_WT_I64, DW_WT_F32, DW_WT_F64,
                                   DW_WT_I32, DW_WT_I32, DW_WT_I64, DW_WT_I64, DW_WT_I64};
  static const uint8_t align[23] = {2, 3, 2, 3, 0, 0, 1, 1, 0, 0, 1, 1,
                                    2, 2, 2, 3, 2, 3, 0, 1, 0, 1, 2};
  *t = type[op - DW_OP_I32_LOAD];
  *natural = align[op - DW_OP_I32_LOAD];
}

/* A block type's parameter and result vectors. */
static int blocktype(dw_vctx *v, const dw_instr *in, const uint8_t **p, uint32_t *np,
                     const uint8_t **r, uint32_t *nr) {
  *p = *r = self;
  *np = *nr = 0;
  if (in->bt == DW_BT_EMPTY) return 0;
  if (in->bt < 0) {
    *r = &self[(uint8_t)(in->bt + 0x80)];
    *nr = 1;
    return 0;
  }
  if ((uint64_t)in->bt >= v->w->ntypes)
    return verr(v, in->at, "%s names type %lld, which does not exist (unknown type)",
                dw_instr_name(in->op), (long long)in->bt);
  const dw_wasm_functype *t = &v->w->types[in->bt];
  *p = t->params, *np = t->np, *r = t->results, *nr = t->nr;
  return 0;
}

static int need_memory(dw_vctx *v, const dw_instr *in) {
  if (v->w->nmemories == 0)
    return verr(v, in->at, "%s needs a memory but the module has none (unknown memory)",
                dw_instr_name(in->op));
  return 0;
}

static int need_table(dw_vctx *v, const dw_instr *in, uint32_t x) {
  if (x >= v->w->ntables)
    return verr(v, in->at, "%s names table %u, which does not exist (unknown table)",
                dw_instr_name(in->op), x);
  return 0;
}

static int need_elem(dw_vctx *v, const dw_instr *in, uint32_t x) {
  if (x >= v->w->nelems)
    return verr(v, in->at, "%s names element segment %u, which does not exist (unknown elem)",
                dw_instr_name(in->op), x);
  return 0;
}

static int need_data(dw_vctx *v, const dw_instr *in) {
  if (!v->w->has_datacount)
    return verr(v, in->at, "%s needs the data count section, which is missing",
                dw_instr_name(in->op));
  if (in->x >= v->w->datacount)
    return verr(v, in->at, "%s names data segment %u, which does not exist (unknown data segment)",
                dw_instr_name(in->op), in->x);
  return 0;
}

static int call_type(dw_vctx *v, const dw_instr *in, const dw_wasm_functype *t) {
  const char *who = dw_instr_name(in->op);
  if (pop_vals(v, in->at, who, t->params, t->np, true)) return -1;
  return push_n(v, t->results, t->nr);
}

/* The end of a frame (end, else): exactly its results on the stack. */
static int frame_end(dw_vctx *v, const dw_instr *in) {
  dw_vframe *f = top(v);
  const char *who = f->op == 0 ? "the end of the function" : "the end of the block";
  if (pop_vals(v, in->at, who, f->results, f->nr, true)) return -1;
  if (v->nvals != f->height) {
    char a[160];
    return verr(v, in->at, "%s expects %s but the stack holds %u more values (type mismatch)", who,
                types_text(a, sizeof a, f->results, f->nr), v->nvals - f->height);
  }
  return 0;
}

static int br_table(dw_vctx *v, const dw_instr *in) {
  const dw_wasm_info *w = v->w;
  (void)w;
  if (in->n >= DW_WASM_MAX_BR_TABLE)
    return verr(v, in->at, "br_table with %llu targets; dagwood's limit is %u",
                (unsigned long long)in->n + 1, DW_WASM_MAX_BR_TABLE);
  if (pop1(v, in->at, "br_table", DW_WT_I32)) return -1;
  if (in->n >= v->caplabels) {
    uint32_t nc = in->n + 1 > 2 * v->caplabels ? in->n + 1 : 2 * v->caplabels;
    uint32_t *p = dw_arena_alloc_raw(v->a, (size_t)nc * sizeof *p);
    if (!p) return dw_cur_fail(v->c, "out of memory");
    v->labels = p, v->caplabels = nc;
  }
  dw_instr_labels(v->c->b, v->c->end, in, v->labels);
  dw_vframe *def = NULL;
  if (label(v, in->at, v->labels[in->n], &def)) return -1;
  const uint8_t *dt, *lt, *last = NULL;
  uint32_t arity, n;
  label_types(def, &dt, &arity);
  uint32_t serial = ++v->serial;
  for (uint32_t i = 0; i < in->n; i++) {
    dw_vframe *f = NULL;
    if (label(v, in->at, v->labels[i], &f)) return -1;
    if (f->serial == serial) continue; /* this frame was checked already */
    f->serial = serial;
    label_types(f, &lt, &n);
    if (n != arity) {
      char a[160], b[160];
      return verr(v, in->at,
                  "br_table label %u has types %s but the default label %u has %s (type mismatch)",
                  v->labels[i], types_text(a, sizeof a, lt, n), v->labels[in->n],
                  types_text(b, sizeof b, dt, arity));
    }
    if (lt == last) continue;
    v->brwork += n;
    if (v->brwork > DW_WASM_MAX_BR_WORK)
      return verr(v, in->at,
                  "the module's br_tables compare over %u label types with the stack "
                  "(dagwood's limit)",
                  DW_WASM_MAX_BR_WORK);
    char who[48];
    snprintf(who, sizeof who, "br_table to label %u", v->labels[i]);
    if (pop_vals(v, in->at, who, lt, n, false)) return -1;
    last = lt;
  }
  char who[48];
  snprintf(who, sizeof who, "br_table to label %u", v->labels[in->n]);
  if (pop_vals(v, in->at, who, dt, arity, true)) return -1;
  set_unreachable(v);
  return 0;
}

/* One instruction. *done is set at the end of the function. */
static int step(dw_vctx *v, const dw_instr *in, bool *done) {
  const dw_wasm_info *w = v->w;
  const char *who = dw_instr_name(in->op);
  uint32_t op = in->op;
  uint8_t a = 0, b = 0, r = 0, t = 0; /* (gcc -O3 cannot see that a pop that succeeded set them) */
  const uint8_t *p, *res;
  uint32_t np, nr;
  dw_vframe *f = NULL;
  switch (op) {
    case DW_OP_UNREACHABLE:
      set_unreachable(v);
      return 0;
    case DW_OP_NOP:
      return 0;
    case DW_OP_BLOCK:
    case DW_OP_LOOP:
    case DW_OP_IF:
      if (blocktype(v, in, &p, &np, &res, &nr)) return -1;
      if (op == DW_OP_IF && pop1(v, in->at, "if", DW_WT_I32)) return -1;
      if (pop_vals(v, in->at, who, p, np, true)) return -1;
      return push_frame(v, op, p, np, res, nr, in->at);
    case DW_OP_ELSE:
      f = top(v);
      if (f->op != DW_OP_IF) return verr(v, in->at, "else without a matching if");
      if (frame_end(v, in)) return -1;
      f->op = DW_OP_ELSE;
      f->unreachable = false;
      return push_n(v, f->params, f->np);
    case DW_OP_END:
      f = top(v);
      if (frame_end(v, in)) return -1;
      if (f->op == DW_OP_IF && (f->np != f->nr || memcmp(f->params, f->results, f->np) != 0)) {
        char x[160], y[160];
        return verr(v, in->at,
                    "an if without else must leave what it takes: it takes %s and gives %s "
                    "(type mismatch)",
                    types_text(x, sizeof x, f->params, f->np),
                    types_text(y, sizeof y, f->results, f->nr));
      }
      v->nframes--;
      if (f->op == DW_OP_IF || f->op == DW_OP_ELSE || f->op == DW_OP_LOOP) v->cdepth--;
      if (v->nframes == 0) {
        *done = true;
        return 0;
      }
      return push_n(v, f->results, f->nr);
    case DW_OP_BR:
    case DW_OP_BR_IF: {
      if (label(v, in->at, in->x, &f)) return -1;
      if (op == DW_OP_BR_IF && pop1(v, in->at, who, DW_WT_I32)) return -1;
      label_types(f, &p, &np);
      char lw[48];
      snprintf(lw, sizeof lw, "%s %u", who, in->x);
      if (pop_vals(v, in->at, lw, p, np, true)) return -1;
      if (op == DW_OP_BR) {
        set_unreachable(v);
        return 0;
      }
      return push_n(v, p, np);
    }
    case DW_OP_BR_TABLE:
      return br_table(v, in);
    case DW_OP_RETURN:
      f = &v->frames[0];
      if (pop_vals(v, in->at, who, f->results, f->nr, true)) return -1;
      set_unreachable(v);
      return 0;
    case DW_OP_CALL:
      if (in->x >= w->nfuncs)
        return verr(v, in->at, "call of function %u, which does not exist (unknown function)",
                    in->x);
      return call_type(v, in, &w->types[w->func_type[in->x]]);
    case DW_OP_CALL_INDIRECT:
      if (in->x >= w->ntypes)
        return verr(v, in->at, "call_indirect names type %u, which does not exist (unknown type)",
                    in->x);
      if (need_table(v, in, in->y)) return -1;
      if (w->tables[in->y].type != 0x70)
        return verr(v, in->at,
                    "call_indirect through table %u of %s: it must be funcref (type mismatch)",
                    in->y, dw_valtype_name(w->tables[in->y].type));
      if (pop1(v, in->at, who, DW_WT_I32)) return -1;
      return call_type(v, in, &w->types[in->x]);
    case DW_OP_DROP:
      return pop_any(v, in->at, who, &t);
    case DW_OP_SELECT:
      if (pop1(v, in->at, who, DW_WT_I32) || pop_any(v, in->at, who, &a) ||
          pop_any(v, in->at, who, &b))
        return -1;
      if (is_ref(a) || is_ref(b))
        return verr(v, in->at,
                    "select without a type takes numeric operands, not %s (type mismatch)",
                    dw_valtype_name(is_ref(a) ? a : b));
      if (a && b && a != b) {
        return verr(
            v, in->at,
            "select expects two operands of one type but the stack holds [%s %s] (type mismatch)",
            dw_valtype_name(b), dw_valtype_name(a));
      }
      return push(v, a ? a : b);
    case DW_OP_SELECT_T: {
      uint8_t want[3] = {in->t, in->t, DW_WT_I32};
      if (pop_vals(v, in->at, who, want, 3, true)) return -1;
      return push(v, in->t);
    }
    case DW_OP_LOCAL_GET:
    case DW_OP_LOCAL_SET:
    case DW_OP_LOCAL_TEE:
      if (in->x >= v->nlocals)
        return verr(v, in->at, "%s %u: the function has %u locals (unknown local)", who, in->x,
                    v->nlocals);
      t = v->locals[in->x];
      if (op != DW_OP_LOCAL_GET && pop1(v, in->at, who, t)) return -1;
      return op == DW_OP_LOCAL_SET ? 0 : push(v, t);
    case DW_OP_GLOBAL_GET:
    case DW_OP_GLOBAL_SET:
      if (in->x >= w->nglobals)
        return verr(v, in->at, "%s %u: the module has %u globals (unknown global)", who, in->x,
                    w->nglobals);
      t = w->globals[in->x].type;
      if (op == DW_OP_GLOBAL_GET) return push(v, t);
      if (!w->globals[in->x].mut)
        return verr(v, in->at, "global.set of global %u, which is immutable (global is immutable)",
                    in->x);
      return pop1(v, in->at, who, t);
    case DW_OP_TABLE_GET:
    case DW_OP_TABLE_SET:
      if (need_table(v, in, in->x)) return -1;
      t = w->tables[in->x].type;
      if (op == DW_OP_TABLE_GET) {
        if (pop1(v, in->at, who, DW_WT_I32)) return -1;
        return push(v, t);
      } else {
        uint8_t want[2] = {DW_WT_I32, t};
        return pop_vals(v, in->at, who, want, 2, true);
      }
    case DW_OP_MEMORY_SIZE:
      if (need_memory(v, in)) return -1;
      return push(v, DW_WT_I32);
    case DW_OP_MEMORY_GROW:
      if (need_memory(v, in) || pop1(v, in->at, who, DW_WT_I32)) return -1;
      return push(v, DW_WT_I32);
    case DW_OP_I32_CONST:
      return push(v, DW_WT_I32);
    case DW_OP_I64_CONST:
      return push(v, DW_WT_I64);
    case DW_OP_F32_CONST:
      return push(v, DW_WT_F32);
    case DW_OP_F64_CONST:
      return push(v, DW_WT_F64);
    case DW_OP_REF_NULL:
      return push(v, in->t);
    case DW_OP_REF_IS_NULL:
      if (pop_any(v, in->at, who, &t)) return -1;
      if (t && !is_ref(t))
        return verr(v, in->at, "ref.is_null expects a reference but the stack holds [%s]",
                    dw_valtype_name(t));
      return push(v, DW_WT_I32);
    case DW_OP_REF_FUNC:
      if (in->x >= w->nfuncs)
        return verr(v, in->at, "ref.func of function %u, which does not exist (unknown function)",
                    in->x);
      if (!v->refs || !(v->refs[in->x / 8] & (1u << (in->x % 8))))
        return verr(v, in->at,
                    "ref.func of function %u, which no element segment, export or global "
                    "initialiser declares (undeclared function reference)",
                    in->x);
      return push(v, 0x70);
    case DW_OP_MEMORY_INIT: {
      if (need_memory(v, in) || need_data(v, in)) return -1;
      static const uint8_t want[3] = {DW_WT_I32, DW_WT_I32, DW_WT_I32};
      return pop_vals(v, in->at, who, want, 3, true);
    }
    case DW_OP_DATA_DROP:
      return need_data(v, in);
    case DW_OP_MEMORY_COPY:
    case DW_OP_MEMORY_FILL: {
      if (need_memory(v, in)) return -1;
      static const uint8_t want[3] = {DW_WT_I32, DW_WT_I32, DW_WT_I32};
      return pop_vals(v, in->at, who, want, 3, true);
    }
    case DW_OP_TABLE_INIT: {
      if (need_elem(v, in, in->x) || need_table(v, in, in->y)) return -1;
      if (w->elems[in->x].type != w->tables[in->y].type)
        return verr(v, in->at,
                    "table.init of element segment %u (%s) into table %u (%s) (type mismatch)",
                    in->x, dw_valtype_name(w->elems[in->x].type), in->y,
                    dw_valtype_name(w->tables[in->y].type));
      static const uint8_t want[3] = {DW_WT_I32, DW_WT_I32, DW_WT_I32};
      return pop_vals(v, in->at, who, want, 3, true);
    }
    case DW_OP_ELEM_DROP:
      return need_elem(v, in, in->x);
    case DW_OP_TABLE_COPY: {
      if (need_table(v, in, in->x) || need_table(v, in, in->y)) return -1;
      if (w->tables[in->x].type != w->tables[in->y].type)
        return verr(v, in->at, "table.copy from table %u (%s) to table %u (%s) (type mismatch)",
                    in->y, dw_valtype_name(w->tables[in->y].type), in->x,
                    dw_valtype_name(w->tables[in->x].type));
      static const uint8_t want[3] = {DW_WT_I32, DW_WT_I32, DW_WT_I32};
      return pop_vals(v, in->at, who, want, 3, true);
    }
    case DW_OP_TABLE_GROW: {
      if (need_table(v, in, in->x)) return -1;
      uint8_t want[2] = {w->tables[in->x].type, DW_WT_I32};
      if (pop_vals(v, in->at, who, want, 2, true)) return -1;
      return push(v, DW_WT_I32);
    }
    case DW_OP_TABLE_SIZE:
      if (need_table(v, in, in->x)) return -1;
      return push(v, DW_WT_I32);
    case DW_OP_TABLE_FILL: {
      if (need_table(v, in, in->x)) return -1;
      uint8_t want[3] = {DW_WT_I32, w->tables[in->x].type, DW_WT_I32};
      return pop_vals(v, in->at, who, want, 3, true);
    }
  }
  if (op >= DW_OP_I32_LOAD && op <= DW_OP_I64_STORE32) {
    uint32_t natural;
    memop(op, &t, &natural);
    if (need_memory(v, in)) return -1;
    if (in->x > natural)
      return verr(v, in->at, "%s with alignment 2^%u; it must not be larger than natural (2^%u)",
                  who, in->x, natural);
    if (op < 0x36) { /* a load */
      if (pop1(v, in->at, who, DW_WT_I32)) return -1;
      return push(v, t);
    }
    uint8_t want[2] = {DW_WT_I32, t};
    return pop_vals(v, in->at, who, want, 2, true);
  }
  if (numeric(op, &a, &b, &r)) {
    uint8_t want[2] = {a, b};
    if (pop_vals(v, in->at, who, want, b ? 2 : 1, true)) return -1;
    return push(v, r);
  }
  return verr(v, in->at, "unknown instruction 0x%x", op);
}

int dw_validate_body(dw_vctx *v, uint32_t func, const dw_wasm_body *body) {
  (void)body;
  dw_cur *c = v->c;
  const dw_wasm_functype *ft = &v->w->types[v->w->func_type[func]];
  v->func = func;
  v->nvals = v->nframes = 0;
  v->serial = 0;
  if (push_frame(v, 0, self, 0, ft->results, ft->nr, c->pos)) return -1;
  dw_instr in;
  bool done = false;
  v->cdepth = 0;
  while (!done) {
    if (dw_instr_next(c, &in, &c->unsupported)) return -1;
    v->indent += 2 * (uint64_t)v->cdepth;
    if (v->indent > DW_WASM_MAX_INDENT)
      return verr(v, in.at,
                  "ifs and loops nest so deep that the module's C would hold over %u MiB of "
                  "indentation (dagwood's limit)",
                  DW_WASM_MAX_INDENT >> 20);
    if (step(v, &in, &done)) return -1;
  }
  if (c->pos != c->end)
    return dw_cur_fail(c, "function %u has %zu bytes after its final end at byte 0x%zx", func,
                       c->end - c->pos, c->pos);
  return 0;
}

/* ------------------------------------------------ constant expressions */

int dw_validate_declare(dw_vctx *v, uint32_t f) {
  if (!v->refs) {
    v->refs = dw_arena_calloc(v->a, v->w->nfuncs / 8 + 1, 1);
    if (!v->refs) return dw_cur_fail(v->c, "out of memory");
  }
  v->refs[f / 8] |= (uint8_t)(1u << (f % 8));
  return 0;
}

int dw_validate_const(dw_vctx *v, uint8_t type, const char *what, dw_wasm_expr *out) {
  dw_cur *c = v->c;
  const dw_wasm_info *w = v->w;
  out->off = c->pos;
  uint8_t got[4];
  uint32_t n = 0;
  dw_instr in;
  for (;;) {
    if (dw_instr_next(c, &in, &c->unsupported)) return -1;
    uint8_t t;
    switch (in.op) {
      case DW_OP_END:
        out->len = c->pos - out->off;
        if (n != 1 || (got[0] != type)) {
          char a[80];
          return dw_cur_fail(c, "%s must give one %s; it gives %s (type mismatch) at byte %zu",
                             what, dw_valtype_name(type),
                             types_text(a, sizeof a, got, n < 4 ? n : 4), out->off);
        }
        return 0;
      case DW_OP_I32_CONST:
        t = DW_WT_I32;
        break;
      case DW_OP_I64_CONST:
        t = DW_WT_I64;
        break;
      case DW_OP_F32_CONST:
        t = DW_WT_F32;
        break;
      case DW_OP_F64_CONST:
        t = DW_WT_F64;
        break;
      case DW_OP_REF_NULL:
        t = in.t;
        break;
      case DW_OP_REF_FUNC:
        if (in.x >= w->nfuncs)
          return dw_cur_fail(
              c, "%s: ref.func of function %u, which does not exist (unknown function) at byte %zu",
              what, in.x, in.at);
        if (dw_validate_declare(v, in.x)) return -1;
        t = 0x70;
        break;
      case DW_OP_GLOBAL_GET: {
        if (in.x >= w->nglobals)
          return dw_cur_fail(
              c, "%s: global.get of global %u, which does not exist (unknown global) at byte %zu",
              what, in.x, in.at);
        const dw_wasm_global *g = &w->globals[in.x];
        if (g->mut)
          return dw_cur_fail(c,
                             "%s: global.get of global %u, which is mutable (constant expression "
                             "required) at byte %zu",
                             what, in.x, in.at);
        if (!g->imported) {
          if (in.x >= v->gdefined)
            return dw_cur_fail(c,
                               "%s: global.get of global %u, which is not defined before it "
                               "(unknown global) at byte %zu",
                               what, in.x, in.at);
          return dw_cur_unsupported(
              c,
              "extended constant expressions (global.get of the module's own global %u) are not "
              "supported (byte %zu)",
              in.x, in.at);
        }
        t = g->type;
        break;
      }
      case 0x6a:
      case 0x6b:
      case 0x6c:
      case 0x7c:
      case 0x7d:
      case 0x7e:
        return dw_cur_unsupported(c,
                                  "extended constant expressions (%s) are not supported (byte %zu)",
                                  dw_instr_name(in.op), in.at);
      default:
        return dw_cur_fail(c,
                           "%s: %s is not allowed in a constant expression (constant expression "
                           "required) at byte %zu",
                           what, dw_instr_name(in.op), in.at);
    }
    if (n < 4) got[n] = t;
    n++;
  }
}
