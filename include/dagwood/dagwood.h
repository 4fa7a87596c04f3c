/*
 * dagwood — a DAG workflow engine.
 *
 * The public C API: create an engine (processor registry + worker pool), load
 * and validate pipelines (diagnostics are data), run them on an input and read
 * the result. Every type is opaque or a plain view owned by the object it was
 * read from; every function is thread-safe on distinct objects, and an engine
 * may run several pipelines at once. Nothing here prints or exits.
 */
#ifndef DAGWOOD_H
#define DAGWOOD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define DW_VERSION_MAJOR 0
#define DW_VERSION_MINOR 1
#define DW_VERSION_PATCH 0
#define DW_VERSION_STRING "0.1.0"

const char *dw_version(void);

/* ---------------------------------------------------------------- enums */

typedef enum { DW_INTENT_TRANSFORM = 0, DW_INTENT_ANALYZE = 1 } dw_intent;

typedef enum {
  DW_STRATEGY_WORK_QUEUE = 0,
  DW_STRATEGY_LEVEL = 1,
  DW_STRATEGY_REACTIVE = 2,
  DW_STRATEGY_HYBRID = 3
} dw_strategy;

typedef enum {
  DW_FAILURE_FAIL_FAST = 0,
  DW_FAILURE_CONTINUE_ON_ERROR = 1,
  DW_FAILURE_BEST_EFFORT = 2
} dw_failure_strategy;

typedef enum { DW_RUN_SUCCEEDED = 0, DW_RUN_PARTIAL = 1, DW_RUN_FAILED = 2 } dw_run_status;

typedef enum {
  DW_PROC_SUCCEEDED = 0,
  DW_PROC_FAILED = 1,
  DW_PROC_SKIPPED = 2,
  DW_PROC_CANCELLED = 3
} dw_proc_status;

const char *dw_strategy_name(dw_strategy s);
const char *dw_failure_strategy_name(dw_failure_strategy f);
const char *dw_run_status_name(dw_run_status s);
const char *dw_proc_status_name(dw_proc_status s);
const char *dw_intent_name(dw_intent i);

/* Parse a name as written in a pipeline file; 0 on success, -1 if unknown. */
int dw_strategy_parse(const char *name, dw_strategy *out);

/* ---------------------------------------------------------- diagnostics */

typedef enum { DW_SEV_ERROR = 0, DW_SEV_WARNING = 1 } dw_severity;

/* One problem found while loading or validating. Positions are 1-based; 0
 * means "no position" (e.g. the file could not be read at all). */
typedef struct dw_diag {
  dw_severity severity;
  const char *file;
  unsigned line;
  unsigned column;
  const char *message;
  const char *suggestion;   /* "did you mean ..." text, or NULL */
  const char *processor_id; /* the processor concerned, or NULL */
} dw_diag;

typedef struct dw_diags dw_diags;

size_t dw_diags_count(const dw_diags *d);
const dw_diag *dw_diags_get(const dw_diags *d, size_t i);
size_t dw_diags_errors(const dw_diags *d);
/* "FILE:LINE:COL: error: MESSAGE (did you mean 'x'?)" into buf; returns the
 * length it needed, like snprintf. */
int dw_diag_format(const dw_diag *d, char *buf, size_t size);
void dw_diags_free(dw_diags *d);

/* --------------------------------------------------------------- engine */

typedef struct dw_engine dw_engine;

typedef struct dw_engine_options {
  unsigned max_threads;  /* worker pool ceiling; 0: number of online CPUs */
  const char *cache_dir; /* WebAssembly cache; NULL: $DAGWOOD_CACHE_DIR, XDG */
} dw_engine_options;

/* The engine holds the processor registry (the eight built-ins are
 * registered) and the worker pool. NULL only on allocation failure. */
dw_engine *dw_engine_new(const dw_engine_options *opts);
void dw_engine_free(dw_engine *e);

/* The engine's cache of compiled WebAssembly modules (`dagwood cache`):
 * list calls fn once per compiled module (and once per remembered compile
 * failure, a path ending in ".fail") and returns how many compiled modules
 * there are; clear removes them all (failures too) and returns how many
 * modules. -1 on error, including a cache folder that fails the trust
 * checks: dw_engine_cache_check says why. */
int dw_engine_cache_list(dw_engine *e,
                         void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                         void *user);
int dw_engine_cache_clear(dw_engine *e);
/* 0 when the cache folder is fit to use (owned by the effective user, not
 * writable by others, not a link; or not there yet), else -1 with the
 * reason and what to do in msg. */
int dw_engine_cache_check(dw_engine *e, char *msg, size_t size);

/* ----------------------------------------------------------- processors */

/* One invocation of a processor. Valid only during the callback. */
typedef struct dw_call dw_call;

/* Return 0 on success, non-zero after dw_call_fail (a non-zero return without
 * dw_call_fail is reported as error 500). */
typedef int (*dw_process_fn)(dw_call *call, void *user);

typedef struct dw_processor_def {
  const char *name;
  dw_intent intent;
  dw_process_fn process;
  void *user;
  const char *description; /* one line, shown by `dagwood processors` */
  /* Options the processor reads: NULL-terminated list of names. Each is a
   * string-valued option; others are reported as unused (a warning). NULL
   * means "any option is accepted". */
  const char *const *options;
} dw_processor_def;

/* Register (or replace) a processor for `type: local, processor: NAME`.
 * The definition is copied (its strings too). Returns 0, or -1 if the name
 * is empty or memory ran out. Register before loading the pipelines that
 * use it: a pipeline keeps the definition it was loaded with. Safe while
 * other threads load pipelines, run them or list processors. */
int dw_engine_register(dw_engine *e, const dw_processor_def *def);

/* The registered processors, in registration order (the built-ins first).
 * dw_engine_processor returns the engine's copy of the i-th definition, or
 * NULL past the end. The copy stays valid and unchanged until the engine is
 * freed, whatever is registered later: registering a name again puts a new
 * copy at the same index and leaves the old one as it was. Both may be
 * called while another thread registers (the count may then grow between
 * two calls). */
size_t dw_engine_processor_count(const dw_engine *e);
const dw_processor_def *dw_engine_processor(const dw_engine *e, size_t i);

const uint8_t *dw_call_input(const dw_call *c, size_t *len);
const char *dw_call_processor_id(const dw_call *c);
/* An option's value as text (scalars only), or NULL when not set. */
const char *dw_call_option(const dw_call *c, const char *key);
unsigned dw_call_attempt(const dw_call *c); /* 1 for the first attempt */
/* Non-zero once the attempt timed out or the run was cancelled: long-running
 * processors should check it and return. */
int dw_call_cancelled(const dw_call *c);
/* Set the output payload (copied). Analyzers' outputs are ignored. */
int dw_call_set_output(dw_call *c, const void *data, size_t len);
/* A writable output buffer of len bytes owned by the call; shrink it with
 * dw_call_set_output_len. NULL on allocation failure. */
uint8_t *dw_call_output_buffer(dw_call *c, size_t len);
void dw_call_set_output_len(dw_call *c, size_t len);
int dw_call_add_metadata(dw_call *c, const char *key, const char *value);
/* Record a failure (code, printf-style message); returns -1 for `return`. */
int dw_call_fail(dw_call *c, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* ------------------------------------------------------------ pipelines */

typedef struct dw_pipeline dw_pipeline;

typedef struct dw_load_options {
  int strict; /* warnings become errors */
} dw_load_options;

/* Load and validate a pipeline. Returns NULL when there is any error; *diags
 * (if diags is not NULL) receives every error and warning either way, sorted
 * in file order. The pipeline keeps a reference to nothing but the engine,
 * which must outlive it. */
dw_pipeline *dw_pipeline_load_file(dw_engine *e, const char *path, const dw_load_options *opts,
                                   dw_diags **diags);
/* `name` is used as the file name in diagnostics and relative module paths
 * resolve against the working directory. */
dw_pipeline *dw_pipeline_load_string(dw_engine *e, const char *name, const char *yaml, size_t len,
                                     const dw_load_options *opts, dw_diags **diags);
/* Drop the caller's hold on the pipeline. Runs and results hold their own:
 * the pipeline is freed once the last of them is done, so it may be freed
 * while runs of it go on (between dw_run_start and dw_run_wait). */
void dw_pipeline_free(dw_pipeline *p);

/* Inspection: processors in canonical (topological, file-order ties) order. */
typedef struct dw_node_info {
  const char *id;
  const char *type;      /* "local" or "wasm" */
  const char *processor; /* built-in name or module path */
  dw_intent intent;
  unsigned rank;      /* position in canonical order */
  unsigned level;     /* longest-path depth from an entry point */
  unsigned remaining; /* processors on the longest path from here to a sink */
  unsigned line;      /* where it is defined */
  size_t ndeps;
  const unsigned *deps; /* ranks of its dependencies, in file order */
  int input_from;       /* rank of the input_from dependency, or -1 */
} dw_node_info;

const char *dw_pipeline_file(const dw_pipeline *p);
size_t dw_pipeline_count(const dw_pipeline *p);
const dw_node_info *dw_pipeline_node(const dw_pipeline *p, size_t rank);
unsigned dw_pipeline_levels(const dw_pipeline *p);
dw_strategy dw_pipeline_strategy(const dw_pipeline *p);
dw_failure_strategy dw_pipeline_failure_strategy(const dw_pipeline *p);
unsigned dw_pipeline_max_concurrency(const dw_pipeline *p);
/* What `hybrid` chooses for this pipeline with max_concurrency workers (0:
 * the pipeline's own), and why (static text). */
dw_strategy dw_pipeline_hybrid_choice(const dw_pipeline *p, unsigned max_concurrency,
                                      const char **reason);

/* ----------------------------------------------------------------- runs */

/* Which outputs a run keeps (PIPELINES 3.6). DW_KEEP_ALL keeps every
 * processor's output until the result is freed, for a report that shows
 * them all. DW_KEEP_RUN_OUTPUT is for a caller that needs only the run's
 * output (dw_result_output): a processor's output is released, and its
 * bytes given back to the run's memory budget, once every dependent that
 * could take it as input has finished for good and it can no longer be the
 * run's output (it is an analyzer's, or a higher-ranked transform
 * succeeded). Its report then has output NULL and output_released set;
 * statuses, errors and metadata are kept either way, and the run's output
 * is never released. */
typedef enum { DW_KEEP_ALL = 0, DW_KEEP_RUN_OUTPUT = 1 } dw_keep_outputs;

typedef struct dw_run_options {
  int strategy;             /* -1: the pipeline's; else a dw_strategy */
  int failure_strategy;     /* -1: the pipeline's */
  unsigned max_concurrency; /* 0: the pipeline's */
  unsigned retry_base_ms;   /* backoff base; 0: 100 ms. Cap: 30 s */
  uint64_t seed;            /* jitter seed; 0: from the clock */
  const char *hostname;     /* initial_context.hostname; NULL: gethostname */
  int keep_outputs;         /* a dw_keep_outputs; 0 (DW_KEEP_ALL) by default */
} dw_run_options;

void dw_run_options_init(dw_run_options *o);

typedef struct dw_result dw_result;
typedef struct dw_run dw_run;

/* Start a run in the background on the engine's workers; NULL on
 * allocation failure. The input is copied. The run takes its own reference
 * on the pipeline, so the caller may dw_pipeline_free it at once; the engine
 * must outlive the run. Every run must be taken with dw_run_wait. */
dw_run *dw_run_start(dw_engine *e, const dw_pipeline *p, const void *input, size_t len,
                     const dw_run_options *opts);
/* Ask the run to stop: nothing new starts, running WASM calls are
 * interrupted, native processors see dw_call_cancelled(). */
void dw_run_cancel(dw_run *r);
/* Wait for the end and take the result (the run handle is freed). The
 * result holds the pipeline too (its ids and file name). */
dw_result *dw_run_wait(dw_run *r);
/* Start + wait. */
dw_result *dw_pipeline_run(dw_engine *e, const dw_pipeline *p, const void *input, size_t len,
                           const dw_run_options *opts);

typedef struct dw_kv {
  const char *key;
  const char *value;
} dw_kv;

typedef struct dw_proc_report {
  const char *id;
  dw_proc_status status;
  dw_intent intent;
  const uint8_t *output; /* NULL unless succeeded (and kept: output_released) */
  size_t output_len;
  unsigned attempts;
  uint64_t duration_us; /* all attempts, backoff excluded; a processor started straight
                           after another on the same worker may include the engine's
                           bookkeeping between them (tens of ns) */
  uint64_t start_ns;    /* from the run's start, first attempt */
  unsigned thread;      /* worker that ran the last attempt */
  int error_code;       /* 0 when no error */
  const char *error_message;
  const char *reason; /* why skipped or cancelled, else NULL */
  size_t metadata_count;
  const dw_kv *metadata;
  int output_released; /* succeeded, but its output was released (DW_KEEP_RUN_OUTPUT):
                          output is NULL */
} dw_proc_report;

dw_run_status dw_result_status(const dw_result *r);
dw_strategy dw_result_strategy(const dw_result *r);        /* the executor that ran */
const char *dw_result_strategy_reason(const dw_result *r); /* hybrid's why, or NULL */
const uint8_t *dw_result_output(const dw_result *r, size_t *len);
const char *dw_result_config(const dw_result *r);
size_t dw_result_count(const dw_result *r); /* processors, canonical order */
const dw_proc_report *dw_result_processor(const dw_result *r, size_t rank);
/* initial_context metadata (config_file, hostname, input_text). */
size_t dw_result_context_count(const dw_result *r);
const dw_kv *dw_result_context(const dw_result *r);
uint64_t dw_result_duration_us(const dw_result *r);
void dw_result_free(dw_result *r);

/* The report as one line of JSON (PIPELINES section 7): malloc'd, NUL-terminated;
 * NULL when out of memory. Payloads that are not valid UTF-8 appear as null
 * with an "output_base64" field beside them. */
char *dw_result_to_json(const dw_result *r);
/* The same object written to f as it is made, then a newline: for large
 * outputs, no second copy of the whole report in memory. 0, or -1 when out
 * of memory or a write failed (ferror(f) tells which). */
int dw_result_write_json(const dw_result *r, FILE *f);
/* The report as a processor.v1.RunReport protobuf message, malloc'd into
 * *buf. 0, or -1 when out of memory. */
int dw_result_to_protobuf(const dw_result *r, uint8_t **buf, size_t *len);

/* Write the run as Chrome trace-event JSON (opens in Perfetto): one complete
 * event per processor on the worker that ran it. 0, or -1 on a write error. */
int dw_result_write_trace(const dw_result *r, FILE *out);

#ifdef __cplusplus
}
#endif
#endif
