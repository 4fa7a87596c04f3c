/* core/pipeline: a loaded, validated pipeline, compiled for execution — the
 * spec (as written), its graph, and the plan the executors read: one record
 * per processor in canonical order (rank), with edges as rank arrays. */
#ifndef DW_CORE_PIPELINE_H
#define DW_CORE_PIPELINE_H

#include <pthread.h>
#include <stdatomic.h>

#include "config/spec.h"
#include "dagwood/dagwood.h"
#include "graph/graph.h"

typedef struct dw_wasm_module dw_wasm_module;

typedef struct dw_plan_node {
  const char *id;
  dw_intent intent;
  dw_process_fn fn;
  void *user;
  const dw_val *options;
  double timeout; /* seconds per attempt; <= 0: none */
  uint32_t retries;
  int32_t input_from; /* rank, or -1 */
  uint32_t level, remaining;
  uint32_t pred_off, npred; /* into plan pred[] */
  uint32_t succ_off, nsucc; /* into plan succ[] */
} dw_plan_node;

struct dw_pipeline {
  atomic_uint refs; /* the owner's, plus one per result that points into it */
  dw_engine *engine;
  dw_spec *spec; /* settings, file, ids and options; procs dropped once planned */
  uint32_t n;
  dw_plan_node *nodes; /* by rank */
  uint32_t *pred, *succ;
  uint32_t nlevels;
  uint32_t *level_off, *level_nodes; /* ranks of each level, ascending */
  /* work_queue's priority order: longest remaining path first, then rank */
  uint32_t *wq_pos;      /* rank -> position in that order */
  uint32_t *wq_rank;     /* position -> rank */
  dw_node_info *info;    /* by rank, the public view; deps point into pred */
  dw_wasm_module **wasm; /* by file index, NULL for local processors; NULL if none */
  uint32_t nwasm;        /* entries in wasm */
  dw_graph_shape shape;  /* what hybrid chooses by */
  /* Whether the next run may start on its calling thread alone (exec/run.c,
   * run_new): how many runs there were, and how many attempts of the last
   * one took more than a few µs. A hint, not the value. */
  atomic_uint runs, last_nlong;
  /* spare per-run arrays (exec/state.h) */
  pthread_mutex_t stash_mu;
  struct node_state *stash_ns;
  dw_proc_report *stash_procs;
};

/* hybrid's executor for this pipeline with `workers` workers, and why
 * (static text). */
dw_strategy dw_hybrid_choose(const dw_pipeline *p, unsigned workers, const char **reason);

/* Results keep their pipeline's strings alive; dw_pipeline_free drops the
 * owner's reference. */
dw_pipeline *dw_pipeline_ref(const dw_pipeline *p);
void dw_pipeline_unref(dw_pipeline *p);

#endif
