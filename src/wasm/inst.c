/* wasm/inst: see inst.h. The instance's call state (wasm/rt) lives as long
 * as the instance: its memory reservation, its tables and globals persist
 * from one call to the next, each call starting with a fresh fuel budget. */
#include "wasm/inst.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/errf.h"
#include "wasm/compile.h"
#include "wasm/encode.h"
#include "wasm/invoke.h"
#include "wasm/parse.h"
#include "wasm/rt.h"

/* The functions of the testsuite's host module and their types. */
static const char *const spectest_names[] = {
    "print", "print_i32", "print_i64", "print_f32", "print_f64", "print_i32_f32", "print_f64_f64"};
static const char *const spectest_params[] = {"",     "\x7f",     "\x7e",    "\x7d",
                                              "\x7c", "\x7f\x7d", "\x7c\x7c"};
enum { NSPECTEST = sizeof spectest_names / sizeof *spectest_names };
static const dw_import_set spectest = {DW_SPECTEST_MODULE, spectest_names, NSPECTEST};

struct dw_wasm_inst {
  void *dl;
  const dw_guest_desc *desc;
  dw_wasm_compiled compiled;
  void *inst;
  dw_rt_call call;
  uint64_t fuel;
  uint32_t nexports;
  struct dw_unit_export *exports; /* from the unit: canonical names and types */
  char **names;                   /* their names in the original module */
};

static int classify(int parse_rc) {
  return parse_rc == DW_WASM_UNSUPPORTED ? DW_INST_UNSUPPORTED
         : parse_rc                      ? DW_INST_MALFORMED
                                         : DW_INST_OK;
}

int dw_wasm_inst_validate(const uint8_t *b, size_t len, char *err, size_t errlen) {
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  int rc = classify(dw_wasm_parse(b, len, &a, &w, err, errlen));
  dw_arena_free(&a);
  return rc;
}

/* Every import must be one of spectest's functions with its type. */
static int check_imports(const dw_wasm_info *w, char *err, size_t errlen) {
  static const char *const kinds[] = {"function", "table", "memory", "global", "tag"};
  for (uint32_t i = 0; i < w->nimports; i++) {
    const dw_wasm_import *im = &w->imports[i];
    int k = -1;
    if (im->kind == 0 && dw_wasm_import_plain(im) && !strcmp(im->module, DW_SPECTEST_MODULE))
      for (int j = 0; j < NSPECTEST; j++)
        if (!strcmp(im->name, spectest_names[j])) k = j;
    if (k < 0)
      return dw_errf(err, errlen,
                     "unknown import: the %s %s.%s (an instance imports only the "
                     "functions of spectest)",
                     kinds[im->kind < 5 ? im->kind : 0], im->module, im->name);
    const dw_wasm_functype *t = &w->types[im->type];
    size_t np = strlen(spectest_params[k]);
    if (t->nr || t->np != np || memcmp(t->params, spectest_params[k], np))
      return dw_errf(err, errlen, "incompatible import type: spectest.%s", im->name);
  }
  return 0;
}

typedef struct step {
  dw_wasm_inst *in;
  void (*fn)(void *inst, uint64_t *io);
  uint64_t *io;
} step;

static void run_instantiate(void *arg) {
  step *s = arg;
  s->in->desc->instantiate(s->in->inst, &s->in->call);
}

static void run_export(void *arg) {
  step *s = arg;
  s->fn(s->in->inst, s->io);
}

/* Run one step on this thread with a fresh fuel budget. 0 or a trap code. */
static int run(dw_wasm_inst *in, void (*fn)(void *), step *s) {
  if (dw_rt_thread_init()) return DW_TRAP_NOMEM;
  in->call.fuel_total = in->fuel;
  in->call.deadline_ns = in->call.timeout_ns ? dw_rt_now_ns() + in->call.timeout_ns : 0;
  dw_rt_call_begin(&in->call);
  int code = dw_rt_run(&in->call, fn, s);
  dw_rt_call_leave(&in->call);
  return code;
}

int dw_wasm_inst_new(const uint8_t *b, size_t len, const char *cache_dir, uint64_t fuel,
                     uint32_t max_pages, dw_wasm_inst **out, int *trap, char *err, size_t errlen) {
  *out = NULL;
  *trap = 0;
  dw_arena a;
  dw_arena_init(&a);
  dw_wasm_info w;
  dw_wasm_unit unit = {0};
  dw_wasm_inst *in = NULL;
  int rc = classify(dw_wasm_parse(b, len, &a, &w, err, errlen));
  if (rc) goto out;
  if (check_imports(&w, err, errlen)) {
    rc = DW_INST_UNLINKABLE;
    goto out;
  }
  rc = DW_INST_ERROR;
  if (dw_wasm_encode(b, len, &w, DW_EXPORTS_ALL, &spectest, &unit, err, errlen)) goto out;
  in = calloc(1, sizeof *in);
  if (!in) {
    dw_errf(err, errlen, "out of memory");
    goto out;
  }
  in->fuel = fuel ? fuel : 100000000u;
  in->call.max_pages = max_pages && max_pages < DW_WASM_MAX_PAGES ? max_pages : DW_WASM_MAX_PAGES;
  in->call.timeout_ns = 60ull * 1000000000u; /* a runaway test ends, not hangs */
  if (dw_wasm_compile(&unit, cache_dir, NULL, &in->compiled, err, errlen)) goto out;
  if (dw_guest_load(&in->compiled, "WASM module", "test", &in->dl, &in->desc, err, errlen))
    goto out;
  if (in->desc->nexports != unit.nexports) {
    dw_errf(err, errlen, "the compiled module has %u exports, not %u", in->desc->nexports,
            unit.nexports);
    goto out;
  }
  in->names = calloc(unit.nexports ? unit.nexports : 1, sizeof *in->names);
  if (!in->names) {
    dw_errf(err, errlen, "out of memory");
    goto out;
  }
  for (uint32_t i = 0; i < unit.nexports; i++)
    if (!(in->names[i] = strdup(w.exports[unit.exports[i].orig].name))) {
      dw_errf(err, errlen, "out of memory");
      goto out;
    }
  in->nexports = unit.nexports;
  in->exports = unit.exports;
  unit.exports = NULL;
  unit.nexports = 0;
  in->inst = calloc(1, in->desc->instance_size);
  if (!in->inst) {
    dw_errf(err, errlen, "out of memory");
    goto out;
  }
  step s = {.in = in};
  int code = run(in, run_instantiate, &s);
  if (code) {
    *trap = code;
    dw_errf(err, errlen, "instantiation trapped: %s", dw_rt_trap_text(code));
    rc = DW_INST_TRAPPED;
    goto out;
  }
  *out = in;
  in = NULL;
  rc = DW_INST_OK;
out:
  dw_wasm_inst_free(in);
  dw_wasm_unit_free(&unit);
  dw_arena_free(&a);
  return rc;
}

static int find(const dw_wasm_inst *in, const char *name, uint8_t kind) {
  for (uint32_t i = 0; i < in->nexports; i++)
    if (in->exports[i].kind == kind && !strcmp(in->names[i], name)) return (int)i;
  return -1;
}

static uint8_t letter_type(char c) {
  switch (c) {
    case 'i':
      return 0x7f;
    case 'j':
      return 0x7e;
    case 'f':
      return 0x7d;
    case 'd':
      return 0x7c;
    case 'r':
      return 0x70;
  }
  return 0x6f;
}

int dw_wasm_inst_call(dw_wasm_inst *in, const char *name, const dw_wasm_val *args, size_t nargs,
                      dw_wasm_val *res, size_t maxres, size_t *nres, char *err, size_t errlen) {
  *nres = 0;
  int k = find(in, name, 0);
  if (k < 0) return dw_errf(err, errlen, "no exported function '%s'", name), DW_INST_ERROR;
  const char *sig = in->exports[k].sig;
  const char *r = strchr(sig, '>') + 1;
  size_t np = (size_t)(r - 1 - sig), nr = strlen(r);
  if (nargs != np)
    return dw_errf(err, errlen, "'%s' takes %zu arguments, not %zu", name, np, nargs),
           DW_INST_ERROR;
  if (nr > maxres)
    return dw_errf(err, errlen, "'%s' returns %zu results, room for %zu", name, nr, maxres),
           DW_INST_ERROR;
  size_t slots = np > nr ? np : nr;
  uint64_t *io = calloc(slots ? slots : 1, sizeof *io);
  if (!io) return dw_errf(err, errlen, "out of memory"), DW_INST_ERROR;
  for (size_t i = 0; i < np; i++) {
    if (args[i].type != letter_type(sig[i]) || (sig[i] == 'r' && args[i].bits)) {
      free(io);
      return dw_errf(err, errlen, "argument %zu of '%s' has the wrong type%s", i, name,
                     sig[i] == 'r' ? " (only a null funcref can be passed in)" : ""),
             DW_INST_ERROR;
    }
    io[i] = args[i].bits;
  }
  step s = {.in = in, .fn = in->desc->exports[k], .io = io};
  int code = run(in, run_export, &s);
  if (code == 0) {
    for (size_t i = 0; i < nr; i++) {
      res[i].type = letter_type(r[i]);
      res[i].bits = r[i] == 'i' || r[i] == 'f' ? io[i] & 0xffffffffu : io[i];
    }
    *nres = nr;
  }
  free(io);
  return code;
}

int dw_wasm_inst_global(dw_wasm_inst *in, const char *name, dw_wasm_val *out, char *err,
                        size_t errlen) {
  int k = find(in, name, 3);
  if (k < 0) return dw_errf(err, errlen, "no exported global '%s'", name), DW_INST_ERROR;
  uint64_t io[1] = {0};
  step s = {.in = in, .fn = in->desc->exports[k], .io = io};
  int code = run(in, run_export, &s);
  if (code) return dw_errf(err, errlen, "reading '%s' trapped", name), DW_INST_ERROR;
  char c = in->exports[k].sig[0];
  out->type = letter_type(c);
  out->bits = c == 'i' || c == 'f' ? io[0] & 0xffffffffu : io[0];
  return DW_INST_OK;
}

int dw_wasm_inst_cached(const dw_wasm_inst *in) { return in->compiled.from_cache; }

void dw_wasm_inst_free(dw_wasm_inst *in) {
  if (!in) return;
  if (in->inst && dw_rt_thread_init() == 0) {
    /* Z_m_free releases the tables and the memory through the runtime */
    dw_rt_call_begin(&in->call);
    in->desc->free(in->inst);
    free(in->inst);
  }
  dw_rt_call_done(&in->call);
  if (in->dl) dlclose(in->dl);
  for (uint32_t i = 0; in->names && i < in->nexports; i++) free(in->names[i]);
  free(in->names);
  for (uint32_t i = 0; i < in->nexports; i++) free(in->exports[i].sig);
  free(in->exports);
  free(in);
}

const char *dw_wasm_inst_trap_text(int code) { return dw_rt_trap_text(code); }
