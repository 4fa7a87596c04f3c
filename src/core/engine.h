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
  /* The registry: every field from reg_arena to by_name is read and written
   * under reg_mu only. Each definition is a record of its own in reg_arena,
   * never moved or freed before the engine (dw_engine_processor hands out
   * pointers to them); defs and names are arrays of pointers that may
   * move. */
  pthread_mutex_t reg_mu;
  dw_arena reg_arena; /* the records and their names, descriptions, option lists */
  const dw_processor_def **defs;
  size_t ndefs, capdefs;
  const char **names; /* defs[i]->name, for suggestions */
  dw_strmap by_name;
  dw_pool pool;
  char *cache_dir; /* NULL: the WebAssembly backend's default */
  char hostname[256];
  unsigned cpus; /* online CPUs when the engine was made */
};

/* The definition registered under name now, or NULL: a record that stays
 * valid until the engine is freed (a later registration under the same
 * name makes a new record and leaves this one as it was). */
const dw_processor_def *dw_engine_find(dw_engine *e, const char *name);
/* A copy of the registered names (pointers into records that stay valid
 * until the engine is freed), for messages: malloc'd, *n of them; NULL
 * when out of memory (*n is then 0). */
const char **dw_engine_names(dw_engine *e, size_t *n);

#endif
