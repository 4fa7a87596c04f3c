/* wasm/component_run: see component_run.h. Checks of the extracted core
 * module, the adapter rewrite of its type / function / export / code
 * sections, and prepare / invoke on top of compile.h, invoke.h and rt.h. */
#include "wasm/component_run.h"

#include <dlfcn.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/canon.h"
#include "wasm/compile.h"
#include "wasm/cursor.h"
#include "wasm/invoke.h"
#include "wasm/parse.h"
#include "wasm/rt.h"
#include "wasm/wasi.h"

/* ------------------------------------------------------------- checks */

/* DW_CAP_COMPONENT_DEFAULT in words, for the messages */
#define DEFAULT_TEXT "stdout, stderr, clock, random, args and proc_exit"

typedef struct found {
  const dw_wasm_export *process, *memory, *realloc, *post, *init;
} found;

__attribute__((format(printf, 3, 4))) static void say(void (*rep)(void *, const char *), void *ctx,
                                                      const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  rep(ctx, msg);
}

static int check_func(const dw_wasm_info *w, const dw_wasm_export *e, const char *role,
                      const char *params, const char *results, const char *mn,
                      void (*rep)(void *, const char *), void *ctx) {
  if (!e) {
    say(rep, ctx, "WASM component '%s': its core module does not export the %s", mn, role);
    return 1;
  }
  if (e->kind != 0) {
    say(rep, ctx, "WASM component '%s': the %s '%s' of its core module is not a function", mn, role,
        e->name);
    return 1;
  }
  if (!dw_wasm_func_sig_is(w, e->index, params, results)) {
    char have[256], want[128];
    dw_wasm_sig_text(&w->types[w->func_type[e->index]], have, sizeof have);
    dw_wasm_functype t = {(uint32_t)strlen(params), (uint32_t)strlen(results),
                          (const uint8_t *)params, (const uint8_t *)results};
    dw_wasm_sig_text(&t, want, sizeof want);
    say(rep, ctx,
        "WASM component '%s': the %s '%s' of its core module has type %s; the canonical ABI of "
        "process needs %s",
        mn, role, e->name, have, want);
    return 1;
  }
  return 0;
}

/* Checks of the core module; fills f. Returns the number of problems. */
static int check_core(const dw_component *c, const dw_wasm_info *w, const char *mn,
                      const char *proc_id, const dw_component_limits *lim, found *f,
                      void (*rep)(void *, const char *), void *ctx) {
  int errs = 0;
  memset(f, 0, sizeof *f);
  f->process = dw_wasm_find_export(w, c->process_export);
  f->realloc = dw_wasm_find_export(w, c->realloc_export);
  f->memory = dw_wasm_find_export(w, c->memory_export);
  f->post = c->post_return_export ? dw_wasm_find_export(w, c->post_return_export) : NULL;
  f->init = dw_wasm_find_export(w, "_initialize");
  errs += check_func(w, f->process, "lifted process function", "\x7f\x7f", "\x7f", mn, rep, ctx);
  errs += check_func(w, f->realloc, "realloc function", "\x7f\x7f\x7f\x7f", "\x7f", mn, rep, ctx);
  if (c->post_return_export)
    errs += check_func(w, f->post, "post-return function", "\x7f", "", mn, rep, ctx);
  if (f->init) errs += check_func(w, f->init, "_initialize function", "", "", mn, rep, ctx);
  if (!f->memory || f->memory->kind != 2) {
    say(rep, ctx,
        "WASM component '%s': the memory '%s' of 'process' is not a memory of its core module", mn,
        c->memory_export);
    errs++;
  }
  if (w->has_start) {
    say(rep, ctx,
        "WASM component '%s': its core module has a start function; dagwood runs process (and "
        "_initialize) only",
        mn);
    errs++;
  }
  if (w->nmemories && w->mem_initial > lim->max_pages) {
    say(rep, ctx,
        "WASM component '%s' starts with %u pages (%u MiB) of memory; max_memory_mb allows %u MiB: "
        "raise options.max_memory_mb or wasm.max_memory_mb",
        mn, w->mem_initial, (w->mem_initial + 15) / 16, lim->max_mb);
    errs++;
  }
  bool wasi = false;
  uint32_t caps = lim->caps | DW_CAP_COMPONENT_DEFAULT;
  for (uint32_t i = 0; i < w->nimports; i++) {
    const dw_wasm_import *im = &w->imports[i];
    if (im->kind != 0 || strcmp(im->module, DW_WASI_MODULE)) {
      say(rep, ctx,
          "WASM component '%s': its core module imports %s.%s; a component's core module may "
          "import only functions of %s (through the preview1 adapter)",
          mn, im->module, im->name, DW_WASI_MODULE);
      errs++;
      continue;
    }
    wasi = true;
    int fi = dw_wasi_lookup(im->name);
    if (fi < 0 || !dw_wasm_import_plain(im)) {
      const char *kind = dw_wasm_import_plain(im) ? dw_wasi_missing_kind(im->name) : NULL;
      bool file = kind && !strcmp(kind, "file"), net = kind && !strcmp(kind, "network");
      if (file || net)
        say(rep, ctx,
            "WASM component '%s' imports %s.%s (through the preview1 adapter), a %s function: "
            "dagwood gives WebAssembly no %s and no capability grants %s; build the component "
            "without %s access (components get " DEFAULT_TEXT
            " without a grant, the environment with capabilities: [environ])",
            mn, im->module, im->name, file ? "file" : "socket", file ? "files" : "network",
            file ? "them" : "it", file ? "file" : "network");
      else
        say(rep, ctx,
            "WASM component '%s' imports %s.%s (through the preview1 adapter), which dagwood "
            "does not provide: build the component without it (dagwood's preview1 subset: "
            "fd_write, fd_close, fd_seek, fd_fdstat_get, environ_*, args_*, clock_time_get, "
            "clock_res_get, random_get, proc_exit)",
            mn, im->module, im->name);
      errs++;
      continue;
    }
    const dw_wasi_fn *fn = &dw_wasi_fns[fi];
    const dw_wasm_functype *t = &w->types[im->type];
    size_t np = strlen(fn->params), nr = strlen(fn->results);
    if (t->np != np || t->nr != nr || memcmp(t->params, fn->params, np) ||
        memcmp(t->results, fn->results, nr)) {
      char have[256];
      dw_wasm_sig_text(t, have, sizeof have);
      say(rep, ctx, "WASM component '%s' imports %s.%s with type %s, which is not preview1's", mn,
          im->module, im->name, have);
      errs++;
      continue;
    }
    if (fn->caps_any && !(fn->caps_any & caps)) {
      char need[128];
      dw_wasi_caps_text(fn, need, sizeof need);
      say(rep, ctx,
          "WASM component '%s' imports %s.%s (through the preview1 adapter), which needs the "
          "capability %s: add it to options.capabilities of '%s' (components get " DEFAULT_TEXT
          " without a grant)",
          mn, im->module, im->name, need, proc_id ? proc_id : "?");
      errs++;
    }
  }
  /* component-level imports: only the WASI 0.2 interfaces the adapter uses */
  for (uint32_t i = 0; i < c->nimports; i++) {
    if (!wasi || strncmp(c->imports[i], "wasi:", 5) != 0) {
      say(rep, ctx,
          "WASM component '%s' imports '%s', which dagwood does not provide: it runs components "
          "with no imports, or whose core module imports only %s through the preview1 adapter",
          mn, c->imports[i], DW_WASI_MODULE);
      errs++;
      break;
    }
  }
  for (uint32_t i = 0; i < c->ninstance_args; i++) {
    if (strcmp(c->instance_args[i], DW_WASI_MODULE) != 0) {
      say(rep, ctx,
          "WASM component '%s': its core module is instantiated with the instance '%s' of "
          "another core module (a composed component); only %s is provided",
          mn, c->instance_args[i], DW_WASI_MODULE);
      errs++;
    }
  }
  return errs;
}

typedef struct first_err {
  char *err;
  size_t len;
  int n;
} first_err;

static void rep_first(void *ctx, const char *msg) {
  first_err *f = ctx;
  if (f->n++ == 0 && f->len) snprintf(f->err, f->len, "%s", msg);
}

/* Parse + check; on success *c and *w describe the component (in a). */
static int inspect(const uint8_t *b, size_t len, const char *mn, const char *proc_id,
                   const dw_component_limits *lim, dw_arena *a, dw_component *c, dw_wasm_info *w,
                   found *f, void (*rep)(void *, const char *), void *ctx) {
  char why[600];
  if (dw_component_parse(b, len, a, c, why, sizeof why)) {
    say(rep, ctx, "WASM component '%s' cannot be loaded: %s", mn, why);
    return 1;
  }
  if (dw_wasm_parse(c->core, c->core_len, a, w, why, sizeof why)) {
    say(rep, ctx,
        "WASM component '%s': its core module (%zu bytes at byte %zu) cannot be loaded: %s", mn,
        c->core_len, c->core_off, why);
    return 1;
  }
  return check_core(c, w, mn, proc_id, lim, f, rep, ctx);
}

int dw_component_check(const uint8_t *b, size_t len, const char *module_name, const char *proc_id,
                       const dw_component_limits *lim, void (*rep)(void *ctx, const char *msg),
                       void *ctx) {
  dw_arena a;
  dw_arena_init(&a);
  dw_component c;
  dw_wasm_info w;
  found f;
  int n = inspect(b, len, module_name, proc_id, lim, &a, &c, &w, &f, rep, ctx);
  dw_arena_free(&a);
  return n;
}

/* ------------------------------------------------------------- adapt */

typedef struct obuf {
  uint8_t *p;
  size_t n, cap;
  int oom;
} obuf;

static void put(obuf *o, const void *d, size_t n) {
  if (o->oom) return;
  if (o->n + n > o->cap) {
    size_t nc = (o->cap ? o->cap * 2 : 4096) + n;
    uint8_t *q = realloc(o->p, nc);
    if (!q) {
      o->oom = 1;
      return;
    }
    o->p = q, o->cap = nc;
  }
  memcpy(o->p + o->n, d, n);
  o->n += n;
}

static void put_u8(obuf *o, uint8_t b) { put(o, &b, 1); }

static void put_leb(obuf *o, uint32_t v) {
  do {
    uint8_t b = v & 0x7f;
    v >>= 7;
    if (v) b |= 0x80;
    put_u8(o, b);
  } while (v);
}

static void put_name(obuf *o, const char *s) {
  put_leb(o, (uint32_t)strlen(s));
  put(o, s, strlen(s));
}

static void put_section(obuf *o, uint8_t id, const obuf *body) {
  put_u8(o, id);
  put_leb(o, (uint32_t)body->n);
  put(o, body->p, body->n);
}

/* A vector section with `extra` entries appended after the existing ones. */
static void grow_vec(obuf *o, uint8_t id, const uint8_t *b, size_t pos, size_t end,
                     const obuf *extra, uint32_t nextra) {
  uint32_t n = 0;
  if (b) pos = dw_leb_u32_at(b, pos, end, &n);
  obuf body = {0};
  put_leb(&body, n + nextra);
  if (b) put(&body, b + pos, end - pos);
  put(&body, extra->p, extra->n);
  if (body.oom) o->oom = 1;
  put_section(o, id, &body);
  free(body.p);
}

uint8_t *dw_component_adapt(const dw_component *c, size_t *out_len, char *err, size_t errlen) {
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  uint8_t *res = NULL;
  obuf o = {0}, types = {0}, funcs = {0}, exports = {0}, code = {0};
  if (dw_wasm_parse(c->core, c->core_len, &a, &w, err, errlen)) goto out;
  const dw_wasm_export *proc = dw_wasm_find_export(&w, c->process_export);
  const dw_wasm_export *re = dw_wasm_find_export(&w, c->realloc_export);
  const dw_wasm_export *mem = dw_wasm_find_export(&w, c->memory_export);
  const dw_wasm_export *post =
      c->post_return_export ? dw_wasm_find_export(&w, c->post_return_export) : NULL;
  const dw_wasm_export *init = dw_wasm_find_export(&w, "_initialize");
  if (!proc || !re || !mem || (c->post_return_export && !post)) {
    snprintf(err, errlen, "the core module lacks an export the component names");
    goto out;
  }
  uint32_t t_alloc = w.ntypes, t_proc = w.ntypes + 1;
  uint32_t f_alloc = w.nfuncs, f_proc = w.nfuncs + 1;
  /* (i32) -> i32 and (i32, i32, i32) -> i32 */
  static const uint8_t ty[] = {0x60, 1, 0x7f, 1, 0x7f, 0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f};
  put(&types, ty, sizeof ty);
  put_leb(&funcs, t_alloc);
  put_leb(&funcs, t_proc);
  /* allocate: realloc(0, 0, 1, n) */
  obuf body = {0};
  put_u8(&body, 0); /* no locals */
  static const uint8_t a1[] = {0x41, 0, 0x41, 0, 0x41, 1, 0x20, 0, 0x10};
  put(&body, a1, sizeof a1);
  put_leb(&body, re->index);
  put_u8(&body, 0x0b);
  put_leb(&code, (uint32_t)body.n);
  put(&code, body.p, body.n);
  body.n = 0;
  /* process: mode ? (post(a), 0) : process(a, b) */
  put_u8(&body, 0);
  static const uint8_t p1[] = {0x20, 2, 0x04, 0x7f};
  put(&body, p1, sizeof p1);
  if (post) {
    put_u8(&body, 0x20), put_u8(&body, 0), put_u8(&body, 0x10);
    put_leb(&body, post->index);
  }
  static const uint8_t p2[] = {0x41, 0, 0x05, 0x20, 0, 0x20, 1, 0x10};
  put(&body, p2, sizeof p2);
  put_leb(&body, proc->index);
  put_u8(&body, 0x0b), put_u8(&body, 0x0b);
  put_leb(&code, (uint32_t)body.n);
  put(&code, body.p, body.n);
  if (body.oom) code.oom = 1;
  free(body.p);
  /* exports */
  uint32_t nexp = init ? 4 : 3;
  put_leb(&exports, nexp);
  put_name(&exports, "memory"), put_u8(&exports, 2), put_leb(&exports, mem->index);
  put_name(&exports, "allocate"), put_u8(&exports, 0), put_leb(&exports, f_alloc);
  put_name(&exports, "process"), put_u8(&exports, 0), put_leb(&exports, f_proc);
  if (init) put_name(&exports, "_initialize"), put_u8(&exports, 0), put_leb(&exports, init->index);
  /* the module, section by section (custom sections dropped) */
  put(&o, c->core, 8);
  const uint8_t *b = c->core;
  size_t pos = 8, len = c->core_len;
  bool did_func = false, did_code = false;
  while (pos < len) {
    uint8_t id = b[pos++];
    uint32_t size;
    pos = dw_leb_u32_at(b, pos, len, &size);
    size_t end = pos + size;
    /* sections that must come after the function section: insert it */
    if (!did_func && id != 0 && id != 1 && id != 2 && id != 3) {
      grow_vec(&o, 3, NULL, 0, 0, &funcs, 2);
      did_func = true;
    }
    if (!did_code && (id == 11)) {
      grow_vec(&o, 10, NULL, 0, 0, &code, 2);
      did_code = true;
    }
    switch (id) {
      case 0:
        break;
      case 1:
        grow_vec(&o, 1, b, pos, end, &types, 2);
        break;
      case 3:
        grow_vec(&o, 3, b, pos, end, &funcs, 2), did_func = true;
        break;
      case 7:
        put_section(&o, 7, &exports);
        break;
      case 10:
        grow_vec(&o, 10, b, pos, end, &code, 2), did_code = true;
        break;
      default:
        put_u8(&o, id);
        put_leb(&o, size);
        put(&o, b + pos, size);
    }
    pos = end;
  }
  if (!did_func) grow_vec(&o, 3, NULL, 0, 0, &funcs, 2);
  if (!did_code) grow_vec(&o, 10, NULL, 0, 0, &code, 2);
  if (o.oom || types.oom || funcs.oom || exports.oom || code.oom) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  /* the result must be a module dagwood accepts, with the C-style exports */
  dw_wasm_info w2;
  char why[512];
  if (dw_wasm_parse(o.p, o.n, &a, &w2, why, sizeof why)) {
    snprintf(err, errlen, "the adapted core module is invalid: %s", why);
    goto out;
  }
  res = o.p;
  o.p = NULL;
  *out_len = o.n;
out:
  free(o.p), free(types.p), free(funcs.p), free(exports.p), free(code.p);
  dw_arena_free(&a);
  return res;
}

/* ------------------------------------------------------------ prepare */

struct dw_component_run {
  void *dl;
  const dw_guest_desc *desc;
  char *id, *module, *path;
  dw_component_limits lim;
  char caps_text[128];
  bool has_post;
  dw_wasm_compiled compiled;
};

dw_component_run *dw_component_prepare(const uint8_t *b, size_t len, const char *proc_id,
                                       const char *module_name, const char *module_path,
                                       const dw_component_limits *lim, const char *cache_dir,
                                       const dw_compile_deadline *deadline, char *err,
                                       size_t errlen) {
  dw_arena a;
  dw_arena_init(&a);
  dw_component c;
  dw_wasm_info w;
  found f;
  first_err fe = {err, errlen, 0};
  dw_component_run *r = NULL;
  uint8_t *adapted = NULL;
  if (inspect(b, len, module_name, proc_id, lim, &a, &c, &w, &f, rep_first, &fe)) goto fail;
  r = calloc(1, sizeof *r);
  if (!r) goto oom;
  r->lim = *lim;
  r->lim.caps |= DW_CAP_COMPONENT_DEFAULT; /* what the call may use; the metadata says it */
  r->has_post = c.post_return_export != NULL;
  dw_cap_text(r->lim.caps, r->caps_text, sizeof r->caps_text);
  r->id = strdup(proc_id ? proc_id : "");
  r->module = strdup(module_name ? module_name : "?");
  r->path = strdup(module_path ? module_path : r->module ? r->module : "?");
  if (!r->id || !r->module || !r->path) goto oom;
  size_t alen;
  char why[1024];
  adapted = dw_component_adapt(&c, &alen, why, sizeof why);
  if (!adapted) {
    snprintf(err, errlen, "WASM component '%s': %s", r->module, why);
    goto fail;
  }
  dw_wasm_unit unit;
  int rc = dw_wasm_encode_bytes(adapted, alen, DW_EXPORTS_ABI, NULL, &unit, why, sizeof why);
  if (rc == 0) rc = dw_wasm_compile(&unit, cache_dir, deadline, &r->compiled, why, sizeof why);
  dw_wasm_unit_free(&unit);
  if (rc) {
    snprintf(err, errlen, "WASM component '%s' could not be compiled: %s", r->module, why);
    goto fail;
  }
  if (dw_guest_load(&r->compiled, "WASM component", r->module, &r->dl, &r->desc, err, errlen))
    goto fail;
  free(adapted);
  dw_arena_free(&a);
  return r;
oom:
  snprintf(err, errlen, "out of memory");
fail:
  free(adapted);
  dw_component_run_free(r);
  dw_arena_free(&a);
  return NULL;
}

void dw_component_run_free(dw_component_run *r) {
  if (!r) return;
  if (r->dl) dlclose(r->dl);
  free(r->id), free(r->module), free(r->path);
  free(r);
}

int dw_component_run_cached(const dw_component_run *r) { return r->compiled.from_cache; }

/* ------------------------------------------------------------- invoke */

#define TRAPPED "Component instantiation/call failed: WASM component '%s': "

static int trap_fail(dw_component_run *r, dw_call *call, dw_rt_call *c, int code,
                     const char *where) {
  switch (code) {
    case DW_TRAP_FUEL:
      return dw_call_fail(call, 500,
                          TRAPPED "out of fuel: %s used its whole budget of %" PRIu64
                                  " units (options.fuel_level, within wasm.fuel bounds)",
                          r->module, where, c->fuel_total);
    case DW_TRAP_TIMEOUT:
      if (c->own_deadline)
        return dw_call_fail(call, 504,
                            TRAPPED
                            "timeout: %s ran longer than the per-call limit of %.3g s "
                            "(wasm.timeout_seconds)",
                            r->module, where, (double)c->timeout_ns / 1e9);
      return dw_call_fail(call, 504, TRAPPED "timeout: %s ran past its deadline", r->module, where);
    case DW_TRAP_CANCEL:
      return dw_call_fail(call, 499, TRAPPED "cancelled during %s", r->module, where);
    case DW_TRAP_MEMLIMIT:
      return dw_call_fail(call, 500,
                          TRAPPED
                          "memory limit: it needs %u pages (%u MiB) at start; "
                          "max_memory_mb is %u",
                          r->module, c->need_pages, (c->need_pages + 15) / 16, r->lim.max_mb);
    case DW_TRAP_EXIT:
      return dw_call_fail(call, 500, TRAPPED "proc_exit(%d) during %s", r->module, c->exit_code,
                          where);
    default:
      return dw_call_fail(
          call, 500, TRAPPED "trap: %s in %s%s", r->module, dw_rt_trap_text(code), where,
          c->grow_refused ? " (memory.grow had been refused at max_memory_mb)" : "");
  }
}

int dw_component_invoke(dw_component_run *r, dw_call *call) {
  dw_rt_call c = {.fuel_total = r->lim.fuel,
                  .max_pages = r->lim.max_pages,
                  .caps = r->lim.caps,
                  .timeout_ns = r->lim.timeout_ns,
                  .argv0 = "dagwood-component"}; /* the original's default WASI context */
  dw_step st = {.desc = r->desc, .c = &c};
  if (dw_invoke_begin(call, "WASM component", r->module, &st)) return -1;
  int rc = -1, code;
  char why[512];
  char *errmsg = NULL;
  uint32_t len = (uint32_t)call->input_len;
  if ((code = dw_rt_run(&c, dw_step_instantiate, &st))) {
    trap_fail(r, call, &c, code,
              r->desc->initialize ? "instantiation (_initialize)" : "instantiation");
    goto out;
  }
  wasm_rt_memory_t *mem = r->desc->memory(st.inst);
  st.a = len;
  if ((code = dw_rt_run(&c, dw_step_allocate, &st))) {
    trap_fail(r, call, &c, code, "cabi_realloc");
    goto out;
  }
  uint32_t in_ptr = st.ret;
  if (dw_canon_check_alloc(mem->size, in_ptr, len, 1, why, sizeof why)) {
    dw_call_fail(call, 500, TRAPPED "%s", r->module, why);
    goto out;
  }
  if (len) memcpy(mem->data + in_ptr, call->input, len);
  st.a = in_ptr, st.b = len, st.d = 0;
  if ((code = dw_rt_run(&c, dw_step_process, &st))) {
    trap_fail(r, call, &c, code, "process");
    goto out;
  }
  uint32_t ret = st.ret;
  dw_canon_result res;
  /* memory may have grown: read its current size and data */
  if (dw_canon_read_result(mem->data, mem->size, ret, &res, why, sizeof why)) {
    dw_call_fail(call, 500, TRAPPED "%s", r->module, why);
    goto out;
  }
  uint32_t out_len = 0;
  if (res.is_err) {
    errmsg = dw_canon_error_message(mem->data, &res);
    if (!errmsg) {
      dw_call_fail(call, 500, "out of memory");
      goto out;
    }
  } else {
    out_len = res.len;
    if (dw_call_set_output(call, mem->data + res.ptr, res.len)) {
      dw_call_fail(call, 500, "out of memory");
      goto out;
    }
  }
  if (r->has_post) {
    st.a = ret, st.b = 0, st.d = 1;
    if ((code = dw_rt_run(&c, dw_step_process, &st))) {
      trap_fail(r, call, &c, code, "post-return");
      goto out;
    }
  }
  if (errmsg) {
    dw_call_fail(call, dw_canon_error_code(res.err_case), "%s", errmsg);
    goto out;
  }
  if (dw_invoke_metadata(call, &c, r->id, r->module, "WIT Component", r->caps_text, len, out_len))
    goto out;
  rc = 0;
out:
  free(errmsg);
  dw_invoke_end(&st, r->id);
  return rc;
}
