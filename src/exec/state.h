/* exec/state: what a run knows about one processor. The run's scheduler
 * writes it; when the run ends the array is handed to the result, which
 * reads its outputs, metadata and errors in place (no copies). */
#ifndef DW_EXEC_STATE_H
#define DW_EXEC_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dagwood/dagwood.h"
#include "exec/payload.h"

typedef struct node_state {
  /* scheduling: dependencies resolved so far (low 32 bits; ready at
   * npred) and how many of them succeeded (high 32 bits) — one word, so
   * that the reactive executor counts both with one atomic add */
  _Atomic uint64_t deps;
  uint8_t state;
  uint8_t status; /* dw_proc_status once NS_DONE */
  bool timed_out;
  /* DW_KEEP_RUN_OUTPUT (PIPELINES 3.6): out_ref, an analyzer holds a
   * reference of its own on out; released, its output was released */
  bool out_ref, released;
  uint32_t attempts;
  atomic_int cancel;
  /* The output. A transform owns its payload (producer == its own rank);
   * an analyzer's is borrowed from the dependency that fed it, which
   * outlives it (all states are released together), so passing a payload
   * on costs no reference count — except under DW_KEEP_RUN_OUTPUT, where
   * outputs are released during the run and an analyzer takes a reference
   * (out_ref). */
  dw_payload *out;
  int32_t producer; /* rank of the transform whose payload out is; -1: input */
  /* DW_KEEP_RUN_OUTPUT, once it succeeded: what still holds its output —
   * dependents that may take it and have not resolved, plus one while a
   * transform may still be the run's output (exec/run.c, keep_resolved) */
  _Atomic uint32_t holds;
  /* outcome */
  dw_kv *md; /* malloc'd keys and values */
  size_t md_n;
  int err_code;
  char *err_msg;
  const char *reason;
  uint64_t start_ns, dur_ns;
  unsigned thread;
} node_state;

/* Whether state i owns its payload (see out above). */
static inline bool dw_state_owns_out(const node_state *s, uint32_t i) {
  return s->producer == (int32_t)i || s->out_ref;
}

/* Free what the states own (payloads, metadata, messages) and the array. */
void dw_states_free(node_state *ns, uint32_t n);

/* The per-run arrays of a pipeline (states, reports) are kept for the next
 * run of the same pipeline when a result is freed: a fresh multi-megabyte
 * array costs a page fault per 4 KiB, more than the run itself at 100 000
 * processors. One spare of each is kept. */
struct dw_pipeline;
struct dw_proc_report;
node_state *dw_stash_take_states(struct dw_pipeline *p);      /* zeroed, or NULL */
dw_proc_report *dw_stash_take_reports(struct dw_pipeline *p); /* or NULL */
/* Give the arrays back (their contents already released, the states
 * zeroed: that is done when a result is freed, not when the next run
 * starts); frees what does not fit. */
void dw_stash_give(struct dw_pipeline *p, node_state *ns, dw_proc_report *procs);

#endif
