/* config/loader: YAML text -> dw_spec. Checks everything that does not need
 * the graph (PIPELINES section 1): types, required keys, enum values, numbers,
 * duplicate ids, unknown dependencies, built-in names, options, input_from,
 * fuel bounds. Reports every problem in one pass, each at the 1-based
 * position of the value concerned; the caller sorts them. O(n) in the size of
 * the file: ids go through a hash map. The YAML tree lives in an arena of its
 * own, freed before returning: the spec keeps copies of what it needs (ids,
 * names interned, options deep-copied with shared subtrees kept shared). */
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/internal.h"
#include "config/spec.h"
#include "util/strmap.h"
#include "util/suggest.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Work allowed for "did you mean" among processor ids (candidates compared),
 * so that thousands of unknown ids in a huge file stay fast. */
enum { SUGGEST_BUDGET = 500000 };

typedef struct ld {
  dw_spec *s;
  dw_cfg_report rep;
  const dw_spec_env *env;
  locale_t cloc; /* "C" numbers whatever the process locale; made on demand */
  dw_strmap ids; /* id -> index of its first definition */
  size_t *idlen; /* strlen of each id, for suggestion filtering */
  const char **cands;
  uint64_t suggest_budget;
  dw_strmap modules; /* module as written -> index into modpaths */
  const char **modpaths;
  size_t nmod, modcap;
  const char *builtin_list; /* "a, b, c", made on demand */
  bool strict;              /* warnings are errors (env->strict) */
  dw_strmap interned;       /* short text kept once in spec->arena -> index */
  const char **itext;
  size_t nitext, itextcap;
  const void **memo_from; /* tree pointer -> its copy, so shared (aliased) */
  void **memo_to;         /* values are copied once */
  size_t memo_cap, memo_n;
  bool oom;
} ld;

/* ----------------------------------------------------------------- copies */

enum { INTERN_MAX = 64 }; /* longer text is copied, or shared through the memo */

/* `len` bytes of tree text as a string of the spec's own: short text (keys,
 * processor names, option values) is kept once however often it appears. */
static const char *keep_text(ld *L, const char *str, size_t len) {
  if (!str) return NULL;
  dw_arena *a = &L->s->arena;
  if (len >= INTERN_MAX || memchr(str, 0, len)) return dw_arena_strndup(a, str, len);
  uint32_t at;
  if (dw_strmap_getn(&L->interned, str, len, &at)) return L->itext[at];
  if (L->nitext == L->itextcap) {
    size_t nc = L->itextcap ? L->itextcap * 2 : 64;
    const char **ni = realloc(L->itext, nc * sizeof *ni);
    if (!ni) return NULL;
    L->itext = ni;
    L->itextcap = nc;
  }
  char *c = dw_arena_strndup(a, str, len);
  if (!c || dw_strmap_putn(&L->interned, c, len, (uint32_t)L->nitext, NULL) < 0) return NULL;
  return L->itext[L->nitext++] = c;
}

/* The copy already made of tree pointer `from`, or where to record it. */
static void **memo_slot(ld *L, const void *from) {
  if ((L->memo_n + 1) * 2 > L->memo_cap) {
    size_t nc = L->memo_cap ? L->memo_cap * 2 : 256;
    const void **nf = calloc(nc, sizeof *nf);
    void **nt = malloc(nc * sizeof *nt);
    if (!nf || !nt) {
      free(nf);
      free(nt);
      return NULL;
    }
    for (size_t i = 0; i < L->memo_cap; i++)
      if (L->memo_from[i]) {
        size_t j = (size_t)(((uintptr_t)L->memo_from[i] >> 4) * 0x9E3779B97F4A7C15ull >> 20);
        while (nf[j & (nc - 1)]) j++;
        nf[j & (nc - 1)] = L->memo_from[i];
        nt[j & (nc - 1)] = L->memo_to[i];
      }
    free(L->memo_from);
    free(L->memo_to);
    L->memo_from = nf;
    L->memo_to = nt;
    L->memo_cap = nc;
  }
  size_t mask = L->memo_cap - 1;
  size_t j = (size_t)(((uintptr_t)from >> 4) * 0x9E3779B97F4A7C15ull >> 20) & mask;
  while (L->memo_from[j] && L->memo_from[j] != from) j = (j + 1) & mask;
  if (!L->memo_from[j]) {
    L->memo_from[j] = from;
    L->memo_to[j] = NULL;
    L->memo_n++;
  }
  return &L->memo_to[j];
}

/* Long text of the tree copied once, however many aliases repeat it. */
static const char *copy_long(ld *L, const char *from, size_t len) {
  void **slot = memo_slot(L, from);
  if (!slot) return NULL;
  if (!*slot && (*slot = dw_arena_alloc_raw(&L->s->arena, len + 1))) memcpy(*slot, from, len + 1);
  return *slot;
}

/* Deep copy into spec->arena. A collection is copied once: later values with
 * the same items (aliases) share the first copy's arrays, so an alias bomb
 * stays as small here as in the tree. dst must not move (arena memory). */
static bool copy_val(ld *L, dw_val *dst, const dw_val *src) {
  *dst = *src;
  if (src->str && !(dst->str = src->len >= INTERN_MAX ? copy_long(L, src->str, src->len)
                                                      : keep_text(L, src->str, src->len)))
    return false;
  if (src->kind != DW_VAL_SEQ && src->kind != DW_VAL_MAP) return true;
  if (!src->n) { /* nothing to share; the memo cannot hold a NULL key */
    static const dw_val no_items[1];
    static const char *const no_keys[1] = {""};
    static const dw_pos no_pos[1];
    dst->items = no_items;
    dst->keys = src->kind == DW_VAL_MAP ? no_keys : NULL;
    dst->key_pos = src->kind == DW_VAL_MAP ? no_pos : NULL;
    return true;
  }
  void **slot = memo_slot(L, src->items);
  if (!slot) return false;
  const dw_val *first = *slot;
  if (first) {
    dst->items = first->items;
    dst->keys = first->keys;
    dst->key_pos = first->key_pos;
    return true;
  }
  *slot = dst; /* the slot moves when the memo grows: not used after this */
  uint32_t n = src->n;
  dw_arena *a = &L->s->arena;
  dw_val *items = dw_arena_alloc_raw(a, (n ? n : 1) * sizeof *items);
  if (!items) return false;
  dst->items = items;
  for (uint32_t i = 0; i < n; i++)
    if (!copy_val(L, &items[i], &src->items[i])) return false;
  if (src->kind != DW_VAL_MAP) return true;
  const char **keys = dw_arena_alloc_raw(a, (n ? n : 1) * sizeof *keys);
  if (!keys) return false;
  dst->keys = keys;
  for (uint32_t i = 0; i < n; i++)
    if (!(keys[i] = keep_text(L, src->keys[i], strlen(src->keys[i])))) return false;
  if (src->key_pos) {
    dw_pos *kp = dw_arena_alloc_raw(a, (n ? n : 1) * sizeof *kp);
    if (!kp) return false;
    memcpy(kp, src->key_pos, n * sizeof *kp);
    dst->key_pos = kp;
  }
  return true;
}

/* A processor's options, copied out of the tree. */
static dw_val *keep_options(ld *L, const dw_val *v) {
  dw_val *c = dw_arena_alloc_raw(&L->s->arena, sizeof *c);
  if (!c || !copy_val(L, c, v)) {
    L->oom = true;
    return NULL;
  }
  return c;
}

/* ------------------------------------------------------------- messages */

static const char *show(ld *L, const char *s) { return dw_cfg_show(&L->rep, s, strlen(s)); }
static const char *showv(ld *L, const dw_val *v) { return dw_cfg_show(&L->rep, v->str, v->len); }

/* A diagnostic about processor `pi` (-1: none): "processor 'x': ..." */
__attribute__((format(printf, 6, 7))) static void pdiag(ld *L, dw_severity sev, dw_pos pos,
                                                        int64_t pi, const char *sugg,
                                                        const char *fmt, ...) {
  char body[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  if (pi < 0) {
    dw_cfg_diag(&L->rep, sev, pos, NULL, sugg, "%s", body);
    return;
  }
  const dw_proc_spec *p = &L->s->procs[pi];
  if (p->id[0])
    dw_cfg_diag(&L->rep, sev, pos, p->id, sugg, "processor '%s': %s", show(L, p->id), body);
  else
    dw_cfg_diag(&L->rep, sev, pos, NULL, sugg, "processor #%u: %s", (unsigned)pi + 1, body);
}

#define ERR(pos, pi, ...) pdiag(L, DW_SEV_ERROR, pos, pi, NULL, __VA_ARGS__)

/* What a value is, for "got ..." in messages. */
static const char *describe(ld *L, const dw_val *v) {
  static const char *const kinds[] = {"null", "", "a list", "a mapping"};
  if (v->kind == DW_VAL_SCALAR) {
    char *b = L->rep.show_buf[L->rep.show_next++ % 6];
    const char *t = showv(L, v);
    size_t n = strlen(t);
    memcpy(b + 1, t, n + 1); /* t is the next buffer of the ring, never b */
    b[0] = '\'';
    memcpy(b + 1 + n, "'", 2);
    return b;
  }
  if (v->kind == DW_VAL_NULL && v->len == 0) return "no value";
  return kinds[v->kind];
}

/* A problem that does not stop loading (a warning: `lenient` ends its text,
 * saying what happens instead), unless strict checking is on (an error:
 * `strict` ends its text, saying what to do). So no message reads "error:
 * ... (ignored)". */
__attribute__((format(printf, 7, 8))) static void lenient(ld *L, dw_pos pos, int64_t pi,
                                                          const char *sugg, const char *lenient,
                                                          const char *strict, const char *fmt,
                                                          ...) {
  char body[800];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(body, sizeof body, fmt, ap);
  va_end(ap);
  pdiag(L, L->strict ? DW_SEV_ERROR : DW_SEV_WARNING, pos, pi, sugg, "%s%s", body,
        L->strict ? strict : lenient);
}

/* An unknown key (PIPELINES 1.4). One close to a known key is taken for its
 * misspelling and is an error whatever the strictness: the setting it was
 * meant to make would silently not apply. Any other is lenient. */
static void unknown_key(ld *L, dw_pos pos, int64_t pi, const char *where, const char *key,
                        const char *const *valid, size_t n) {
  const char *sugg = dw_suggest(key, valid, n);
  char in[64] = "";
  if (where) snprintf(in, sizeof in, " in %s", where);
  if (sugg)
    pdiag(L, DW_SEV_ERROR, pos, pi, sugg, "misspelled key '%s'%s", show(L, key), in);
  else
    lenient(L, pos, pi, NULL, " (ignored)", " (strict checking allows only known keys)",
            "unknown key '%s'%s", show(L, key), in);
}

static int key_index(const char *key, const char *const *keys, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(key, keys[i]) == 0) return (int)i;
  return -1;
}

/* ---------------------------------------------------------------- values */

/* Text where text is required; NULL (reported) otherwise. */
static const char *get_str(ld *L, const dw_val *v, int64_t pi, const char *what) {
  if (v->kind == DW_VAL_SCALAR) {
    if (dw_cfg_is_bool(v)) {
      ERR(v->pos, pi, "%s must be a string, got the boolean '%s' (quote it to use it as text)",
          what, showv(L, v));
      return NULL;
    }
    if (strlen(v->str) != v->len) {
      ERR(v->pos, pi, "%s must not contain NUL characters", what);
      return NULL;
    }
    return v->str;
  }
  ERR(v->pos, pi, "%s must be a string, got %s", what, describe(L, v));
  return NULL;
}

/* An enum value: one of names[] (which may include aliases beyond the
 * `listed` text). Returns the index or -1 (reported). */
static int get_enum(ld *L, const dw_val *v, int64_t pi, const char *what, const char *const *names,
                    size_t n, const char *listed) {
  const char *s = get_str(L, v, pi, what);
  if (!s) return -1;
  int i = key_index(s, names, n);
  if (i >= 0) return i;
  pdiag(L, DW_SEV_ERROR, v->pos, pi, dw_suggest(s, names, n), "%s must be one of %s, got '%s'",
        what, listed, showv(L, v));
  return -1;
}

/* Digits only (an optional '+'), no overflow. */
static bool parse_u64(const char *s, size_t len, uint64_t *out, bool *overflow) {
  size_t i = 0;
  *overflow = false;
  if (i < len && s[i] == '+') i++;
  if (i == len) return false;
  uint64_t v = 0;
  for (; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') return false;
    unsigned d = (unsigned)(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) *overflow = true;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

/* An integer in [min, max]; `wide` says max is only the type's limit (so the
 * message says ">= min"). */
static bool get_uint(ld *L, const dw_val *v, int64_t pi, const char *what, uint64_t min,
                     uint64_t max, bool wide, uint64_t *out) {
  uint64_t x = 0;
  bool overflow = false;
  bool num = v->kind == DW_VAL_SCALAR && !v->quoted && parse_u64(v->str, v->len, &x, &overflow);
  if (num && !overflow && x >= min && x <= max) {
    *out = x;
    return true;
  }
  char range[96];
  if (wide)
    snprintf(range, sizeof range, "an integer >= %llu", (unsigned long long)min);
  else
    snprintf(range, sizeof range, "an integer between %llu and %llu", (unsigned long long)min,
             (unsigned long long)max);
  if (v->kind == DW_VAL_SCALAR && v->quoted)
    ERR(v->pos, pi, "%s must be %s, got the quoted string \"%s\" (write numbers without quotes)",
        what, range, showv(L, v));
  else if (num && (overflow || x > max) && wide)
    ERR(v->pos, pi, "%s must be %s, got %s (too large: at most %llu)", what, range, describe(L, v),
        (unsigned long long)max);
  else
    ERR(v->pos, pi, "%s must be %s, got %s", what, range, describe(L, v));
  return false;
}

/* A decimal number: [+]digits[.digits][e[+-]digits] or [+].digits[...]. */
static bool decimal_syntax(const char *s, size_t len) {
  size_t i = 0, digits = 0;
  if (i < len && s[i] == '+') i++;
  while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
  if (i < len && s[i] == '.') {
    i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, digits++;
  }
  if (!digits) return false;
  if (i < len && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < len && (s[i] == '+' || s[i] == '-')) i++;
    size_t e = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9') i++, e++;
    if (!e) return false;
  }
  return i == len;
}

enum { MAX_SECONDS = 1000000000 }; /* ~31 years: keeps nanoseconds in 64 bits */

static bool get_seconds(ld *L, const dw_val *v, int64_t pi, const char *what, double *out) {
  if (v->kind == DW_VAL_SCALAR && !v->quoted && decimal_syntax(v->str, v->len)) {
    if (!L->cloc) L->cloc = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    double x = L->cloc ? strtod_l(v->str, NULL, L->cloc) : strtod(v->str, NULL);
    if (isfinite(x) && x > 0 && x <= MAX_SECONDS) {
      *out = x;
      return true;
    }
    if (isfinite(x) && x > MAX_SECONDS) {
      ERR(v->pos, pi, "%s must be at most %d seconds, got %s", what, MAX_SECONDS, describe(L, v));
      return false;
    }
  }
  if (v->kind == DW_VAL_SCALAR && v->quoted)
    ERR(v->pos, pi,
        "%s must be a number of seconds > 0 (fractions allowed), got the quoted string \"%s\" "
        "(write numbers without quotes)",
        what, showv(L, v));
  else
    ERR(v->pos, pi, "%s must be a number of seconds > 0 (fractions allowed), got %s", what,
        describe(L, v));
  return false;
}

/* A mapping, or null (= empty); NULL (reported) for anything else. */
static const dw_val *get_map(ld *L, const dw_val *v, int64_t pi, const char *what,
                             const char *example) {
  if (v->kind == DW_VAL_MAP) return v;
  if (v->kind == DW_VAL_NULL) return NULL;
  ERR(v->pos, pi, "%s must be a mapping (e.g. %s), got %s", what, example, describe(L, v));
  return NULL;
}

/* ------------------------------------------------------------ top level */

static const char *const STRATEGY_NAMES[] = {"work_queue", "level", "reactive", "hybrid",
                                             "level_by_level"};
static const dw_strategy STRATEGY_VALUES[] = {DW_STRATEGY_WORK_QUEUE, DW_STRATEGY_LEVEL,
                                              DW_STRATEGY_REACTIVE, DW_STRATEGY_HYBRID,
                                              DW_STRATEGY_LEVEL};
static const char *const FAILURE_NAMES[] = {"fail_fast", "continue_on_error", "best_effort"};
static const char *const INTENT_NAMES[] = {"transform", "analyze"};

static const char *const TOP_KEYS[] = {"strategy", "failure_strategy", "executor_options", "wasm",
                                       "processors"};
static const char *const EXEC_KEYS[] = {"max_concurrency", "timeout_seconds", "retry_attempts",
                                        "batch_size", "max_run_memory_mb"};
static const char *const WASM_KEYS[] = {"fuel", "max_memory_mb", "timeout_seconds"};
static const char *const FUEL_KEYS[] = {"default", "minimum", "maximum"};

static void parse_executor(ld *L, const dw_val *v) {
  const dw_val *m = get_map(L, v, -1, "executor_options", "executor_options: {max_concurrency: 4}");
  if (!m) return;
  dw_spec *s = L->s;
  for (uint32_t i = 0; i < m->n; i++) {
    const dw_val *x = &m->items[i];
    uint64_t u;
    switch (key_index(m->keys[i], EXEC_KEYS, COUNT(EXEC_KEYS))) {
      case 0:
        if (get_uint(L, x, -1, "executor_options.max_concurrency", 1, UINT32_MAX, true, &u))
          s->max_concurrency = (uint32_t)u;
        break;
      case 1:
        get_seconds(L, x, -1, "executor_options.timeout_seconds", &s->timeout_seconds);
        break;
      case 2:
        if (get_uint(L, x, -1, "executor_options.retry_attempts", 0, INT_MAX, true, &u))
          s->retry_attempts = (uint32_t)u;
        break;
      case 3:
        if (get_uint(L, x, -1, "executor_options.batch_size", 1, UINT32_MAX, true, &u))
          s->batch_size = (uint32_t)u;
        break;
      case 4: /* MiB; at most 2^32 - 1 (4 PiB) */
        if (get_uint(L, x, -1, "executor_options.max_run_memory_mb", 1, UINT32_MAX, true, &u))
          s->max_run_memory_mb = (uint32_t)u;
        break;
      default:
        unknown_key(L, m->key_pos[i], -1, "executor_options", m->keys[i], EXEC_KEYS,
                    COUNT(EXEC_KEYS));
    }
  }
}

static void parse_wasm(ld *L, const dw_val *v) {
  const dw_val *m = get_map(L, v, -1, "wasm", "wasm: {max_memory_mb: 64}");
  if (!m) return;
  dw_spec *s = L->s;
  const dw_val *fuel[3] = {0};
  bool fuel_ok = true;
  for (uint32_t i = 0; i < m->n; i++) {
    const dw_val *x = &m->items[i];
    uint64_t u;
    switch (key_index(m->keys[i], WASM_KEYS, COUNT(WASM_KEYS))) {
      case 0: {
        const dw_val *f = get_map(L, x, -1, "wasm.fuel", "wasm: {fuel: {default: 100000000}}");
        if (!f) {
          fuel_ok = x->kind == DW_VAL_NULL;
          break;
        }
        for (uint32_t j = 0; j < f->n; j++) {
          int k = key_index(f->keys[j], FUEL_KEYS, COUNT(FUEL_KEYS));
          if (k < 0) {
            unknown_key(L, f->key_pos[j], -1, "wasm.fuel", f->keys[j], FUEL_KEYS, COUNT(FUEL_KEYS));
            continue;
          }
          static const char *const what[] = {"wasm.fuel.default", "wasm.fuel.minimum",
                                             "wasm.fuel.maximum"};
          uint64_t *dst[] = {&s->fuel_default, &s->fuel_min, &s->fuel_max};
          fuel[k] = &f->items[j];
          if (!get_uint(L, fuel[k], -1, what[k], 1, UINT64_MAX, true, dst[k])) fuel_ok = false;
        }
        break;
      }
      case 1:
        if (get_uint(L, x, -1, "wasm.max_memory_mb", 1, 65535, false, &u))
          s->max_memory_mb = (uint32_t)u;
        break;
      case 2:
        get_seconds(L, x, -1, "wasm.timeout_seconds", &s->wasm_timeout_seconds);
        break;
      default:
        unknown_key(L, m->key_pos[i], -1, "wasm", m->keys[i], WASM_KEYS, COUNT(WASM_KEYS));
    }
  }
  if (!fuel_ok) return;
  unsigned long long d = s->fuel_default, lo = s->fuel_min, hi = s->fuel_max;
  if (lo > hi) {
    const dw_val *at = fuel[1] ? fuel[1] : fuel[2];
    ERR(at->pos, -1,
        "wasm.fuel.minimum (%llu) is greater than wasm.fuel.maximum (%llu): lower the minimum or "
        "raise the maximum",
        lo, hi);
  } else if (d < lo || d > hi) {
    const dw_val *at = fuel[0] ? fuel[0] : d < lo ? fuel[1] : fuel[2];
    ERR(at->pos, -1,
        "wasm.fuel.default (%llu) must lie between wasm.fuel.minimum (%llu) and "
        "wasm.fuel.maximum (%llu)",
        d, lo, hi);
  }
}

/* ------------------------------------------------------------ processors */

enum {
  K_ID,
  K_TYPE,
  K_PROCESSOR,
  K_MODULE,
  K_DEPENDS_ON,
  K_OPTIONS,
  K_INTENT,
  K_TIMEOUT,
  K_RETRY,
  K_INPUT_FROM,
  K_COUNT
};
static const char *const PROC_KEYS[K_COUNT] = {
    "id",      "type",   "processor",       "module",         "depends_on",
    "options", "intent", "timeout_seconds", "retry_attempts", "input_from"};

/* PROC_KEYS index of a processor key, or -1: by first byte, one strcmp. */
static int proc_key(const char *k) {
  int i;
  switch (k[0]) {
    case 'i':
      i = k[1] == 'd' ? K_ID : k[1] == 'n' && k[2] == 't' ? K_INTENT : K_INPUT_FROM;
      break;
    case 't':
      i = k[1] == 'y' ? K_TYPE : K_TIMEOUT;
      break;
    case 'p':
      i = K_PROCESSOR;
      break;
    case 'm':
      i = K_MODULE;
      break;
    case 'd':
      i = K_DEPENDS_ON;
      break;
    case 'o':
      i = K_OPTIONS;
      break;
    case 'r':
      i = K_RETRY;
      break;
    default:
      return -1;
  }
  return strcmp(k, PROC_KEYS[i]) == 0 ? i : -1;
}

static const char *builtin_list(ld *L) {
  if (L->builtin_list) return L->builtin_list;
  size_t n = 1;
  for (size_t i = 0; i < L->env->nnames; i++) n += strlen(L->env->names[i]) + 2;
  char *b = dw_arena_alloc(&L->s->arena, n);
  if (!b) return "";
  size_t o = 0;
  for (size_t i = 0; i < L->env->nnames; i++) {
    size_t k = strlen(L->env->names[i]);
    if (i) b[o++] = ',', b[o++] = ' ';
    memcpy(b + o, L->env->names[i], k);
    o += k;
  }
  b[o] = 0;
  return L->builtin_list = b;
}

/* "did you mean" among the processor ids, within a global work budget. */
static const char *suggest_id(ld *L, const char *word) {
  size_t wl = strlen(word), n = L->s->nprocs;
  if (wl > 64 || L->suggest_budget < n || !L->cands) return NULL;
  L->suggest_budget -= n;
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    size_t il = L->idlen[i];
    if (il && (il > wl ? il - wl : wl - il) <= 3) L->cands[k++] = L->s->procs[i].id;
  }
  return dw_suggest(word, L->cands, k);
}

static const char *resolve_module(ld *L, const char *module) {
  const char *base = L->s->base_dir;
  if (module[0] == '/' || !base || !base[0]) return module;
  uint32_t idx;
  if (dw_strmap_get(&L->modules, module, &idx)) return L->modpaths[idx];
  size_t bl = strlen(base);
  const char *joined =
      dw_arena_printf(&L->s->arena, "%s%s%s", base, base[bl - 1] == '/' ? "" : "/", module);
  if (!joined) return module;
  const char *res = joined;
  if (access(joined, F_OK) != 0 && access(module, F_OK) == 0) res = module;
  if (L->nmod == L->modcap) {
    size_t nc = L->modcap ? L->modcap * 2 : 16;
    const char **np = realloc(L->modpaths, nc * sizeof *np);
    if (!np) return res;
    L->modpaths = np;
    L->modcap = nc;
  }
  if (dw_strmap_put(&L->modules, module, (uint32_t)L->nmod, NULL) == 1)
    L->modpaths[L->nmod++] = res;
  return res;
}

static void parse_depends(ld *L, dw_proc_spec *p, int64_t pi, const dw_val *v) {
  if (v->kind == DW_VAL_NULL) return;
  if (v->kind != DW_VAL_SEQ) {
    if (v->kind == DW_VAL_SCALAR && !dw_cfg_is_bool(v))
      ERR(v->pos, pi, "depends_on must be a list of processor ids; write depends_on: [%s]",
          showv(L, v));
    else
      ERR(v->pos, pi, "depends_on must be a list of processor ids, got %s", describe(L, v));
    return;
  }
  uint32_t n = v->n;
  dw_arena *a = &L->s->scratch;
  const char **deps = dw_arena_alloc_raw(a, (n ? n : 1) * sizeof *deps);
  dw_pos *pos = dw_arena_alloc_raw(a, (n ? n : 1) * sizeof *pos);
  uint32_t *idx = dw_arena_alloc_raw(a, (n ? n : 1) * sizeof *idx);
  if (!deps || !pos || !idx) {
    L->oom = true;
    return;
  }
  dw_strmap seen;
  dw_strmap_init(&seen);
  bool big = n > 16;
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    const dw_val *d = &v->items[i];
    const char *id = get_str(L, d, pi, "each depends_on entry");
    if (!id) continue;
    bool dup = false;
    if (big) {
      int rc = dw_strmap_put(&seen, id, k, NULL);
      if (rc < 0) L->oom = true;
      dup = rc == 0;
    } else {
      for (uint32_t j = 0; j < k && !dup; j++) dup = strcmp(deps[j], id) == 0;
    }
    if (dup) {
      lenient(L, d->pos, pi, NULL, "; the repeat is ignored", "; remove the repeat",
              "depends_on lists '%s' more than once", showv(L, d));
      continue;
    }
    uint32_t at;
    if (dw_strmap_getn(&L->ids, id, d->len, &at)) {
      idx[k] = at;
      id = L->s->procs[at].id; /* the same text, outside the tree */
    } else {
      idx[k] = DW_SPEC_UNRESOLVED;
      pdiag(L, DW_SEV_ERROR, d->pos, pi, suggest_id(L, id),
            "depends_on names unknown processor '%s'", showv(L, d));
      if (!(id = dw_arena_strndup(a, id, d->len))) {
        L->oom = true;
        continue;
      }
    }
    deps[k] = id;
    pos[k] = d->pos;
    k++;
  }
  dw_strmap_free(&seen);
  p->ndeps = k;
  p->deps = deps;
  p->dep_pos = pos;
  p->dep_idx = idx;
}

static void check_options(ld *L, int64_t pi, const dw_val *opts, const dw_processor_def *def) {
  if (!def || !def->options) return;
  size_t nopt = 0;
  while (def->options[nopt]) nopt++;
  for (uint32_t i = 0; i < opts->n; i++) {
    const char *key = opts->keys[i];
    if (strcmp(key, "intent") == 0) continue; /* read by the loader itself */
    if (key_index(key, def->options, nopt) < 0) {
      const char *sugg = dw_suggest(key, def->options, nopt);
      if (sugg) /* a misspelled option is an error, as a misspelled key is */
        pdiag(L, DW_SEV_ERROR, opts->key_pos[i], pi, sugg, "misspelled option '%s' of %s",
              show(L, key), def->name);
      else
        lenient(L, opts->key_pos[i], pi, NULL, "", "; remove it (strict checking)",
                "option '%s' is not used by %s", show(L, key), def->name);
    } else if (opts->items[i].kind != DW_VAL_SCALAR) {
      ERR(opts->items[i].pos, pi, "option '%s' of %s must be a string, got %s", show(L, key),
          def->name, describe(L, &opts->items[i]));
    }
  }
}

/* The options of a WebAssembly processor (PIPELINES 6.3). */
static const char *const WASM_OPTIONS[] = {"intent", "fuel_level", "max_memory_mb", "capabilities"};

/* A wasm processor's misspelled options are errors, as misspelled keys are.
 * The copy `c` then loses them, so that the module check (src/wasm), which
 * warns about the other unknown options, does not report them again; the
 * pipeline does not load, so nothing reads the copy otherwise. */
static void check_wasm_options(ld *L, int64_t pi, dw_val *c) {
  uint32_t n = c->n, bad = 0;
  bool *drop = dw_arena_alloc(&L->s->scratch, (n ? n : 1) * sizeof *drop);
  if (!drop) {
    L->oom = true;
    return;
  }
  for (uint32_t i = 0; i < n; i++) {
    const char *key = c->keys[i];
    if (key_index(key, WASM_OPTIONS, COUNT(WASM_OPTIONS)) >= 0) continue;
    const char *sugg = dw_suggest(key, WASM_OPTIONS, COUNT(WASM_OPTIONS));
    if (!sugg) continue;
    pdiag(L, DW_SEV_ERROR, c->key_pos ? c->key_pos[i] : c->pos, pi, sugg,
          "misspelled option '%s' of a wasm processor", show(L, key));
    drop[i] = true;
    bad++;
  }
  if (!bad) return;
  uint32_t k = n - bad;
  dw_arena *a = &L->s->arena;
  dw_val *items = dw_arena_alloc_raw(a, (k ? k : 1) * sizeof *items);
  const char **keys = dw_arena_alloc_raw(a, (k ? k : 1) * sizeof *keys);
  dw_pos *kp = dw_arena_alloc_raw(a, (k ? k : 1) * sizeof *kp);
  if (!items || !keys || !kp) {
    L->oom = true;
    return;
  }
  for (uint32_t i = 0, j = 0; i < n; i++)
    if (!drop[i]) {
      items[j] = c->items[i];
      keys[j] = c->keys[i];
      kp[j++] = c->key_pos ? c->key_pos[i] : c->pos;
    }
  c->items = items;
  c->keys = keys;
  c->key_pos = kp;
  c->n = k;
}

static void parse_processor(ld *L, int64_t pi, const dw_val *item) {
  dw_proc_spec *p = &L->s->procs[pi];
  const dw_val *f[K_COUNT] = {0};
  dw_pos fk[K_COUNT] = {0};
  for (uint32_t j = 0; j < item->n; j++) {
    int k = proc_key(item->keys[j]);
    if (k < 0) {
      unknown_key(L, item->key_pos[j], pi, NULL, item->keys[j], PROC_KEYS, K_COUNT);
      continue;
    }
    f[k] = &item->items[j];
    fk[k] = item->key_pos[j];
  }

  /* type */
  int type = -1;
  if (!f[K_TYPE]) {
    ERR(p->pos, pi, "missing required key 'type' (local or wasm)");
  } else {
    const char *t = get_str(L, f[K_TYPE], pi, "type");
    if (t) {
      static const char *const types[] = {"local", "wasm"};
      static const char *const later[] = {"loadable", "grpc", "http"};
      type = key_index(t, types, 2);
      if (type < 0 && key_index(t, later, 3) >= 0)
        ERR(f[K_TYPE]->pos, pi, "processor type '%s' is not supported yet; use local or wasm", t);
      else if (type < 0)
        pdiag(L, DW_SEV_ERROR, f[K_TYPE]->pos, pi, dw_suggest(t, types, 2),
              "type must be one of local, wasm, got '%s'", showv(L, f[K_TYPE]));
    }
  }
  p->type = type == 1 ? DW_PTYPE_WASM : DW_PTYPE_LOCAL;
  if (f[K_TYPE]) p->type_pos = f[K_TYPE]->pos;

  /* processor / module, by type */
  const dw_processor_def *def = NULL;
  if (type == 0) {
    if (f[K_MODULE])
      lenient(L, fk[K_MODULE], pi, NULL, " (ignored)", "; remove it (strict checking)",
              "'module' does not apply to a local processor, only to type wasm");
    if (!f[K_PROCESSOR]) {
      ERR(p->pos, pi, "missing required key 'processor': name the built-in processor to run");
    } else if ((p->processor = get_str(L, f[K_PROCESSOR], pi, "processor"))) {
      p->processor_pos = f[K_PROCESSOR]->pos;
      if (!(p->processor = keep_text(L, p->processor, f[K_PROCESSOR]->len))) L->oom = true;
      if (p->processor && L->env && L->env->lookup) {
        p->def = def = L->env->lookup(L->env->ctx, p->processor);
        if (!def)
          pdiag(L, DW_SEV_ERROR, p->processor_pos, pi,
                dw_suggest(p->processor, L->env->names, L->env->nnames),
                "unknown processor '%s'; the built-in processors are: %s", showv(L, f[K_PROCESSOR]),
                builtin_list(L));
      }
    }
  } else if (type == 1) {
    if (f[K_PROCESSOR])
      lenient(L, fk[K_PROCESSOR], pi, NULL, " (ignored)", "; remove it (strict checking)",
              "'processor' does not apply to a wasm processor, only to type local");
    if (!f[K_MODULE]) {
      ERR(p->pos, pi, "missing required key 'module': give the path of the .wasm file");
    } else if ((p->module = get_str(L, f[K_MODULE], pi, "module"))) {
      p->module_pos = f[K_MODULE]->pos;
      if (!p->module[0]) {
        ERR(p->module_pos, pi, "module must not be empty: give the path of the .wasm file");
        p->module = NULL;
      } else if (!(p->module = keep_text(L, p->module, f[K_MODULE]->len))) {
        L->oom = true;
      } else {
        p->module_path = resolve_module(L, p->module);
      }
    }
  }

  if (f[K_DEPENDS_ON]) parse_depends(L, p, pi, f[K_DEPENDS_ON]);

  /* options, and intent (top-level key wins over options.intent) */
  const dw_val *opt_intent = NULL;
  if (f[K_OPTIONS]) {
    p->options = get_map(L, f[K_OPTIONS], pi, "options", "options: {prefix: \">\"}");
    if (p->options) {
      check_options(L, pi, p->options, def);
      opt_intent = dw_val_get(p->options, "intent");
      dw_val *copy = keep_options(L, p->options);
      if (copy && type == 1) check_wasm_options(L, pi, copy);
      p->options = copy;
    }
  }
  if (f[K_INTENT]) {
    int i = get_enum(L, f[K_INTENT], pi, "intent", INTENT_NAMES, 2, "transform, analyze");
    if (i >= 0) p->intent = i, p->intent_pos = f[K_INTENT]->pos;
  }
  if (opt_intent) {
    int i = get_enum(L, opt_intent, pi, "options.intent", INTENT_NAMES, 2, "transform, analyze");
    if (i >= 0 && !f[K_INTENT]) p->intent = i, p->intent_pos = opt_intent->pos;
  }

  if (f[K_TIMEOUT]) get_seconds(L, f[K_TIMEOUT], pi, "timeout_seconds", &p->timeout_seconds);
  if (f[K_RETRY]) {
    uint64_t u;
    if (get_uint(L, f[K_RETRY], pi, "retry_attempts", 0, INT_MAX, true, &u))
      p->retry_attempts = (int)u;
  }

  if (f[K_INPUT_FROM]) {
    const char *in = get_str(L, f[K_INPUT_FROM], pi, "input_from");
    if (in) {
      p->input_from_pos = f[K_INPUT_FROM]->pos;
      uint32_t k = 0;
      while (k < p->ndeps && strcmp(p->deps[k], in) != 0) k++;
      p->input_from = k < p->ndeps ? p->deps[k] : dw_arena_strdup(&L->s->scratch, in);
      if (k == p->ndeps)
        pdiag(L, DW_SEV_ERROR, p->input_from_pos, pi,
              p->ndeps ? dw_suggest(in, p->deps, p->ndeps) : NULL,
              "input_from '%s' is not one of this processor's depends_on; add it to depends_on "
              "or name one of them",
              showv(L, f[K_INPUT_FROM]));
      else if (p->dep_idx[k] != DW_SPEC_UNRESOLVED)
        p->input_from_idx = (int32_t)p->dep_idx[k];
    }
  }
}

static void parse_processors(ld *L, const dw_val *v) {
  dw_spec *s = L->s;
  if (v->kind == DW_VAL_NULL) return; /* "processors:" alone: an empty pipeline */
  if (v->kind != DW_VAL_SEQ) {
    ERR(v->pos, -1,
        "processors must be a list of processors (each a mapping with 'id' and "
        "'type'), got %s",
        describe(L, v));
    return;
  }
  uint32_t n = v->n;
  s->procs = calloc(n ? n : 1, sizeof *s->procs);
  L->idlen = calloc(n ? n : 1, sizeof *L->idlen);
  L->cands = malloc((n ? n : 1) * sizeof *L->cands);
  if (!s->procs || !L->idlen || !L->cands || dw_strmap_reserve(&L->ids, n) < 0) {
    L->oom = true;
    return;
  }
  s->nprocs = n;

  /* pass 1: ids, so that depends_on can name processors defined later */
  for (uint32_t i = 0; i < n; i++) {
    dw_proc_spec *p = &s->procs[i];
    const dw_val *item = &v->items[i];
    p->id = "";
    p->pos = item->pos;
    p->intent = -1;
    p->timeout_seconds = -1;
    p->retry_attempts = -1;
    p->input_from_idx = -1;
    if (item->kind != DW_VAL_MAP) {
      ERR(item->pos, -1, "each processor must be a mapping with at least 'id' and 'type', got %s",
          describe(L, item));
      continue;
    }
    const dw_val *idv = NULL;
    for (uint32_t j = 0; j < item->n && !idv; j++) {
      const char *k = item->keys[j];
      if (k[0] == 'i' && k[1] == 'd' && !k[2]) idv = &item->items[j];
    }
    if (!idv) {
      ERR(item->pos, i, "missing required key 'id': give the processor a unique id");
      continue;
    }
    const char *id = get_str(L, idv, i, "id");
    if (!id) continue;
    p->id_pos = idv->pos;
    if (!id[0]) {
      ERR(idv->pos, i, "id must not be empty");
      continue;
    }
    if (strcmp(id, "initial_context") == 0) /* PIPELINES 3: the run's own metadata */
      dw_cfg_diag(&L->rep, DW_SEV_ERROR, idv->pos, id, NULL,
                  "processor id 'initial_context' is reserved for the run's context metadata; "
                  "choose another id");
    uint32_t first;
    if (!(id = dw_arena_strndup(&s->arena, id, idv->len))) {
      L->oom = true;
      return;
    }
    int rc = dw_strmap_putn(&L->ids, id, idv->len, i, &first);
    if (rc < 0) {
      L->oom = true;
      return;
    }
    p->id = id;
    L->idlen[i] = idv->len;
    if (rc == 0) {
      const dw_proc_spec *q = &s->procs[first];
      dw_cfg_diag(&L->rep, DW_SEV_ERROR, idv->pos, id, NULL,
                  "duplicate processor id '%s' (first defined at line %u, column %u); ids must "
                  "be unique",
                  showv(L, idv), q->id_pos.line, q->id_pos.col);
    }
  }

  /* pass 2: everything else */
  for (uint32_t i = 0; i < n; i++)
    if (v->items[i].kind == DW_VAL_MAP) parse_processor(L, i, &v->items[i]);
}

static void parse_top(ld *L, const dw_val *root) {
  dw_spec *s = L->s;
  const dw_val *procs = NULL;
  for (uint32_t i = 0; i < root->n; i++) {
    const dw_val *v = &root->items[i];
    int k;
    switch ((k = key_index(root->keys[i], TOP_KEYS, COUNT(TOP_KEYS)))) {
      case 0:
        k = get_enum(L, v, -1, "strategy", STRATEGY_NAMES, COUNT(STRATEGY_NAMES),
                     "work_queue, level, reactive, hybrid");
        if (k >= 0) s->strategy = STRATEGY_VALUES[k];
        break;
      case 1:
        k = get_enum(L, v, -1, "failure_strategy", FAILURE_NAMES, COUNT(FAILURE_NAMES),
                     "fail_fast, continue_on_error, best_effort");
        if (k >= 0) s->failure = (dw_failure_strategy)k;
        break;
      case 2:
        parse_executor(L, v);
        break;
      case 3:
        parse_wasm(L, v);
        break;
      case 4:
        procs = v;
        break;
      default:
        unknown_key(L, root->key_pos[i], -1, NULL, root->keys[i], TOP_KEYS, COUNT(TOP_KEYS));
    }
  }
  if (!procs)
    ERR(root->pos, -1,
        "missing required key 'processors': list the pipeline's processors under it "
        "(an empty pipeline is 'processors: []')");
  else
    parse_processors(L, procs);
}

/* ------------------------------------------------------------------- API */

static void spec_defaults(dw_spec *s) {
  s->strategy = DW_STRATEGY_HYBRID;
  s->failure = DW_FAILURE_FAIL_FAST;
  s->max_concurrency = 0;
  s->timeout_seconds = -1;
  s->retry_attempts = 0;
  s->batch_size = 1;
  s->max_run_memory_mb = DW_SPEC_DEFAULT_RUN_MEMORY_MB;
  s->fuel_default = 100000000;
  s->fuel_min = 1000000;
  s->fuel_max = 500000000;
  s->max_memory_mb = 64;
  s->wasm_timeout_seconds = DW_WASM_DEFAULT_TIMEOUT_S;
}

dw_spec *dw_spec_parse(const char *file, const char *base_dir, const char *data, size_t len,
                       const dw_spec_env *env, dw_diags *diags) {
  dw_diags *own = NULL;
  if (!diags && !(diags = own = dw_diags_new())) return NULL;
  dw_spec *s = calloc(1, sizeof *s);
  if (!s) {
    dw_diags_free(own);
    return NULL;
  }
  dw_arena_init(&s->arena);
  dw_arena_init(&s->scratch);
  spec_defaults(s);
  s->file = dw_arena_strdup(&s->arena, file ? file : "<input>");
  s->base_dir = base_dir ? dw_arena_strdup(&s->arena, base_dir) : NULL;

  ld L;
  memset(&L, 0, sizeof L);
  L.s = s;
  L.env = env;
  L.strict = env && env->strict;
  L.suggest_budget = SUGGEST_BUDGET;
  dw_strmap_init(&L.ids);
  dw_strmap_init(&L.modules);
  dw_strmap_init(&L.interned);
  dw_arena doc; /* the YAML tree: gone when this returns */
  dw_arena_init_large(&doc);
  dw_cfg_report_init(&L.rep, diags, s->file ? s->file : file);

  bool fail = false;
  const dw_val *root = NULL;
  if (!s->file || (base_dir && !s->base_dir)) {
    L.oom = fail = true;
  } else if (len > (size_t)DW_SPEC_MAX_BYTES) {
    dw_cfg_diag(&L.rep, DW_SEV_ERROR, (dw_pos){0, 0}, NULL, NULL,
                "the file is %zu bytes; pipeline files are limited to %d MiB", len,
                (int)(DW_SPEC_MAX_BYTES >> 20));
    fail = true;
  } else if (!(root = dw_cfg_read_yaml(&doc, &L.rep, data ? data : "", data ? len : 0))) {
    fail = true;
  } else if (root->kind == DW_VAL_NULL) {
    dw_cfg_diag(&L.rep, DW_SEV_ERROR, (dw_pos){0, 0}, NULL, NULL,
                "empty pipeline file: expected a mapping with a 'processors' list");
    fail = true;
  } else if (root->kind != DW_VAL_MAP) {
    dw_cfg_diag(&L.rep, DW_SEV_ERROR, root->pos, NULL, NULL,
                "a pipeline file must be a mapping with a 'processors' list, got %s",
                root->kind == DW_VAL_SEQ ? "a list" : "a scalar");
    fail = true;
  } else {
    parse_top(&L, root);
  }
  if (L.oom)
    dw_cfg_diag(&L.rep, DW_SEV_ERROR, (dw_pos){0, 0}, NULL, NULL,
                "out of memory while loading the pipeline");
  dw_cfg_report_finish(&L.rep);

  dw_arena_free(&doc);
  dw_strmap_free(&L.ids);
  dw_strmap_free(&L.modules);
  dw_strmap_free(&L.interned);
  free(L.itext);
  free(L.memo_from);
  free(L.memo_to);
  free(L.idlen);
  free(L.cands);
  free(L.modpaths);
  if (L.cloc) freelocale(L.cloc);
  dw_diags_free(own);
  if (fail) {
    dw_spec_free(s);
    return NULL;
  }
  return s;
}

void dw_spec_drop_procs(dw_spec *s) {
  free(s->procs);
  s->procs = NULL;
  s->nprocs = 0;
  dw_arena_free(&s->scratch);
}

void dw_spec_free(dw_spec *s) {
  if (!s) return;
  dw_spec_drop_procs(s);
  dw_arena_free(&s->arena);
  free(s);
}
