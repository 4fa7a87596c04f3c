/* core/result: what a finished run leaves behind — owned copies of ids,
 * shared references to payloads, metadata handed over by the calls. */
#ifndef DW_CORE_RESULT_H
#define DW_CORE_RESULT_H

#include <pthread.h>
#include <stdatomic.h>

#include "dagwood/dagwood.h"
#include "exec/clock.h"
#include "exec/payload.h"
#include "util/arena.h"

struct node_state;

struct dw_result {
  dw_arena arena;        /* small strings: hostname */
  dw_pipeline *pipeline; /* a reference: ids and the config name live there */
  struct node_state *ns; /* the run's per-processor states, now ours */
  dw_proc_report *procs; /* views into ns, by rank: filled on first use */
  atomic_bool reports_ready;
  pthread_mutex_t reports_mu;
  const dw_tick_rate *rate; /* the states' times are in its ticks */
  size_t n;
  dw_run_status status;
  dw_strategy strategy;
  const char *strategy_reason;
  const char *config;
  dw_payload *input;
  dw_payload *output; /* NULL: empty */
  dw_kv ctx[3];
  uint64_t duration_us;
};

/* Release what the states hold and hand the arrays back to the pipeline
 * (exec/run.c). */
void dw_result_release_states(dw_result *r);

#endif
