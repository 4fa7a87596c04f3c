/* core/engine: the engine object — the processor registry and the worker
 * pool that every run of every pipeline shares. */
#ifndef DW_CORE_ENGINE_H
#define DW_CORE_ENGINE_H

#include <pthread.h>

#include "dagwood/dagwood.h"
#include "exec/pool.h"
#include "util/arena.h"
#include "util/strmap.h"

struct dw_engine {
  pthread_mutex_t reg_mu; /* guards the registry */
  dw_arena reg_arena;     /* copies of names, descriptions, option lists */
  dw_processor_def *defs;
  size_t ndefs, capdefs;
  const char **names; /* defs[i].name, for suggestions */
  dw_strmap by_name;
  dw_pool pool;
  char *cache_dir; /* NULL: the WebAssembly backend's default */
  char hostname[256];
  unsigned cpus; /* online CPUs when the engine was made */
};

/* A copy of the definition registered under name (false if none). */
int dw_engine_lookup(dw_engine *e, const char *name, dw_processor_def *out);

#endif
