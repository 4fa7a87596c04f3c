/* tests/unit/test_wasm_util: shared helpers of the WebAssembly tests — turn
 * the WAT fixtures of tests/wasm/ into binaries (wat2wasm, at test time),
 * build a dw_spec / dw_proc_spec by hand (so the tests do not depend on the
 * YAML loader), prepare modules and run one call. Header-only: each test
 * program includes it once. */
#ifndef DW_TEST_WASM_UTIL_H
#define DW_TEST_WASM_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/spec.h"
#include "core/call.h"
#include "util/diag.h"
#include "wasm/wasm.h"

/* The loader may not be linked into this test: a weak stand-in. */
__attribute__((weak)) const dw_val *dw_val_get(const dw_val *v, const char *key) {
  if (!v || v->kind != DW_VAL_MAP) return NULL;
  for (uint32_t i = 0; i < v->n; i++)
    if (!strcmp(v->keys[i], key)) return &v->items[i];
  return NULL;
}

static inline const char *tw_dir(const char *var, const char *fallback) {
  const char *d = getenv(var);
  return d && *d ? d : fallback;
}

/* Path of the binary of fixture `name` (tests/wasm/NAME.wat), built once. */
static inline const char *tw_fixture(const char *name) {
  static char paths[64][1024];
  static char names[64][64];
  static int n;
  for (int i = 0; i < n; i++)
    if (!strcmp(names[i], name)) return paths[i];
  const char *src = tw_dir("DW_SOURCE_DIR", ".");
  const char *build = tw_dir("DW_BUILD_DIR", "/tmp");
  char dir[900], cmd[3000];
  /* one folder per test process: tests run in parallel and must not read a
   * fixture another one is rewriting */
  snprintf(dir, sizeof dir, "%s/test-wasm", build);
  mkdir(dir, 0755);
  snprintf(dir, sizeof dir, "%s/test-wasm/%ld", build, (long)getpid());
  mkdir(dir, 0755);
  if (n == 64) return NULL;
  snprintf(names[n], sizeof names[n], "%s", name);
  snprintf(paths[n], sizeof paths[n], "%s/%s.wasm", dir, name);
  snprintf(cmd, sizeof cmd,
           "wat2wasm --enable-threads --enable-memory64 '%s/tests/wasm/%s.wat' -o '%s'", src, name,
           paths[n]);
  if (system(cmd) != 0) {
    fprintf(stderr, "cannot build fixture %s\n", name);
    return NULL;
  }
  return paths[n++];
}

/* An example module built by examples/wasm (in <build>/wasm_components). */
static inline const char *tw_example(const char *name) {
  static char path[16][1024];
  static int k;
  char *p = path[k++ % 16];
  snprintf(p, 1024, "%s/wasm_components/%s.wasm", tw_dir("DW_BUILD_DIR", "."), name);
  return p;
}

/* A pipeline with one wasm processor, built by hand. Options come as
 * key/value pairs of scalars; "capabilities" takes a comma-separated list. */
typedef struct tw_pipe {
  dw_spec spec;
  dw_proc_spec proc;
  dw_val opts;
  dw_val items[8];
  const char *keys[8];
  dw_pos key_pos[8];
  dw_val caps[8];
  char capbuf[8][32];
} tw_pipe;

static inline void tw_init(tw_pipe *t, const char *id, const char *module, ...) {
  memset(t, 0, sizeof *t);
  dw_arena_init(&t->spec.arena);
  t->spec.file = "test.yaml";
  t->spec.fuel_default = 100000000;
  t->spec.fuel_min = 1000000;
  t->spec.fuel_max = 500000000;
  t->spec.max_memory_mb = 64;
  t->spec.timeout_seconds = -1;
  t->spec.nprocs = 1;
  t->spec.procs = &t->proc;
  t->proc.id = id;
  t->proc.type = DW_PTYPE_WASM;
  t->proc.module = module;
  t->proc.module_path = module;
  t->proc.module_pos = (dw_pos){7, 13};
  t->proc.pos = (dw_pos){5, 5};
  t->proc.intent = -1;
  t->proc.timeout_seconds = -1;
  t->proc.retry_attempts = -1;
  t->proc.input_from_idx = -1;
  t->opts.kind = DW_VAL_MAP;
  t->opts.items = t->items;
  t->opts.keys = t->keys;
  t->opts.key_pos = t->key_pos;
  t->opts.pos = (dw_pos){8, 7};
  va_list ap;
  va_start(ap, module);
  const char *k;
  while ((k = va_arg(ap, const char *)) && t->opts.n < 8) {
    const char *v = va_arg(ap, const char *);
    uint32_t i = t->opts.n++;
    t->keys[i] = k;
    t->key_pos[i] = (dw_pos){9 + i, 7};
    dw_val *it = &t->items[i];
    it->pos = (dw_pos){9 + i, 20};
    if (!strcmp(k, "capabilities")) {
      it->kind = DW_VAL_SEQ;
      it->items = t->caps;
      char tmp[256];
      snprintf(tmp, sizeof tmp, "%s", v);
      for (char *c = strtok(tmp, ","); c && it->n < 8; c = strtok(NULL, ",")) {
        snprintf(t->capbuf[it->n], 32, "%s", c);
        t->caps[it->n] = (dw_val){.kind = DW_VAL_SCALAR,
                                  .pos = {9 + i, 21 + it->n},
                                  .str = t->capbuf[it->n],
                                  .len = strlen(c)};
        it->n++;
      }
    } else {
      it->kind = DW_VAL_SCALAR;
      it->str = v;
      it->len = strlen(v);
    }
  }
  va_end(ap);
  t->proc.options = t->opts.n ? &t->opts : NULL;
}

static inline void tw_free(tw_pipe *t) { dw_arena_free(&t->spec.arena); }

/* The diagnostics of dw_wasm_check, formatted one per line into buf. */
static inline int tw_check(tw_pipe *t, char *buf, size_t size, dw_intent *intent) {
  dw_diags *d = dw_diags_new();
  dw_intent in = DW_INTENT_TRANSFORM;
  int n = dw_wasm_check(&t->spec, &t->proc, &in, d);
  if (intent) *intent = in;
  size_t off = 0;
  buf[0] = 0;
  for (size_t i = 0; i < dw_diags_count(d); i++) {
    char line[2048];
    dw_diag_format(dw_diags_get(d, i), line, sizeof line);
    off += (size_t)snprintf(buf + off, off < size ? size - off : 0, "%s\n", line);
  }
  dw_diags_free(d);
  return n;
}

static inline dw_wasm_module *tw_prepare(tw_pipe *t) {
  char err[2048];
  dw_wasm_module *m = dw_wasm_prepare(&t->spec, &t->proc, NULL, err, sizeof err);
  if (!m) fprintf(stderr, "prepare %s: %s\n", t->proc.id, err);
  return m;
}

/* One call; returns the dw_call's result code and keeps the call for
 * inspection (caller clears it). */
static inline int tw_call(dw_wasm_module *m, dw_call *c, const char *id, const char *input,
                          const atomic_int *cancel, uint64_t deadline_ns) {
  dw_call_init(c, id, (const uint8_t *)input, input ? strlen(input) : 0, NULL);
  c->cancel = cancel;
  c->deadline_ns = deadline_ns;
  return dw_wasm_invoke(m, c);
}

static inline const char *tw_md(const dw_call *c, const char *key) {
  for (size_t i = 0; i < c->md_n; i++)
    if (!strcmp(c->md[i].key, key)) return c->md[i].value;
  return NULL;
}

#endif
