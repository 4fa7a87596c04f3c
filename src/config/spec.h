/* config/spec: the pipeline model as written in the file — every value with
 * the position it came from, so that any later check (graph, registry, WASM
 * module) can report FILE:LINE:COL. Produced by config/loader; read by
 * graph/, core/ and wasm/. The YAML document itself is gone once the spec is
 * made: what the spec keeps (ids, names, options) is copied into spec->arena,
 * and the per-processor records, which only loading needs, can be dropped
 * with dw_spec_drop_procs. */
#ifndef DW_CONFIG_SPEC_H
#define DW_CONFIG_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dagwood/dagwood.h"
#include "util/arena.h"
#include "util/diag.h"

typedef struct dw_pos {
  uint32_t line, col; /* 1-based; 0 = unknown */
} dw_pos;

/* A YAML value kept as data (processor options). Aliases are resolved to the
 * anchored node without copying, so an alias bomb costs nothing. */
typedef enum { DW_VAL_NULL, DW_VAL_SCALAR, DW_VAL_SEQ, DW_VAL_MAP } dw_val_kind;

typedef struct dw_val {
  dw_val_kind kind;
  dw_pos pos;
  const char *str; /* DW_VAL_SCALAR: text, NUL-terminated (may hold NULs: len) */
  size_t len;
  bool quoted;                /* a quoted scalar is always a string */
  uint32_t n;                 /* SEQ / MAP: number of items */
  const struct dw_val *items; /* SEQ / MAP: values */
  const char *const *keys;    /* MAP: keys */
  const dw_pos *key_pos;      /* MAP: positions of keys */
} dw_val;

/* Find a key in a map value; NULL if absent or v is not a map. */
const dw_val *dw_val_get(const dw_val *v, const char *key);

typedef enum { DW_PTYPE_LOCAL, DW_PTYPE_WASM } dw_ptype;

typedef struct dw_proc_spec {
  const char *id;
  const dw_processor_def *def; /* local: the env's definition; NULL if unknown */
  dw_pos pos;                  /* the list item */
  dw_pos id_pos;
  dw_ptype type;
  dw_pos type_pos;
  const char *processor; /* local: built-in / registered name */
  dw_pos processor_pos;
  const char *module; /* wasm: path as written */
  dw_pos module_pos;
  const char *module_path; /* wasm: resolved path (pipeline folder, then cwd) */
  uint32_t ndeps;
  const char **deps; /* as written, duplicates removed */
  const dw_pos *dep_pos;
  uint32_t *dep_idx;     /* index into spec->procs, filled by the loader;
                            DW_SPEC_UNRESOLVED for an unknown id (an error) */
  const dw_val *options; /* map or NULL; a copy in spec->arena */
  int intent;            /* -1: not given; else dw_intent (from intent or options.intent) */
  dw_pos intent_pos;
  double timeout_seconds; /* < 0: not given */
  int retry_attempts;     /* < 0: not given */
  const char *input_from; /* NULL: not given */
  dw_pos input_from_pos;
  int32_t input_from_idx; /* index into spec->procs, -1 if none */
} dw_proc_spec;

/* A WebAssembly call that runs longer than this is stopped, whatever the
 * executor's timeout (wasm.timeout_seconds changes it). */
#define DW_WASM_DEFAULT_TIMEOUT_S 10.0

/* executor_options.max_run_memory_mb when the pipeline gives none. */
#define DW_SPEC_DEFAULT_RUN_MEMORY_MB 1024

typedef struct dw_spec {
  dw_arena arena;       /* what outlives loading: file, ids, names, options */
  dw_arena scratch;     /* depends_on lists: loading only */
  const char *file;     /* as given, for messages */
  const char *base_dir; /* folder of the file, for module paths; NULL: cwd */
  dw_strategy strategy;
  dw_failure_strategy failure;
  uint32_t max_concurrency; /* 0: online CPUs */
  double timeout_seconds;   /* < 0: none */
  uint32_t retry_attempts;
  uint32_t batch_size;
  uint32_t max_run_memory_mb; /* what a run may hold in outputs and metadata */
  uint64_t fuel_default, fuel_min, fuel_max;
  uint32_t max_memory_mb;
  double wasm_timeout_seconds; /* wall-clock cap of one WebAssembly call */
  uint32_t nprocs;
  dw_proc_spec *procs; /* file order; malloc'd */
} dw_spec;

/* What the loader needs to know about registered processors. */
typedef struct dw_spec_env {
  /* Look a local processor name up: non-NULL definition if known. */
  const dw_processor_def *(*lookup)(void *ctx, const char *name);
  void *ctx;
  const char *const *names; /* all registered names, for messages */
  size_t nnames;
  bool strict; /* warnings are errors (dw_load_options.strict): worded as such */
} dw_spec_env;

/* Parse and validate everything that does not need the graph: syntax, types,
 * required keys, enums, duplicates, unknown dependencies, processor names,
 * options, input_from, fuel bounds. Returns the spec (possibly with errors
 * recorded in diags) or NULL if the document could not be read at all.
 * `file` is the label for messages; `base_dir` the folder for module paths. */
dw_spec *dw_spec_parse(const char *file, const char *base_dir, const char *data, size_t len,
                       const dw_spec_env *env, dw_diags *diags);
void dw_spec_free(dw_spec *s);
/* Free the per-processor records (procs, their depends_on lists) once they
 * have been turned into a plan; ids, names and options stay in s->arena. */
void dw_spec_drop_procs(dw_spec *s);

/* Limits that keep hostile files bounded. */
enum {
  DW_SPEC_MAX_BYTES = 64 << 20, /* a pipeline file larger than this is refused */
  DW_SPEC_MAX_DEPTH = 64,       /* nesting deeper than this is an error */
  DW_SPEC_MAX_NODES = 1 << 22   /* more YAML values than this: refused */
};

/* dep_idx entry of a depends_on id that names no processor (an error has
 * been reported for it). */
#define DW_SPEC_UNRESOLVED UINT32_MAX

#endif
