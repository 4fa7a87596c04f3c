/* core/call: the state behind the public dw_call — one attempt of one
 * processor. Built-ins, registered C callbacks and the WebAssembly backend
 * all read their input and write their outcome through it. */
#ifndef DW_CORE_CALL_H
#define DW_CORE_CALL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "config/spec.h"
#include "dagwood/dagwood.h"

/* A run's memory budget (PIPELINES 1.2, executor_options.max_run_memory_mb):
 * the bytes of the outputs and metadata the run keeps. exec/run.c charges
 * each attempt's outcome when it is kept; a call looks at it before it
 * allocates an output, so that one huge request fails before it is made. */
typedef struct dw_mem_budget {
  _Atomic uint64_t held; /* bytes kept so far */
  uint64_t limit;        /* bytes */
  uint32_t limit_mb;     /* as written, for messages */
} dw_mem_budget;

/* Would `more` bytes on top of what b holds pass its limit? (a look) */
static inline bool dw_mem_budget_passed(const dw_mem_budget *b, uint64_t more) {
  uint64_t held = atomic_load_explicit(&b->held, memory_order_relaxed);
  return more > b->limit || held > b->limit - more;
}

struct dw_call {
  const char *processor_id;
  const uint8_t *input;
  size_t input_len;
  const dw_val *options; /* map or NULL */
  unsigned attempt;
  const atomic_int *cancel; /* non-zero: stop (timeout, fail_fast, cancel) */
  uint64_t deadline_ns;     /* CLOCK_MONOTONIC deadline of this attempt; 0: none */
  /* outcome */
  uint8_t *out;
  size_t out_len, out_cap;
  bool has_out;
  dw_kv *md; /* keys and values are malloc'd */
  size_t md_n, md_cap;
  int err_code; /* 0: no error recorded */
  char *err_msg;
  bool oom;
  /* the run's memory budget (NULL: none), and whether this call would
   * pass it: over_bytes is what it asked for on top of what the run held */
  dw_mem_budget *budget;
  size_t md_bytes; /* metadata keys and values, as charged to the budget */
  bool over_budget;
  uint64_t over_bytes;
};

/* Inline: it is on every processor's path. Field by field, not memset:
 * gcc turns a clear of this size into `rep stos`, whose start-up cost was
 * a tenth of a no-op processor's scheduling. */
static inline void dw_call_init(dw_call *c, const char *id, const uint8_t *in, size_t len,
                                const dw_val *options) {
  c->processor_id = id;
  c->input = in;
  c->input_len = len;
  c->options = options;
  c->attempt = 1;
  c->cancel = NULL;
  c->deadline_ns = 0;
  c->out = NULL;
  c->out_len = c->out_cap = 0;
  c->has_out = false;
  c->md = NULL;
  c->md_n = c->md_cap = 0;
  c->err_code = 0;
  c->err_msg = NULL;
  c->oom = false;
  c->budget = NULL;
  c->md_bytes = 0;
  c->over_budget = false;
}

/* Free the outcome (output, metadata, error). */
void dw_call_clear(dw_call *c);
/* Hand the output buffer over to the caller (who frees it); the call forgets it. */
uint8_t *dw_call_take_output(dw_call *c, size_t *len);

#endif
