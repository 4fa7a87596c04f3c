/* wasm/wrapper: see wrapper.h. */
#include "wasm/wrapper.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasm/encode.h"
#include "wasm/guest.h"
#include "wasm/wasi.h"

#define STR_(x) #x
#define STR(x) STR_(x)

__attribute__((format(printf, 3, 4))) static int failf(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return -1;
}

typedef struct sbuf {
  char *p;
  size_t n, cap;
  int oom;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->n;
    int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? room : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = 1;
      return;
    }
    if (b->p && (size_t)k < room) {
      b->n += (size_t)k;
      return;
    }
    size_t nc = (b->cap ? b->cap * 2 : 8192) + (size_t)k;
    char *np = realloc(b->p, nc);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = nc;
  }
}

/* The declaration line that follows `marker` in the header, or NULL. */
static int decl_after(const char *h, const char *marker, char *out, size_t size) {
  const char *m = strstr(h, marker);
  if (!m) return -1;
  const char *l = strchr(m, '\n');
  if (!l) return -1;
  l++;
  const char *e = strchr(l, '\n');
  size_t n = e ? (size_t)(e - l) : strlen(l);
  if (n + 1 > size) return -1;
  memcpy(out, l, n);
  out[n] = 0;
  return 0;
}

/* From "u32 Z_mZ_process(Z_m_instance_t*, u32);" the function name. */
static int decl_name(const char *decl, char *out, size_t size) {
  const char *par = strchr(decl, '(');
  if (!par) return -1;
  const char *s = par;
  while (s > decl && s[-1] != ' ' && s[-1] != '*') s--;
  size_t n = (size_t)(par - s);
  if (!n || n + 1 > size) return -1;
  memcpy(out, s, n);
  out[n] = 0;
  return 0;
}

/* ------------------------------------------------------ test exports */

/* The C type of a signature letter (wasm/encode) and the conversions of a
 * value to and from a 64-bit slot. */
static const char *ctype(char c) {
  switch (c) {
    case 'i':
      return "u32";
    case 'j':
      return "u64";
    case 'f':
      return "f32";
    case 'd':
      return "f64";
    case 'r':
      return "wasm_rt_funcref_t";
  }
  return "wasm_rt_externref_t";
}

/* DW_EXPORTS_ALL: one trampoline per kept export, io[] holding the
 * arguments in and the results out; reached through dw_exports[]. */
static void gen_trampolines(const dw_wasm_unit *u, sbuf *b) {
  sb_printf(b,
            "static inline f32 dw_f32(uint64_t v) { u32 x = (u32)v; f32 f; memcpy(&f, &x, 4); "
            "return f; }\n"
            "static inline f64 dw_f64(uint64_t v) { f64 f; memcpy(&f, &v, 8); return f; }\n"
            "static inline uint64_t dw_bf32(f32 f) { u32 x; memcpy(&x, &f, 4); return x; }\n"
            "static inline uint64_t dw_bf64(f64 f) { uint64_t x; memcpy(&x, &f, 8); return x; }\n"
            "#define DW_IN_i(v) ((u32)(v))\n#define DW_IN_j(v) ((u64)(v))\n"
            "#define DW_IN_f(v) dw_f32(v)\n#define DW_IN_d(v) dw_f64(v)\n"
            "#define DW_IN_r(v) wasm_rt_funcref_null_value\n"
            "#define DW_IN_e(v) ((wasm_rt_externref_t)(uintptr_t)(v))\n"
            "#define DW_OUT_i(v) ((uint64_t)(v))\n#define DW_OUT_j(v) ((uint64_t)(v))\n"
            "#define DW_OUT_f(v) dw_bf32(v)\n#define DW_OUT_d(v) dw_bf64(v)\n"
            "#define DW_OUT_r(v) ((uint64_t)(uintptr_t)(v).func)\n"
            "#define DW_OUT_e(v) ((uint64_t)(uintptr_t)(v))\n");
  for (uint32_t k = 0; k < u->nexports; k++) {
    const struct dw_unit_export *x = &u->exports[k];
    const char *sig = x->sig;
    sb_printf(b, "static void dw_x%u(void *i, uint64_t *io) {\n  DW_ENTER(DW_ENV(i));\n", k);
    if (x->kind == 3) {
      sb_printf(b, "  io[0] = DW_OUT_%c(*Z_mZ_%s(i));\n", sig[0], x->name);
    } else {
      const char *res = strchr(sig, '>') + 1;
      size_t np = (size_t)(res - 1 - sig), nr = strlen(res);
      if (nr == 1)
        sb_printf(b, "  %s r = ", ctype(res[0]));
      else if (nr > 1)
        sb_printf(b, "  struct wasm_multi_%s r = ", res);
      else
        sb_printf(b, "  ");
      sb_printf(b, "Z_mZ_%s(i", x->name);
      for (size_t a = 0; a < np; a++) sb_printf(b, ", DW_IN_%c(io[%zu])", sig[a], a);
      sb_printf(b, ");\n");
      if (nr == 1) sb_printf(b, "  io[0] = DW_OUT_%c(r);\n", res[0]);
      for (size_t a = 0; nr > 1 && a < nr; a++)
        sb_printf(b, "  io[%zu] = DW_OUT_%c(r.%c%zu);\n", a, res[a], res[a], a);
    }
    sb_printf(b, "  DW_LEAVE(DW_ENV(i));\n}\n");
  }
  if (u->nexports) {
    sb_printf(b, "static void (*const dw_exports[])(void *, uint64_t *) = {");
    for (uint32_t k = 0; k < u->nexports; k++) sb_printf(b, "%sdw_x%u", k ? ", " : "", k);
    sb_printf(b, "};\n");
  }
}

static int gen(const char *hdr, const char *key, const dw_wasm_unit *u, sbuf *b, char *err,
               size_t errlen) {
  const uint32_t *cost = u->cost;
  uint32_t ncost = u->ncost;
  sb_printf(b,
            "/* generated by dagwood: wrapper around wasm2c output */\n"
            "#include <stdarg.h>\n#include <stdint.h>\n#include <stdlib.h>\n"
            "#include <string.h>\n#include <wasm-rt.h>\n"
            "struct Z_env_instance_t { int64_t fuel; uint32_t depth; };\n"
            "#if WASM_RT_USE_STACK_DEPTH_COUNT\n"
            "/* per call, not wasm-rt.h's process-wide counter */\n"
            "#define wasm_rt_call_stack_depth (instance->Z_env_instance->depth)\n"
            "#endif\n"
            "#if defined(__x86_64__) && !defined(__clang__)\n"
            "/* The fuel counter lives in r15 while guest code runs: a register\n"
            "   decrement per hook instead of a load and a store that the\n"
            "   byte-wide stores to linear memory would force to reload. r15 is\n"
            "   callee-saved, so host functions called from the guest keep it;\n"
            "   the entry points below save the caller's value and restore it. */\n"
            "register int64_t dw_fuel __asm__(\"r15\");\n"
            "#define DW_ENTER(E) int64_t dw_saved = dw_fuel; dw_fuel = (E)->fuel\n"
            "#define DW_LEAVE(E) (E)->fuel = dw_fuel, dw_fuel = dw_saved\n"
            "/* the slow path finds the call through the host's thread state: the\n"
            "   hot path never loads the env pointer */\n"
            "static inline __attribute__((always_inline)) int dw_burn(int64_t n) {\n"
            "  int neg; /* sub + js: gcc would go through a scratch register */\n"
            "  __asm__(\"sub %%2, %%0\" : \"+r\"(dw_fuel), \"=@ccs\"(neg) : \"re\"(n));\n"
            "  return neg;\n}\n"
            "#define DW_HOOK(E, N) \\\n"
            "  if (__builtin_expect(dw_burn(N), 0)) dw_fuel = dw_api->refuel(dw_fuel)\n"
            "#else\n"
            "#define DW_ENTER(E) (void)0\n"
            "#define DW_LEAVE(E) (void)0\n"
            "#define DW_HOOK(E, N) \\\n"
            "  if (__builtin_expect(((E)->fuel -= (N)) < 0, 0)) dw_api->fuel_out(E)\n"
            "#endif\n"
            "#include \"m.h\"\n"
            "/* wasm2c's one-off initialisers are as long as the module has types,\n"
            "   globals or segments: compiled without optimisation they stay linear\n"
            "   in time (16 000 types: minutes at -O2, 2 s so) */\n"
            "#define DW_COLD __attribute__((optimize(\"O0\"), cold, noinline))\n"
            "static void init_func_types(void) DW_COLD;\n"
            "static void init_globals(Z_m_instance_t *) DW_COLD;\n"
            "static void init_memories(Z_m_instance_t *) DW_COLD;\n"
            "static void init_data_instances(Z_m_instance_t *) DW_COLD;\n"
            "static void init_tables(Z_m_instance_t *) DW_COLD;\n"
            "static void init_elem_instances(Z_m_instance_t *) DW_COLD;\n"
            "#include \"m.c\"\n"
            "%s\n"
            "static const dw_guest_api *dw_api;\n",
            STR(DW_GUEST_DEFS));
  /* the fuel cost of each hook site (wasm instructions it stands for) */
  sb_printf(b, "static const uint32_t dw_cost[%u] = {", ncost ? ncost : 1);
  for (uint32_t i = 0; i < ncost; i++)
    sb_printf(b, "%s%u", i == 0 ? "\n  " : i % 16 ? "," : ",\n  ", cost[i]);
  sb_printf(b, "%s};\n", ncost ? "" : "1");
  /* imports */
  const char *p = hdr;
  while ((p = strstr(p, "/* import: '"))) {
    char mod[256], nm[256], decl[1024], fname[512];
    if (sscanf(p, "/* import: '%255[^']' '%255[^']' */", mod, nm) != 2)
      return failf(err, errlen, "cannot read wasm2c's import list");
    char marker[600];
    snprintf(marker, sizeof marker, "/* import: '%s' '%s' */", mod, nm);
    if (decl_after(p, marker, decl, sizeof decl) || decl_name(decl, fname, sizeof fname))
      return failf(err, errlen, "cannot read wasm2c's declaration of %s.%s", mod, nm);
    p += strlen(marker);
    if (!strcmp(mod, DW_HOOK_MODULE)) {
      if (!strcmp(nm, DW_HOOK_FUEL))
        sb_printf(b,
                  "void %s(struct Z_env_instance_t *e, u32 site) {\n"
                  "  /* site is a constant where this is inlined: so is its cost */\n"
                  "  DW_HOOK(e, site < %u ? dw_cost[site] : 1);\n}\n",
                  fname, ncost);
      else if (!strcmp(nm, DW_HOOK_BULK)) /* memset/memmove: 16 bytes ~ one instruction */
        sb_printf(b, "void %s(struct Z_env_instance_t *e, u32 n) { DW_HOOK(e, (n >> 4) + 1); }\n",
                  fname);
      else if (!strcmp(nm, DW_HOOK_BULK_TABLE)) /* an element is 8 to 24 bytes */
        sb_printf(b, "void %s(struct Z_env_instance_t *e, u32 n) { DW_HOOK(e, (int64_t)n + 1); }\n",
                  fname);
      else
        return failf(err, errlen, "unknown hook %s", nm);
      continue;
    }
    bool spectest = u->mode == DW_EXPORTS_ALL && !strcmp(mod, DW_SPECTEST_MODULE);
    int fi = strcmp(mod, DW_WASI_MODULE) ? -1 : dw_wasi_lookup(nm);
    if (fi < 0 && !spectest)
      return failf(err, errlen, "import %s.%s is not provided by dagwood", mod, nm);
    /* rebuild the parameter list with names */
    const char *par = strchr(decl, '(');
    const char *close = strrchr(decl, ')');
    if (!par || !close) return failf(err, errlen, "cannot read wasm2c's declaration of %s", nm);
    char ret[64];
    size_t rl = (size_t)(strstr(decl, fname) - decl);
    if (rl >= sizeof ret) return failf(err, errlen, "odd declaration %s", decl);
    memcpy(ret, decl, rl);
    ret[rl] = 0;
    char params[1024];
    size_t pl = (size_t)(close - par - 1);
    if (pl >= sizeof params) return failf(err, errlen, "odd declaration %s", decl);
    memcpy(params, par + 1, pl);
    params[pl] = 0;
    sbuf defs = {0}, args = {0};
    int k = 0;
    for (char *tok = strtok(params, ","); tok; tok = strtok(NULL, ","), k++) {
      while (*tok == ' ') tok++;
      if (k == 0) {
        sb_printf(&defs, "%s ctx", tok);
        continue;
      }
      sb_printf(&defs, ", %s a%d", tok, k);
      sb_printf(&args, "%s(uint64_t)a%d", k > 1 ? ", " : "", k);
    }
    if (!args.p) sb_printf(&args, "0");
    bool is_void = strstr(ret, "void") != NULL;
    if (spectest) /* the testsuite's print functions: nothing to do */
      sb_printf(b, "%s%s(%s) { (void)ctx; }\n", ret, fname, defs.p ? defs.p : "");
    else
      sb_printf(b,
                "%s%s(%s) {\n  const uint64_t args[] = {%s};\n  %sdw_api->wasi((void *)ctx, %d, "
                "args);\n}\n",
                ret, fname, defs.p ? defs.p : "", args.p, is_void ? "(void)" : "return (u32)", fi);
    free(defs.p);
    free(args.p);
  }
  /* the wasm_rt_* functions the generated code may call */
  sb_printf(
      b,
      "void wasm_rt_init(void) {}\n"
      "bool wasm_rt_is_initialized(void) { return true; }\n"
      "void wasm_rt_free(void) {}\n"
      "void wasm_rt_trap(wasm_rt_trap_t t) { dw_api->trap((int)t); __builtin_unreachable(); }\n"
      "const char *wasm_rt_strerror(wasm_rt_trap_t t) { (void)t; return \"trap\"; }\n"
      "/* Function types are identified by their exact encoding (counts, then\n"
      "   each type), so call_indirect traps on any signature mismatch. The\n"
      "   registry lives while init_module numbers the types. */\n"
      "typedef struct { uint32_t len; uint8_t *key; } dw_sig;\n"
      "static dw_sig *dw_sigs; static uint32_t *dw_slot, dw_nsigs, dw_cap;\n"
      "static uint32_t dw_hash(const uint8_t *k, uint32_t n) {\n"
      "  uint32_t h = 2166136261u; for (uint32_t i = 0; i < n; i++) h = (h ^ k[i]) * 16777619u;\n"
      "  return h; }\n"
      "/* out of memory: an identity nothing else has (call_indirect traps) */\n"
      "static uint32_t dw_lost = UINT32_MAX;\n"
      "uint32_t wasm_rt_register_func_type(uint32_t np, uint32_t nr, ...) {\n"
      "  uint64_t n64 = 8 + (uint64_t)np + nr;\n"
      "  uint8_t *k = n64 < UINT32_MAX ? malloc(n64) : NULL; if (!k) return dw_lost--;\n"
      "  uint32_t n = (uint32_t)n64; memcpy(k, &np, 4); memcpy(k + 4, &nr, 4);\n"
      "  va_list ap; va_start(ap, nr);\n"
      "  for (uint32_t i = 0; i < np + nr; i++) k[8 + i] = (uint8_t)va_arg(ap, int);\n"
      "  va_end(ap);\n"
      "  if (2 * (dw_nsigs + 1) > dw_cap) { /* grow and rehash */\n"
      "    uint32_t nc = dw_cap ? 2 * dw_cap : 64;\n"
      "    uint32_t *ns = malloc(nc * sizeof *ns); dw_sig *nv = realloc(dw_sigs, nc / 2 * sizeof "
      "*nv);\n"
      "    if (nv) dw_sigs = nv;\n"
      "    if (!ns || !nv) { free(ns); free(k); return dw_lost--; }\n"
      "    memset(ns, 0xff, nc * sizeof *ns);\n"
      "    for (uint32_t i = 0; i < dw_nsigs; i++) {\n"
      "      uint32_t h = dw_hash(dw_sigs[i].key, dw_sigs[i].len) & (nc - 1);\n"
      "      while (ns[h] != UINT32_MAX) h = (h + 1) & (nc - 1);\n"
      "      ns[h] = i; }\n"
      "    free(dw_slot); dw_slot = ns; dw_cap = nc; }\n"
      "  uint32_t h = dw_hash(k, n) & (dw_cap - 1);\n"
      "  for (; dw_slot[h] != UINT32_MAX; h = (h + 1) & (dw_cap - 1)) {\n"
      "    dw_sig *s = &dw_sigs[dw_slot[h]];\n"
      "    if (s->len == n && !memcmp(s->key, k, n)) { free(k); return dw_slot[h]; } }\n"
      "  dw_sigs[dw_nsigs] = (dw_sig){n, k}; dw_slot[h] = dw_nsigs;\n"
      "  return dw_nsigs++;\n}\n"
      "static void dw_sigs_free(void) {\n"
      "  for (uint32_t i = 0; i < dw_nsigs; i++) free(dw_sigs[i].key);\n"
      "  free(dw_sigs); free(dw_slot); dw_sigs = NULL; dw_slot = NULL; dw_nsigs = dw_cap = 0;\n}\n"
      "uint32_t wasm_rt_register_tag(uint32_t size) { (void)size; return 0; }\n"
      "void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void *v) {\n"
      "  (void)tag, (void)size, (void)v; }\n"
      "void wasm_rt_throw(void) { dw_api->trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION); "
      "__builtin_unreachable(); }\n"
      "static WASM_RT_UNWIND_TARGET *dw_unwind;\n"
      "WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void) { return dw_unwind; }\n"
      "void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *t) { dw_unwind = t; }\n"
      "uint32_t wasm_rt_exception_tag(void) { return 0; }\n"
      "uint32_t wasm_rt_exception_size(void) { return 0; }\n"
      "void *wasm_rt_exception(void) { return NULL; }\n"
      "void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t i, uint32_t x) {\n"
      "  dw_api->allocate_memory(m, i, x); }\n"
      "uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *m, uint32_t d) {\n"
      "  return dw_api->grow_memory(m, d); }\n"
      "void wasm_rt_free_memory(wasm_rt_memory_t *m) { dw_api->free_memory(m); }\n"
      "#define DW_TABLE(T)                                                           \\\n"
      "  void wasm_rt_allocate_##T##_table(wasm_rt_##T##_table_t *t, uint32_t n,        \\\n"
      "                                    uint32_t max) {                             \\\n"
      "    t->data = dw_api->table_alloc(n, sizeof *t->data); t->size = n;             \\\n"
      "    t->max_size = max; }                                                        \\\n"
      "  void wasm_rt_free_##T##_table(wasm_rt_##T##_table_t *t) {                     \\\n"
      "    dw_api->table_free(t->data); t->data = NULL; t->size = 0; }                 \\\n"
      "  uint32_t wasm_rt_grow_##T##_table(wasm_rt_##T##_table_t *t, uint32_t d,       \\\n"
      "                                    wasm_rt_##T##_t init) {                     \\\n"
      "    uint32_t old = t->size; uint64_t nn = (uint64_t)old + d;                    \\\n"
      "    if (d == 0) return old;                                                     \\\n"
      "    if (nn > t->max_size) return UINT32_MAX;                                    \\\n"
      "    void *p = dw_api->table_grow(t->data, old, (uint32_t)nn, sizeof *t->data);  \\\n"
      "    if (!p) return UINT32_MAX;                                                  \\\n"
      "    t->data = p; for (uint32_t i = old; i < nn; i++) t->data[i] = init;         \\\n"
      "    t->size = (uint32_t)nn; return old; }\n"
      "DW_TABLE(funcref)\nDW_TABLE(externref)\n");
  /* the descriptor */
  char inst_decl[1024], mem_fn[512] = "", alloc_fn[512] = "", proc_fn[512] = "", init_fn[512] = "";
  char decl[1024];
  const char *ip = strstr(hdr, "void Z_m_instantiate(");
  if (!ip) return failf(err, errlen, "cannot find wasm2c's instantiate function");
  const char *ie = strchr(ip, '\n');
  snprintf(inst_decl, sizeof inst_decl, "%.*s", (int)(ie ? ie - ip : (long)strlen(ip)), ip);
  if (u->mode == DW_EXPORTS_ABI &&
      (decl_after(hdr, "/* export: 'memory' */", decl, sizeof decl) ||
       decl_name(decl, mem_fn, sizeof mem_fn) ||
       decl_after(hdr, "/* export: 'allocate' */", decl, sizeof decl) ||
       decl_name(decl, alloc_fn, sizeof alloc_fn) ||
       decl_after(hdr, "/* export: 'process' */", decl, sizeof decl) ||
       decl_name(decl, proc_fn, sizeof proc_fn)))
    return failf(err, errlen, "wasm2c's output lacks an export of the C-style ABI");
  if (u->mode == DW_EXPORTS_ABI &&
      !decl_after(hdr, "/* export: '_initialize' */", decl, sizeof decl))
    decl_name(decl, init_fn, sizeof init_fn);
  sb_printf(b,
            "static void dw_inst(void *i, void *ctx) {\n"
            "  struct Z_env_instance_t *e = ctx;\n  DW_ENTER(e);\n  Z_m_instantiate(i");
  /* one argument per imported module: all of them are the call context */
  const char *q = strchr(inst_decl, ',');
  while (q) {
    const char *s = strstr(q, "struct ");
    const char *e = s ? strchr(s, '*') : NULL;
    if (!s || !e) break;
    sb_printf(b, ", (%.*s *)ctx", (int)(e - s), s);
    q = strchr(e, ',');
  }
  sb_printf(b,
            ");\n  DW_LEAVE(e);\n}\n"
            "#define DW_ENV(i) (((Z_m_instance_t *)(i))->Z_env_instance)\n"
            "/* the type registry is only needed while init_module numbers the types:\n"
            "   the same order gives the same numbers on every bind */\n"
            "static void dw_bind(const dw_guest_api *a) {\n"
            "  if (dw_api) return; /* once per load: modules sharing this file share it */\n"
            "  dw_api = a; Z_m_init_module(); dw_sigs_free(); }\n"
            "static void dw_free(void *i) { Z_m_free(i); }\n");
  if (u->mode == DW_EXPORTS_ABI) {
    sb_printf(b,
              "static wasm_rt_memory_t *dw_mem(void *i) { return %s(i); }\n"
              "static uint32_t dw_alloc(void *i, uint32_t n) {\n"
              "  DW_ENTER(DW_ENV(i)); uint32_t r = %s(i, n); DW_LEAVE(DW_ENV(i)); return r; }\n"
              "static uint32_t dw_proc(void *i, uint32_t a, uint32_t b, uint32_t c) {\n"
              "  DW_ENTER(DW_ENV(i)); uint32_t r = %s(i, a, b, c); DW_LEAVE(DW_ENV(i));\n"
              "  return r; }\n",
              mem_fn, alloc_fn, proc_fn);
    if (*init_fn)
      sb_printf(b,
                "static void dw_init(void *i) {\n"
                "  DW_ENTER(DW_ENV(i)); %s(i); DW_LEAVE(DW_ENV(i)); }\n",
                init_fn);
  } else {
    gen_trampolines(u, b);
  }
  bool abi = u->mode == DW_EXPORTS_ABI;
  sb_printf(b,
            "__attribute__((visibility(\"default\"))) const dw_guest_desc dw_guest = {\n"
            "  %d, \"%s\", sizeof(Z_m_instance_t), dw_bind, dw_inst, dw_free, %s,\n"
            "  %s, %s, %s, %u, %s};\n",
            DW_GUEST_ABI, key, abi ? "dw_mem" : "NULL", abi ? "dw_alloc" : "NULL",
            abi ? "dw_proc" : "NULL", *init_fn ? "dw_init" : "NULL", abi ? 0 : u->nexports,
            abi || !u->nexports ? "NULL" : "dw_exports");
  if (b->oom) return failf(err, errlen, "out of memory");
  return 0;
}

char *dw_wasm_wrapper(const char *hdr, const char *key, const dw_wasm_unit *u, size_t *len,
                      char *err, size_t errlen) {
  sbuf b = {0};
  if (gen(hdr, key, u, &b, err, errlen)) {
    free(b.p);
    return NULL;
  }
  *len = b.n;
  return b.p;
}
