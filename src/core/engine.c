/* core/engine: engine lifetime and the processor registry. */
#include "core/engine.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "processors/builtins.h"
#include "wasm/compile.h"
#include "wasm/wasm.h"

enum { DW_POOL_CEILING = 256 };

dw_engine *dw_engine_new(const dw_engine_options *opts) {
  dw_engine *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  pthread_mutex_init(&e->reg_mu, NULL);
  dw_arena_init(&e->reg_arena);
  dw_strmap_init(&e->by_name);
  /* The ceiling is an upper bound: threads start only when a run asks for
   * them (its max_concurrency), so processors that block still overlap. */
  unsigned maxt = opts && opts->max_threads ? opts->max_threads : DW_POOL_CEILING;
  if (dw_pool_init(&e->pool, maxt) != 0) goto fail;
  if (opts && opts->cache_dir && !(e->cache_dir = strdup(opts->cache_dir))) goto fail_pool;
  if (gethostname(e->hostname, sizeof e->hostname - 1) != 0) strcpy(e->hostname, "localhost");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  e->cpus = cpus > 0 ? (unsigned)cpus : 1;
  size_t n;
  const dw_processor_def *b = dw_builtin_defs(&n);
  for (size_t i = 0; i < n; i++)
    if (dw_engine_register(e, &b[i]) != 0) goto fail_pool;
  return e;
fail_pool:
  dw_pool_destroy(&e->pool);
fail:
  dw_engine_free(e);
  return NULL;
}

void dw_engine_free(dw_engine *e) {
  if (!e) return;
  if (e->pool.threads) dw_pool_destroy(&e->pool);
  free(e->defs);
  free(e->names);
  dw_strmap_free(&e->by_name);
  dw_arena_free(&e->reg_arena);
  free(e->cache_dir);
  pthread_mutex_destroy(&e->reg_mu);
  free(e);
}

int dw_engine_register(dw_engine *e, const dw_processor_def *def) {
  if (!e || !def || !def->name || !*def->name || !def->process) return -1;
  pthread_mutex_lock(&e->reg_mu);
  int rc = -1;
  /* a record of its own, never moved: see dw_engine_processor */
  dw_processor_def *d = dw_arena_alloc(&e->reg_arena, sizeof *d);
  if (!d) goto out;
  *d = *def;
  d->name = dw_arena_strdup(&e->reg_arena, def->name);
  d->description = def->description ? dw_arena_strdup(&e->reg_arena, def->description) : NULL;
  if (!d->name || (def->description && !d->description)) goto out;
  if (def->options) {
    size_t k = 0;
    while (def->options[k]) k++;
    const char **o = dw_arena_calloc(&e->reg_arena, k + 1, sizeof *o);
    if (!o) goto out;
    for (size_t i = 0; i < k; i++)
      if (!(o[i] = dw_arena_strdup(&e->reg_arena, def->options[i]))) goto out;
    d->options = o;
  }
  uint32_t idx;
  if (dw_strmap_get(&e->by_name, d->name, &idx)) {
    /* replace: the old record stays as it was, for whoever holds it
     * (pipelines loaded earlier keep their own copy) */
    e->defs[idx] = d;
    e->names[idx] = d->name;
    dw_strmap_set(&e->by_name, d->name, idx);
    rc = 0;
    goto out;
  }
  if (e->ndefs == e->capdefs) {
    size_t nc = e->capdefs ? e->capdefs * 2 : 16;
    const dw_processor_def **nd = realloc(e->defs, nc * sizeof *nd);
    if (!nd) goto out;
    e->defs = nd;
    const char **nn = realloc(e->names, nc * sizeof *nn);
    if (!nn) goto out;
    e->names = nn;
    e->capdefs = nc;
  }
  if (dw_strmap_put(&e->by_name, d->name, (uint32_t)e->ndefs, NULL) < 0) goto out;
  e->defs[e->ndefs] = d;
  e->names[e->ndefs] = d->name;
  e->ndefs++;
  rc = 0;
out:
  pthread_mutex_unlock(&e->reg_mu);
  return rc;
}

const dw_processor_def *dw_engine_find(dw_engine *e, const char *name) {
  pthread_mutex_lock(&e->reg_mu);
  uint32_t idx;
  const dw_processor_def *d = dw_strmap_get(&e->by_name, name, &idx) ? e->defs[idx] : NULL;
  pthread_mutex_unlock(&e->reg_mu);
  return d;
}

const char **dw_engine_names(dw_engine *e, size_t *n) {
  pthread_mutex_lock(&e->reg_mu);
  const char **copy = malloc((e->ndefs ? e->ndefs : 1) * sizeof *copy);
  *n = copy ? e->ndefs : 0;
  if (copy && e->ndefs) memcpy(copy, e->names, e->ndefs * sizeof *copy);
  pthread_mutex_unlock(&e->reg_mu);
  return copy;
}

/* The registry lock is not part of the engine's value: the public
 * accessors take a const engine. */
size_t dw_engine_processor_count(const dw_engine *ce) {
  dw_engine *e = (dw_engine *)ce;
  pthread_mutex_lock(&e->reg_mu);
  size_t n = e->ndefs;
  pthread_mutex_unlock(&e->reg_mu);
  return n;
}

const dw_processor_def *dw_engine_processor(const dw_engine *ce, size_t i) {
  dw_engine *e = (dw_engine *)ce;
  pthread_mutex_lock(&e->reg_mu);
  const dw_processor_def *d = i < e->ndefs ? e->defs[i] : NULL;
  pthread_mutex_unlock(&e->reg_mu);
  return d;
}

int dw_engine_cache_list(dw_engine *e,
                         void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                         void *user) {
  return dw_wasm_cache_list(e->cache_dir, fn, user);
}

int dw_engine_cache_clear(dw_engine *e) { return dw_wasm_cache_clear(e->cache_dir); }

int dw_engine_cache_check(dw_engine *e, char *msg, size_t size) {
  return dw_wasm_cache_check(e->cache_dir, msg, size);
}
