/* wasm/wasm: the backend behind wasm.h — processor options, module checks
 * with positioned diagnostics, prepare (compile through the cache, then
 * load: dlopen RTLD_LOCAL, verify, bind the runtime, in wasm/invoke) and
 * invoke (the C-style ABI on a fresh instance, every guest pointer and
 * length checked; the call's setup, PIPELINES section 6 metadata and log sink
 * are wasm/invoke's). */
#include "wasm/wasm.h"

#include <dlfcn.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/suggest.h"
#include "wasm/compile.h"
#include "wasm/component_run.h"
#include "wasm/invoke.h"
#include "wasm/parse.h"
#include "wasm/rt.h"
#include "wasm/wasi.h"

struct dw_wasm_module {
  void *dl;
  const dw_guest_desc *desc;
  char *id, *module, *path;
  uint64_t fuel;
  uint32_t max_pages, max_mb;
  uint64_t timeout_ns; /* wasm.timeout_seconds */
  uint32_t caps;
  char caps_text[128];
  dw_intent intent;
  dw_wasm_compiled compiled;
  dw_component_run *comp; /* a component (wasm/component_run), else NULL */
};

/* ------------------------------------------------------------ options */

typedef struct wopts {
  dw_intent intent;
  uint64_t fuel;
  uint32_t max_mb;
  uint32_t caps;
  dw_pos caps_pos;
} wopts;

static const char *const known_opts[] = {"intent", "fuel_level", "max_memory_mb", "capabilities"};

static const dw_val *opt(const dw_val *map, const char *key, dw_pos *kpos) {
  if (!map || map->kind != DW_VAL_MAP) return NULL;
  for (uint32_t i = 0; i < map->n; i++)
    if (map->keys[i] && !strcmp(map->keys[i], key)) {
      if (kpos && map->key_pos) *kpos = map->key_pos[i];
      return &map->items[i];
    }
  return NULL;
}

static bool parse_u64(const dw_val *v, uint64_t *out) {
  if (!v || v->kind != DW_VAL_SCALAR || !v->str || !*v->str) return false;
  const char *s = v->str;
  uint64_t r = 0;
  if (*s == '+') s++;
  if (!*s) return false;
  for (; *s; s++) {
    if (*s == '_') continue;
    if (*s < '0' || *s > '9') return false;
    if (r > (UINT64_MAX - 9) / 10) return false;
    r = r * 10 + (uint64_t)(*s - '0');
  }
  *out = r;
  return true;
}

#define ERR(pos, ...)                                                                              \
  do {                                                                                             \
    if (diags)                                                                                     \
      dw_diags_add(diags, DW_SEV_ERROR, s->file, (pos).line, (pos).col, p->id, NULL, __VA_ARGS__); \
    errs++;                                                                                        \
  } while (0)

static dw_pos pos_or(dw_pos a, dw_pos b) { return a.line ? a : b; }

/* Options of processor p; errors go to diags (if not NULL). */
static int parse_opts(const dw_spec *s, const dw_proc_spec *p, wopts *o, dw_diags *diags) {
  int errs = 0;
  memset(o, 0, sizeof *o);
  const dw_val *v;
  dw_pos kp = {0, 0};
  o->intent = DW_INTENT_TRANSFORM;
  if (p->intent >= 0) {
    o->intent = (dw_intent)p->intent;
  } else if ((v = opt(p->options, "intent", &kp))) {
    if (v->kind == DW_VAL_SCALAR && v->str && !strcmp(v->str, "transform"))
      o->intent = DW_INTENT_TRANSFORM;
    else if (v->kind == DW_VAL_SCALAR && v->str && !strcmp(v->str, "analyze"))
      o->intent = DW_INTENT_ANALYZE;
    else
      ERR(pos_or(v->pos, p->pos), "options.intent of '%s' must be one of: transform, analyze",
          p->id);
  }
  uint64_t fmin = s->fuel_min, fmax = s->fuel_max;
  if (fmax == 0) fmax = UINT64_MAX;
  o->fuel = s->fuel_default ? s->fuel_default : 100000000u;
  if ((v = opt(p->options, "fuel_level", &kp))) {
    uint64_t f;
    if (!parse_u64(v, &f))
      ERR(pos_or(v->pos, p->pos), "options.fuel_level of '%s' must be a whole number", p->id);
    else
      o->fuel = f;
  }
  /* PIPELINES section 6 (compat): clamped to the pipeline's bounds, not an error. */
  if (o->fuel < fmin) o->fuel = fmin;
  if (o->fuel > fmax) o->fuel = fmax;
  if (o->fuel == 0) o->fuel = 1;
  o->max_mb = s->max_memory_mb ? s->max_memory_mb : 64;
  if ((v = opt(p->options, "max_memory_mb", &kp))) {
    uint64_t mb;
    if (!parse_u64(v, &mb) || mb == 0 || mb > 4095)
      ERR(pos_or(v->pos, p->pos),
          "options.max_memory_mb of '%s' must be a whole number from 1 to 4095", p->id);
    else
      o->max_mb = (uint32_t)mb;
  }
  if (o->max_mb > 4095) o->max_mb = 4095;
  if ((v = opt(p->options, "capabilities", &kp))) {
    o->caps_pos = pos_or(v->pos, kp);
    uint32_t n = v->kind == DW_VAL_SEQ ? v->n : 1;
    for (uint32_t i = 0; i < n; i++) {
      const dw_val *it = v->kind == DW_VAL_SEQ ? &v->items[i] : v;
      if (it->kind == DW_VAL_NULL && v->kind != DW_VAL_SEQ) break; /* capabilities: (empty) */
      if (it->kind != DW_VAL_SCALAR || !it->str) {
        ERR(pos_or(it->pos, o->caps_pos),
            "options.capabilities of '%s' must be a list of names (stdout, stderr, clock, "
            "random, args, environ, proc_exit)",
            p->id);
        continue;
      }
      uint32_t c = dw_cap_parse(it->str);
      if (!c) {
        const char *sug = dw_suggest(it->str, dw_cap_names, dw_cap_count);
        if (diags)
          dw_diags_add(diags, DW_SEV_ERROR, s->file, pos_or(it->pos, o->caps_pos).line,
                       pos_or(it->pos, o->caps_pos).col, p->id, sug,
                       "unknown capability '%s' for '%s' (valid: stdout, stderr, clock, random, "
                       "args, environ, proc_exit)",
                       it->str, p->id);
        errs++;
      }
      o->caps |= c;
    }
  }
  if (p->options && p->options->kind == DW_VAL_MAP) {
    for (uint32_t i = 0; i < p->options->n; i++) {
      const char *k = p->options->keys[i];
      bool known = false;
      for (size_t j = 0; j < sizeof known_opts / sizeof *known_opts; j++)
        if (k && !strcmp(k, known_opts[j])) known = true;
      if (!known && k && diags) {
        dw_pos at = p->options->key_pos ? p->options->key_pos[i] : p->pos;
        dw_diags_add(diags, DW_SEV_WARNING, s->file, at.line, at.col, p->id,
                     dw_suggest(k, known_opts, sizeof known_opts / sizeof *known_opts),
                     "unknown option '%s' for WASM processor '%s' (known: intent, fuel_level, "
                     "max_memory_mb, capabilities)",
                     k, p->id);
      }
    }
  }
  return errs;
}

/* ------------------------------------------------------------- module */

typedef void (*report_fn)(void *ctx, dw_pos pos, const char *msg);

static const char *mod_name(const dw_proc_spec *p) {
  return p->module ? p->module : p->module_path ? p->module_path : "?";
}

/* Read the module file; problems reported. Returns the bytes (malloc'd). */
static uint8_t *load_bytes(const dw_spec *s, const dw_proc_spec *p, size_t *len, report_fn rep,
                           void *ctx) {
  char msg[2048];
  const char *path = p->module_path ? p->module_path : p->module;
  dw_pos at = pos_or(p->module_pos, p->pos);
  if (!path) {
    snprintf(msg, sizeof msg, "WASM processor '%s' has no 'module' (the path to a .wasm file)",
             p->id);
    rep(ctx, at, msg);
    return NULL;
  }
  struct stat st;
  if (stat(path, &st) != 0) {
    char where[1200];
    if (s->base_dir && p->module && p->module[0] != '/')
      snprintf(where, sizeof where,
               "looked for '%s' in the pipeline's folder '%s' and in the "
               "working directory",
               p->module, s->base_dir);
    else
      snprintf(where, sizeof where, "looked for '%s'", path);
    snprintf(msg, sizeof msg,
             "WASM module '%s' not found (%s); build the example modules (cmake --build BUILD "
             "--target wasm_examples, then run dagwood from BUILD, where they are in "
             "wasm_components/) or fix the path",
             mod_name(p), where);
    rep(ctx, at, msg);
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    snprintf(msg, sizeof msg, "WASM module '%s' is not a regular file", mod_name(p));
    rep(ctx, at, msg);
    return NULL;
  }
  if (st.st_size > DW_WASM_MAX_MODULE_BYTES) {
    snprintf(msg, sizeof msg, "WASM module '%s' is %lld bytes; the limit is 16 MiB (%d bytes)",
             mod_name(p), (long long)st.st_size, DW_WASM_MAX_MODULE_BYTES);
    rep(ctx, at, msg);
    return NULL;
  }
  FILE *f = fopen(path, "rb");
  uint8_t *buf = malloc((size_t)st.st_size + 1);
  size_t got = f && buf ? fread(buf, 1, (size_t)st.st_size, f) : 0;
  int e = errno;
  if (f) fclose(f);
  if (!f || !buf || got != (size_t)st.st_size) {
    snprintf(msg, sizeof msg, "cannot read WASM module '%s': %s", mod_name(p),
             !buf ? "out of memory" : strerror(e));
    rep(ctx, at, msg);
    free(buf);
    return NULL;
  }
  *len = got;
  return buf;
}

static void sig_of(const dw_wasm_info *w, uint32_t type, char *buf, size_t n) {
  dw_wasm_sig_text(&w->types[type], buf, n);
}

/* Every ABI and capability problem of a parsed module. Returns the count. */
static int check_info(const dw_proc_spec *p, const dw_wasm_info *w, const wopts *o, report_fn rep,
                      void *ctx) {
  int errs = 0;
  char msg[2048], sig[256];
  dw_pos at = pos_or(p->module_pos, p->pos);
  const char *mn = mod_name(p);
  static const char abi[] =
      "the C-style ABI needs memory, allocate(i32) -> i32, deallocate(i32, i32) and "
      "process(i32, i32, i32) -> i32";
  /* a component's core module (wit-bindgen): refuse like a component */
  /* the original's legacy encoding: a core module with a "component" custom
   * section, refused whatever it exports (compat) */
  if (w->component_section && !strcmp(w->component_section, "component")) {
    snprintf(msg, sizeof msg,
             "WASM module '%s' is a legacy (Preview 1) component-model module (it has a "
             "\"component\" custom section); the component model is not supported yet: build a "
             "C-style module (%s)",
             mn, abi);
    rep(ctx, at, msg);
    return 1;
  }
  bool core_of_component = w->component_section != NULL;
  for (uint32_t i = 0; i < w->nexports; i++)
    if (strchr(w->exports[i].name, '#') || !strncmp(w->exports[i].name, "cabi_", 5))
      core_of_component = true;
  if (core_of_component && !dw_wasm_find_export(w, "process")) {
    snprintf(msg, sizeof msg,
             "WASM module '%s' is built for the WebAssembly component model (%s); components "
             "are not supported yet: build a C-style module (%s)",
             mn, w->component_section ? w->component_section : "canonical ABI exports", abi);
    rep(ctx, at, msg);
    return 1;
  }
  static const struct {
    const char *name;
    uint8_t kind;
    const char *params, *results;
  } need[] = {{"memory", 2, NULL, NULL},
              {"allocate", 0, "\x7f", "\x7f"},
              {"deallocate", 0, "\x7f\x7f", ""},
              {"process", 0, "\x7f\x7f\x7f", "\x7f"}};
  for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
    const dw_wasm_export *e = dw_wasm_find_export(w, need[i].name);
    if (!e) {
      snprintf(msg, sizeof msg, "WASM module '%s' does not export '%s'; %s", mn, need[i].name, abi);
      rep(ctx, at, msg), errs++;
    } else if (e->kind != need[i].kind) {
      snprintf(msg, sizeof msg, "WASM module '%s': export '%s' is not a %s; %s", mn, e->name,
               need[i].kind == 2 ? "memory" : "function", abi);
      rep(ctx, at, msg), errs++;
    } else if (need[i].kind == 0 &&
               !dw_wasm_func_sig_is(w, e->index, need[i].params, need[i].results)) {
      sig_of(w, w->func_type[e->index], sig, sizeof sig);
      dw_wasm_functype want = {(uint32_t)strlen(need[i].params), (uint32_t)strlen(need[i].results),
                               (const uint8_t *)need[i].params, (const uint8_t *)need[i].results};
      char ws[128];
      dw_wasm_sig_text(&want, ws, sizeof ws);
      snprintf(msg, sizeof msg, "WASM module '%s': export '%s' has type %s; it must be %s", mn,
               e->name, sig, ws);
      rep(ctx, at, msg), errs++;
    }
  }
  if (dw_wasm_find_export(w, "_start") && !dw_wasm_find_export(w, "_initialize")) {
    snprintf(msg, sizeof msg,
             "WASM module '%s' is a WASI command (it exports _start); dagwood calls process on a "
             "reactor: build it with -mexec-model=reactor",
             mn);
    rep(ctx, at, msg), errs++;
  }
  const dw_wasm_export *init = dw_wasm_find_export(w, "_initialize");
  if (init && (init->kind != 0 || !dw_wasm_func_sig_is(w, init->index, "", ""))) {
    snprintf(msg, sizeof msg, "WASM module '%s': export '_initialize' must be a function () -> ()",
             mn);
    rep(ctx, at, msg), errs++;
  }
  if (w->nmemories == 0 && dw_wasm_find_export(w, "memory") == NULL) {
    /* reported above as a missing export */
  }
  uint32_t max_pages = o->max_mb * 16;
  if (max_pages > DW_WASM_MAX_PAGES) max_pages = DW_WASM_MAX_PAGES;
  if (w->nmemories && w->mem_initial > max_pages) {
    snprintf(msg, sizeof msg,
             "WASM module '%s' starts with %u pages (%u MiB) of memory; max_memory_mb allows %u "
             "MiB: raise options.max_memory_mb or wasm.max_memory_mb",
             mn, w->mem_initial, (w->mem_initial + 15) / 16, o->max_mb);
    rep(ctx, at, msg), errs++;
  }
  for (uint32_t i = 0; i < w->nimports; i++) {
    const dw_wasm_import *im = &w->imports[i];
    dw_pos cat = o->caps_pos.line ? o->caps_pos : at;
    if (im->kind != 0) {
      static const char *const kinds[] = {"function", "table", "memory", "global", "tag"};
      snprintf(msg, sizeof msg,
               "WASM module '%s' imports the %s %s.%s; dagwood provides only functions of %s", mn,
               kinds[im->kind < 5 ? im->kind : 0], im->module, im->name, DW_WASI_MODULE);
      rep(ctx, at, msg), errs++;
      continue;
    }
    int fi = strcmp(im->module, DW_WASI_MODULE) || !dw_wasm_import_plain(im)
                 ? -1
                 : dw_wasi_lookup(im->name);
    if (fi < 0) {
      snprintf(msg, sizeof msg,
               "WASM module '%s' imports %s.%s, which dagwood does not provide (available: a "
               "subset of %s: fd_write, fd_close, fd_seek, fd_fdstat_get, environ_*, args_*, "
               "clock_time_get, clock_res_get, random_get, proc_exit)",
               mn, im->module, im->name, DW_WASI_MODULE);
      rep(ctx, at, msg), errs++;
      continue;
    }
    const dw_wasi_fn *f = &dw_wasi_fns[fi];
    {
      const dw_wasm_functype *t = &w->types[im->type];
      size_t np = strlen(f->params), nr = strlen(f->results);
      if (t->np != np || t->nr != nr || memcmp(t->params, f->params, np) ||
          memcmp(t->results, f->results, nr)) {
        dw_wasm_functype want = {(uint32_t)np, (uint32_t)nr, (const uint8_t *)f->params,
                                 (const uint8_t *)f->results};
        char ws[128];
        dw_wasm_sig_text(t, sig, sizeof sig);
        dw_wasm_sig_text(&want, ws, sizeof ws);
        snprintf(msg, sizeof msg, "WASM module '%s' imports %s.%s with type %s; it must be %s", mn,
                 im->module, im->name, sig, ws);
        rep(ctx, at, msg), errs++;
        continue;
      }
    }
    if (f->caps_any && !(f->caps_any & o->caps)) {
      char need_caps[128];
      dw_wasi_caps_text(f, need_caps, sizeof need_caps);
      snprintf(msg, sizeof msg,
               "WASM module '%s' imports %s.%s, which needs the capability %s: add it to "
               "options.capabilities of '%s'",
               mn, im->module, im->name, need_caps, p->id);
      rep(ctx, cat, msg), errs++;
    }
  }
  return errs;
}

typedef struct diag_ctx {
  const dw_spec *s;
  const dw_proc_spec *p;
  dw_diags *d;
  int n;
} diag_ctx;

static void rep_diag(void *ctx, dw_pos pos, const char *msg) {
  diag_ctx *c = ctx;
  if (c->d)
    dw_diags_add(c->d, DW_SEV_ERROR, c->s->file, pos.line, pos.col, c->p->id, NULL, "%s", msg);
  c->n++;
}

typedef struct err_ctx {
  char *err;
  size_t len;
  int n;
} err_ctx;

static void rep_err(void *ctx, dw_pos pos, const char *msg) {
  (void)pos;
  err_ctx *c = ctx;
  if (c->n++ == 0) snprintf(c->err, c->len, "%s", msg);
}

typedef struct comp_rep_ctx {
  report_fn rep;
  void *ctx;
  dw_pos pos;
} comp_rep_ctx;

static void comp_rep(void *ctx, const char *msg) {
  comp_rep_ctx *c = ctx;
  c->rep(c->ctx, c->pos, msg);
}

static uint32_t comp_max_pages(const wopts *o) {
  return o->max_mb * 16 > DW_WASM_MAX_PAGES ? DW_WASM_MAX_PAGES : o->max_mb * 16;
}

/* Load, parse and check; 0 and the bytes in *bytes, or the error count. */
static int inspect(const dw_spec *s, const dw_proc_spec *p, const wopts *o, report_fn rep,
                   void *ctx, uint8_t **bytes, size_t *len) {
  *bytes = load_bytes(s, p, len, rep, ctx);
  if (!*bytes) return 1;
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  char why[512], msg[1024];
  int errs = 0;
  dw_bin_kind kind = dw_bin_sniff(*bytes, *len);
  if (kind == DW_BIN_COMPONENT) {
    comp_rep_ctx cr = {rep, ctx, pos_or(p->module_pos, p->pos)};
    dw_component_limits lim = {o->fuel, o->max_mb, comp_max_pages(o), o->caps, 0};
    errs = dw_component_check(*bytes, *len, mod_name(p), p->id, &lim, comp_rep, &cr);
  } else if (kind == DW_BIN_UNKNOWN_VERSION) {
    snprintf(msg, sizeof msg, "WASM module '%s' cannot be loaded: %s", mod_name(p),
             dw_bin_refusal(*bytes, *len, kind, why, sizeof why));
    rep(ctx, pos_or(p->module_pos, p->pos), msg);
    errs = 1;
  } else if (dw_wasm_parse(*bytes, *len, &a, &w, why, sizeof why)) {
    snprintf(msg, sizeof msg, "WASM module '%s' cannot be loaded: %s", mod_name(p), why);
    rep(ctx, pos_or(p->module_pos, p->pos), msg);
    errs = 1;
  } else {
    errs = check_info(p, &w, o, rep, ctx);
  }
  dw_arena_free(&a);
  if (errs) {
    free(*bytes);
    *bytes = NULL;
  }
  return errs;
}

int dw_wasm_check(const dw_spec *s, const dw_proc_spec *p, dw_intent *intent, dw_diags *diags) {
  wopts o;
  int errs = parse_opts(s, p, &o, diags);
  if (intent) *intent = o.intent;
  diag_ctx dc = {s, p, diags, 0};
  uint8_t *bytes;
  size_t len;
  inspect(s, p, &o, rep_diag, &dc, &bytes, &len);
  free(bytes);
  return errs + dc.n;
}

/* ------------------------------------------------------------ prepare */

dw_wasm_module *dw_wasm_prepare(const dw_spec *s, const dw_proc_spec *p, const char *cache_dir,
                                char *err, size_t errlen) {
  wopts o;
  if (parse_opts(s, p, &o, NULL)) {
    snprintf(err, errlen, "WASM processor '%s' has invalid options (run dagwood validate)", p->id);
    return NULL;
  }
  err_ctx ec = {err, errlen, 0};
  uint8_t *bytes;
  size_t len;
  if (inspect(s, p, &o, rep_err, &ec, &bytes, &len)) return NULL;
  dw_wasm_module *m = calloc(1, sizeof *m);
  if (!m) {
    free(bytes);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  m->fuel = o.fuel;
  m->max_mb = o.max_mb;
  m->timeout_ns = s->wasm_timeout_seconds > 0 ? (uint64_t)(s->wasm_timeout_seconds * 1e9) : 0;
  m->max_pages = o.max_mb * 16 > DW_WASM_MAX_PAGES ? DW_WASM_MAX_PAGES : o.max_mb * 16;
  m->caps = o.caps;
  m->intent = o.intent;
  dw_cap_text(o.caps, m->caps_text, sizeof m->caps_text);
  m->id = strdup(p->id ? p->id : "");
  m->module = strdup(mod_name(p));
  m->path = strdup(p->module_path ? p->module_path : mod_name(p));
  char why[1024];
  /* the compile counts against the processor's timeout */
  double tmo = p->timeout_seconds >= 0 ? p->timeout_seconds : s->timeout_seconds;
  dw_compile_deadline dl = {0, tmo};
  if (tmo > 0 && tmo < 1e9) dl.at_ns = dw_rt_now_ns() + (uint64_t)(tmo * 1e9);
  if (dw_bin_sniff(bytes, len) == DW_BIN_COMPONENT) {
    dw_component_limits lim = {o.fuel, o.max_mb, m->max_pages, o.caps, m->timeout_ns};
    m->comp = m->id && m->module && m->path
                  ? dw_component_prepare(bytes, len, m->id, m->module, m->path, &lim, cache_dir,
                                         &dl, err, errlen)
                  : NULL;
    free(bytes);
    if (!m->comp) goto fail;
    return m;
  }
  /* only the canonical re-encoding reaches the compiler (wasm/encode) */
  dw_wasm_unit unit;
  int rc = dw_wasm_encode_bytes(bytes, len, DW_EXPORTS_ABI, NULL, &unit, why, sizeof why);
  if (rc == 0) rc = dw_wasm_compile(&unit, cache_dir, &dl, &m->compiled, why, sizeof why);
  dw_wasm_unit_free(&unit);
  free(bytes);
  if (!m->id || !m->module || !m->path) {
    dw_wasm_compiled_close(&m->compiled);
    snprintf(err, errlen, "out of memory");
    goto fail;
  }
  if (rc) {
    snprintf(err, errlen, "WASM module '%s' could not be compiled: %s", m->module, why);
    goto fail;
  }
  if (dw_guest_load(&m->compiled, "WASM module", m->module, &m->dl, &m->desc, err, errlen))
    goto fail;
  return m;
fail:
  dw_wasm_module_free(m);
  return NULL;
}

void dw_wasm_module_free(dw_wasm_module *m) {
  if (!m) return;
  dw_component_run_free(m->comp);
  if (m->dl) dlclose(m->dl);
  free(m->id);
  free(m->module);
  free(m->path);
  free(m);
}

/* ------------------------------------------------------------- invoke */

static int trap_fail(dw_wasm_module *m, dw_call *call, dw_rt_call *c, int code, const char *where) {
  char extra[256] = "";
  if (c->grow_refused && code != DW_TRAP_FUEL)
    snprintf(extra, sizeof extra,
             " (memory limit: memory.grow was refused at max_memory_mb %u before this)", m->max_mb);
  switch (code) {
    case DW_TRAP_FUEL:
      return dw_call_fail(call, 500,
                          "WASM module '%s': out of fuel: %s used its whole budget of %" PRIu64
                          " units (options.fuel_level, within wasm.fuel bounds)%s",
                          m->module, where, c->fuel_total,
                          c->grow_refused ? "; memory.grow had hit the memory limit" : "");
    case DW_TRAP_TIMEOUT:
      if (c->own_deadline)
        return dw_call_fail(call, 504,
                            "WASM module '%s': timeout: %s ran longer than the per-call limit of "
                            "%.3g s (wasm.timeout_seconds)",
                            m->module, where, (double)c->timeout_ns / 1e9);
      return dw_call_fail(call, 504, "WASM module '%s': timeout: %s ran past its deadline",
                          m->module, where);
    case DW_TRAP_CANCEL:
      return dw_call_fail(call, 499, "WASM module '%s': cancelled during %s", m->module, where);
    case DW_TRAP_MEMLIMIT:
      return dw_call_fail(call, 500,
                          "WASM module '%s': memory limit: it needs %u pages (%u MiB) at start; "
                          "max_memory_mb is %u",
                          m->module, c->need_pages, (c->need_pages + 15) / 16, m->max_mb);
    case DW_TRAP_EXIT:
      return dw_call_fail(call, 500, "WASM module '%s' called proc_exit(%d) during %s", m->module,
                          c->exit_code, where);
    case WASM_RT_TRAP_EXHAUSTION:
      return dw_call_fail(call, 500,
                          "WASM module '%s': trap: call stack exhausted (recursion too deep) in "
                          "%s%s",
                          m->module, where, extra);
    default:
      return dw_call_fail(call, 500, "WASM module '%s': trap: %s in %s%s", m->module,
                          dw_rt_trap_text(code), where, extra);
  }
}

int dw_wasm_invoke(dw_wasm_module *m, dw_call *call) {
  if (m->comp) return dw_component_invoke(m->comp, call);
  dw_rt_call c = {.fuel_total = m->fuel,
                  .max_pages = m->max_pages,
                  .caps = m->caps,
                  .timeout_ns = m->timeout_ns};
  dw_step st = {.desc = m->desc, .c = &c};
  if (dw_invoke_begin(call, "WASM module", m->module, &st)) return -1;
  int rc = -1, code;
  uint32_t len = (uint32_t)call->input_len;
  if ((code = dw_rt_run(&c, dw_step_instantiate, &st))) {
    trap_fail(m, call, &c, code, "instantiation");
    goto out;
  }
  wasm_rt_memory_t *mem = m->desc->memory(st.inst);
  st.a = len;
  if ((code = dw_rt_run(&c, dw_step_allocate, &st))) {
    trap_fail(m, call, &c, code, "allocate");
    goto out;
  }
  uint32_t in_ptr = st.ret;
  if ((len && in_ptr == 0) || (uint64_t)in_ptr + len > mem->size) {
    dw_call_fail(call, 500, "WASM module '%s': allocate(%u) returned %u, %s (memory size %u)",
                 m->module, len, in_ptr, in_ptr ? "a range outside its memory" : "a null pointer",
                 mem->size);
    goto out;
  }
  if (len) memcpy(mem->data + in_ptr, call->input, len);
  st.a = 4;
  if ((code = dw_rt_run(&c, dw_step_allocate, &st))) {
    trap_fail(m, call, &c, code, "allocate");
    goto out;
  }
  uint32_t len_ptr = st.ret;
  if (len_ptr == 0 || (uint64_t)len_ptr + 4 > mem->size) {
    dw_call_fail(call, 500, "WASM module '%s': allocate(4) returned %u, %s (memory size %u)",
                 m->module, len_ptr, len_ptr ? "a range outside its memory" : "a null pointer",
                 mem->size);
    goto out;
  }
  memset(mem->data + len_ptr, 0, 4);
  st.a = in_ptr, st.b = len, st.d = len_ptr;
  if ((code = dw_rt_run(&c, dw_step_process, &st))) {
    trap_fail(m, call, &c, code, "process");
    goto out;
  }
  uint32_t out_ptr = st.ret, out_len;
  if (out_ptr == 0) {
    dw_call_fail(
        call, 400, "WASM module '%s': process returned 0 (the module reported a failure)%s",
        m->module, c.grow_refused ? "; memory.grow had hit the memory limit (max_memory_mb)" : "");
    goto out;
  }
  memcpy(&out_len, mem->data + len_ptr, 4);
  if ((uint64_t)out_ptr + out_len > mem->size) {
    dw_call_fail(call, 500,
                 "WASM module '%s': process returned an output of %u bytes at %u, outside its "
                 "memory of %u bytes (null or out-of-range result)",
                 m->module, out_len, out_ptr, mem->size);
    goto out;
  }
  if (dw_call_set_output(call, mem->data + out_ptr, out_len)) {
    dw_call_fail(call, 500, "out of memory");
    goto out;
  }
  if (dw_invoke_metadata(call, &c, m->id, m->module, "c_style_module", m->caps_text, len, out_len))
    goto out;
  rc = 0;
out:
  dw_invoke_end(&st, m->id);
  return rc;
}

/* ------------------------------------------------------------- extras */

uint64_t dw_wasm_module_fuel(const dw_wasm_module *m) { return m->fuel; }
uint32_t dw_wasm_module_max_mb(const dw_wasm_module *m) { return m->max_mb; }
int dw_wasm_module_cached(const dw_wasm_module *m) {
  return m->comp ? dw_component_run_cached(m->comp) : m->compiled.from_cache;
}
dw_intent dw_wasm_module_intent(const dw_wasm_module *m) { return m->intent; }
