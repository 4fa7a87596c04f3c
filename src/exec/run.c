/* exec/run: one run of a pipeline — the scheduler core that the four
 * executors share, and the data-flow rules of PIPELINES sections 3 and 4.
 *
 * A run has k workers (k = max_concurrency, at most the processor count):
 * pool threads and, for dw_pipeline_run, the calling thread. The executors
 * differ in how a ready processor is picked:
 *   work_queue  ready processors by priority — longest remaining path first,
 *               then rank — in a hierarchical bitset (exec/bitq.h);
 *   level       one bucket per level, and a level opens only when every
 *               processor of the one before it has resolved (a barrier);
 *   reactive    a finishing worker keeps the first dependent it released and
 *               pushes the others on its own deque; idle workers steal;
 *   hybrid      one of the three, chosen from the graph's shape and the
 *               number of workers (core/pipeline.c, dw_hybrid_choose).
 *
 * This file holds what they share: the rules — resolving a processor and
 * releasing its dependents, attempts, retries, timeouts, fail_fast and
 * cancels — and a run's life from start to result. The worker loops are
 * apart: exec/run_queue.c for work_queue and level, whose workers share one
 * lock per run, and exec/run_steal.c for reactive, which takes no lock on
 * its common path. The run and worker records are in exec/run_int.h.
 *
 * Determinism: which dependency feeds a processor, what it outputs, and its
 * status depend only on the pipeline, the input and the processors, never on
 * timing (PIPELINES 3). fail_fast stops at the first failure in canonical
 * order: processors ranked before the lowest-ranked failure still run, as if
 * run one at a time; nothing ranked after it starts any more, and what was
 * running is stopped and discarded (`cancelled`). The one thing timing
 * decides: a processor ranked after it that had already succeeded when the
 * failure came keeps its result (PIPELINES 4.2).
 *
 * Memory: the outputs and metadata a run keeps are charged to its budget
 * (executor_options.max_run_memory_mb, PIPELINES 3.6); an attempt that would
 * pass it fails. A run asked for its output alone (DW_KEEP_RUN_OUTPUT)
 * releases each output once nothing can need it, and gives its bytes back
 * (keep_resolved). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/engine.h"
#include "core/result.h"
#include "exec/fence.h"
#include "exec/pool.h"
#include "exec/run_int.h"

/* ---------------------------------------------------------- resolution */

/* Under the lock: the last processor resolved. */
void dw_sched_finish_run(dw_run *r) {
  r->finished = true;
  atomic_store_explicit(&r->done_pub, true, memory_order_seq_cst);
  atomic_fetch_add_explicit(&r->epoch, 1, memory_order_relaxed);
  pthread_cond_broadcast(&r->cv);
  pthread_cond_broadcast(&r->done_cv);
}

/* An idle worker spins a while (without the lock) before it sleeps: a
 * futex sleep and wake-up cost microseconds, while in a graph with some
 * width the next ready processor is usually a few hundred nanoseconds
 * away. Returns true when work may be there (or the run finished). */
bool dw_sched_spin(dw_run *r, bool (*seen_work)(dw_run *)) {
  /* one spinner is enough to take the next hand-off; more would only take
   * CPU time from the workers that run processors */
  if (atomic_fetch_add_explicit(&r->nspinning, 1, memory_order_relaxed) != 0) {
    atomic_fetch_sub_explicit(&r->nspinning, 1, memory_order_relaxed);
    return false;
  }
  bool seen = false;
  uint64_t t0 = dw_ticks(r->rate);
  uint64_t budget = r->rate->tsc ? (uint64_t)(SPIN_NS * r->rate->per_ns) : SPIN_NS;
  for (unsigned i = 1;; i++) {
    if (seen_work(r)) {
      seen = true;
      break;
    }
#if defined(__x86_64__)
    _mm_pause(); /* x86intrin.h, through exec/clock.h */
#endif
    if (i % 64 == 0 && dw_ticks(r->rate) - t0 > budget) break;
  }
  atomic_fetch_sub_explicit(&r->nspinning, 1, memory_order_relaxed);
  return seen;
}

/* ---------------------------------------------------- releasing outputs */

/* DW_KEEP_RUN_OUTPUT (PIPELINES 3.6): the caller needs only the run's
 * output, so a processor's output is released once nothing can need it:
 * every dependent that may take it as input has resolved (for good: a
 * retry takes its input again), and it cannot become the run's output — it
 * is an analyzer's, or a higher-ranked transform succeeded. Each processor
 * that succeeded counts what holds its output (node_state.holds); the
 * resolution of a dependent drops one, and a transform holds one more
 * while it is the highest-ranked that succeeded so far (dw_run.top). All of
 * it happens in dw_sched_resolve, where dependents are resolved anyway, and
 * only the free of a buffer waits until the worker holds no lock. */

/* Whether z may take dependency d's output as its input (choose_input):
 * z names d or nothing in input_from, or best_effort falls back to d when
 * the one it names failed. */
static inline bool keep_feeds(const dw_run *r, const dw_plan_node *zn, uint32_t d) {
  return zn->input_from < 0 || zn->input_from == (int32_t)d || r->failure == DW_FAILURE_BEST_EFFORT;
}

/* Nothing holds x's output any more: drop the state's reference. The one
 * that drops the last gives the bytes back to the run's budget at once
 * and frees the buffer once it holds no lock (worker w's keep_flush), or
 * at once when there is no worker (a cancel, under the lock, rarely). */
static void keep_release(dw_run *r, uint32_t x, worker *w) {
  node_state *s = &r->ns[x];
  dw_payload *p = s->out;
  bool own = dw_state_owns_out(s, x); /* else the run's input, which stays */
  s->out = NULL;
  s->out_ref = false;
  s->released = true;
  if (!own || !dw_payload_drop(p)) return;
  budget_give(&r->mem, p->len);
  if (w && w->ngc == w->gccap) {
    uint32_t nc = w->gccap ? w->gccap * 2 : 16;
    dw_payload **ng = realloc(w->gc, nc * sizeof *ng);
    if (ng) w->gc = ng, w->gccap = nc;
  }
  if (w && w->ngc < w->gccap)
    w->gc[w->ngc++] = p;
  else
    dw_payload_free(p);
}

static void keep_unhold(dw_run *r, uint32_t x, worker *w) {
  if (atomic_fetch_sub_explicit(&r->ns[x].holds, 1, memory_order_acq_rel) == 1)
    keep_release(r, x, w);
}

/* y has resolved (dw_sched_resolve, before its dependents are released).
 * It no longer holds the outputs of the dependencies that may have fed it.
 * If it succeeded, count what holds its own: the dependents that may take
 * it, one while it may be the run's output (a transform), and one for
 * here. An analyzer's output was borrowed from the dependency that fed it
 * (node_state.out): it takes a reference of its own first, since that
 * dependency may now release. */
static void keep_resolved(dw_run *r, uint32_t y, worker *w) {
  const dw_pipeline *p = r->p;
  const dw_plan_node *yn = &p->nodes[y];
  node_state *s = &r->ns[y];
  bool ok = s->status == DW_PROC_SUCCEEDED;
  bool transform = yn->intent == DW_INTENT_TRANSFORM;
  if (ok && !transform && s->producer >= 0 && s->out) {
    dw_payload_ref(s->out);
    s->out_ref = true;
  }
  for (uint32_t k = 0; k < yn->npred; k++) {
    uint32_t d = p->pred[yn->pred_off + k];
    if (r->ns[d].status == DW_PROC_SUCCEEDED && keep_feeds(r, yn, d)) keep_unhold(r, d, w);
  }
  if (!ok) return;
  uint32_t holds = 1 + transform;
  for (uint32_t i = 0; i < yn->nsucc; i++)
    holds += keep_feeds(r, &p->nodes[p->succ[yn->succ_off + i]], y);
  atomic_store_explicit(&s->holds, holds, memory_order_relaxed);
  if (transform) {
    /* the run's output is the highest-ranked transform that succeeded
     * (PIPELINES 3.4): y takes the top or stays below it, and whichever it
     * is, the lower of the two can no longer be the output. Each transform
     * is passed once, by the one whose exchange passed it. */
    int32_t top = atomic_load_explicit(&r->top, memory_order_acquire);
    while (top < (int32_t)y &&
           !atomic_compare_exchange_weak_explicit(&r->top, &top, (int32_t)y, memory_order_acq_rel,
                                                  memory_order_acquire)) {
    }
    if (top > (int32_t)y)
      keep_unhold(r, y, w);
    else if (top >= 0)
      keep_unhold(r, (uint32_t)top, w);
  }
  keep_unhold(r, y, w);
}

/* Resolve x and release its dependents, iteratively: dependents that
 * cannot run (skipped, cancelled) are resolved in the same sweep, the
 * others are made runnable. work_queue and level: under the lock. reactive:
 * by the worker w that ran x (w is NULL only when no worker could start);
 * with several workers the dependency counts are atomic, so exactly one
 * resolver of a processor's dependencies sees its last one resolve. */
void dw_sched_resolve(dw_run *r, uint32_t x, dw_proc_status st, const char *reason, worker *w) {
  const dw_pipeline *p = r->p;
  bool steal = r->steal;
  bool keep = r->keep_run_output;
  /* n entries, since each node is resolved once; reactive resolves in
   * several threads at once: one list per worker, and one for under the
   * lock (see run_new) */
  uint32_t *work_list = r->work_list + (size_t)(w ? w->slot : r->k) * (steal ? r->n : 0);
  size_t nwork = 0;
  node_state *s = &r->ns[x];
  s->state = NS_DONE;
  s->status = (uint8_t)st;
  if (reason && !s->reason) s->reason = reason;
  work_list[nwork++] = x;
  while (nwork) {
    uint32_t y = work_list[--nwork];
    bool ok = r->ns[y].status == DW_PROC_SUCCEEDED;
    if (__builtin_expect(keep, 0)) keep_resolved(r, y, w); /* before y's dependents can run */
    if (!steal) {
      r->unresolved--;
      r->nok += ok;
      if (r->strategy == DW_STRATEGY_LEVEL) r->level_left[p->nodes[y].level]--;
    } else if (w) {
      w->nres++;
      w->nok += ok;
    } else {
      atomic_fetch_add_explicit(&r->oks, ok, memory_order_relaxed);
      if (atomic_fetch_sub_explicit(&r->left, 1, memory_order_acq_rel) == 1) dw_sched_finish_run(r);
    }
    const dw_plan_node *pn = &p->nodes[y];
    uint64_t inc = 1 | (uint64_t)ok << 32;
    /* a queue gets the dependents in order; reactive in reverse, so that
     * the lowest rank is the one its worker keeps */
    for (uint32_t i = 0; i < pn->nsucc; i++) {
      uint32_t z = p->succ[pn->succ_off + (steal ? pn->nsucc - 1 - i : i)];
      node_state *t = &r->ns[z];
      const dw_plan_node *zn = &p->nodes[z];
      uint64_t deps;
      if (!steal) {
        deps = atomic_load_explicit(&t->deps, memory_order_relaxed) + inc;
        atomic_store_explicit(&t->deps, deps, memory_order_relaxed);
      } else if (zn->npred == 1) {
        deps = inc; /* its only dependency: nobody else counts it */
      } else if (r->k == 1 || atomic_load_explicit(&r->solo, memory_order_relaxed)) {
        /* one worker, the only thread that resolves (see dw_run_cancel) */
        deps = atomic_load_explicit(&t->deps, memory_order_relaxed) + inc;
        atomic_store_explicit(&t->deps, deps, memory_order_relaxed);
      } else {
        deps = atomic_fetch_add_explicit(&t->deps, inc, memory_order_acq_rel) + inc;
      }
      if ((uint32_t)deps != zn->npred) continue;
      uint32_t ok_deps = (uint32_t)(deps >> 32);
      const char *why = NULL;
      dw_proc_status zst = DW_PROC_CANCELLED;
      if (cancelled(r)) {
        why = REASON_CANCEL;
      } else if (r->failure == DW_FAILURE_FAIL_FAST && (z > horizon(r) || ok_deps < zn->npred)) {
        why = REASON_FAIL_FAST; /* (a dependency that did not succeed is past the horizon) */
      } else if (r->failure == DW_FAILURE_CONTINUE_ON_ERROR && ok_deps < zn->npred) {
        zst = DW_PROC_SKIPPED, why = "a dependency did not succeed";
      } else if (r->failure == DW_FAILURE_BEST_EFFORT && ok_deps == 0) {
        zst = DW_PROC_SKIPPED, why = "no dependency succeeded";
      } else {
        t->state = NS_READY;
        if ((steal ? steal_push(r, w, z) : dw_queue_push(r, z)) == 0) continue;
        zst = DW_PROC_FAILED, why = "out of memory queueing the processor";
        t->err_code = 500;
      }
      t->state = NS_DONE;
      t->status = (uint8_t)zst;
      t->reason = why;
      work_list[nwork++] = z;
    }
  }
  if (!steal && r->unresolved == 0) dw_sched_finish_run(r);
}

/* Under the lock, once a cancel or a lower fail_fast horizon is set: raise
 * the cancel flag of every processor that may be running now and is ranked
 * after `after` (-1: all). Those not started yet look at the gate before
 * they start (exec/run_queue.c, exec/run_steal.c). */
static void stop_running(dw_run *r, int64_t after) {
  if (r->steal) {
    /* a worker publishes its processor, then looks at the gate: it sees
     * the new one or is seen here */
    dw_fence_heavy();
    for (unsigned i = 0; i < r->k; i++) {
      uint32_t y = atomic_load_explicit(&r->current[i].x, memory_order_seq_cst);
      if (y != NO_PROC && y > after)
        atomic_store_explicit(&r->ns[y].cancel, 1, memory_order_release);
    }
    return;
  }
  for (unsigned i = 0; i < r->k; i++) {
    const batch_slot *b = &r->bslot[i];
    uint32_t end = atomic_load_explicit(&b->end, memory_order_relaxed); /* ours: the lock */
    for (uint32_t j = 0; j < end; j++) {
      uint32_t y = b->items[j];
      if (y > after) atomic_store_explicit(&r->ns[y].cancel, 1, memory_order_release);
    }
  }
}

/* Lower the fail_fast horizon to rank x (under the lock): processors ranked
 * after it will not start, running ones are asked to stop, waiting retries
 * are dropped. */
static void fail_fast_at(dw_run *r, uint32_t x, worker *w) {
  if (x >= horizon(r)) return;
  atomic_store_explicit(&r->fail_rank, x, memory_order_seq_cst);
  stop_running(r, x);
  for (size_t i = r->rwait.n; i-- > 0;) {
    uint32_t y = r->rwait.v[i];
    if (y <= x) continue;
    stack_remove(&r->rwait, y);
    dw_sched_resolve(r, y, DW_PROC_CANCELLED, REASON_FAIL_FAST, w);
  }
}

/* The dependency whose output feeds x (PIPELINES 3): input_from if it succeeded,
 * else the one carrying the payload of the highest-ranked transform; -1 for
 * the run's input. Reads only resolved dependencies, so it needs no lock. */
static int32_t choose_input(const dw_run *r, uint32_t x) {
  const dw_plan_node *pn = &r->p->nodes[x];
  if (pn->npred == 0) return -1;
  if (pn->input_from >= 0 && r->ns[pn->input_from].status == DW_PROC_SUCCEEDED)
    return pn->input_from;
  int32_t best = -1;
  for (uint32_t k = 0; k < pn->npred; k++) {
    uint32_t d = r->p->pred[pn->pred_off + k];
    if (r->ns[d].status == DW_PROC_SUCCEEDED &&
        (best < 0 || r->ns[d].producer > r->ns[best].producer))
      best = (int32_t)d;
  }
  return best;
}

static void deadline_cb(void *owner, uint32_t x, uint32_t attempt) {
  dw_run *r = owner;
  pthread_mutex_lock(&r->mu);
  node_state *s = r->finished ? NULL : &r->ns[x]; /* finished: states may be the result's */
  if (s && s->state == NS_RUNNING && s->attempts == attempt) {
    s->timed_out = true;
    atomic_store(&s->cancel, 1);
  }
  pthread_mutex_unlock(&r->mu);
}

/* Under the lock: x's back-off is over (or its timer could not be armed):
 * queue it again — for worker w, or with w NULL for any. */
void dw_sched_requeue(dw_run *r, uint32_t x, worker *w) {
  node_state *s = &r->ns[x];
  if (r->finished || s->state != NS_RETRY_WAIT) return; /* cancelled meanwhile */
  stack_remove(&r->rwait, x);
  s->state = NS_READY;
  if ((r->steal ? steal_push(r, w, x) : dw_queue_push(r, x)) != 0)
    dw_sched_resolve(r, x, DW_PROC_FAILED, "out of memory queueing a retry", w);
}

void dw_sched_retry_cb(void *owner, uint32_t x, uint32_t unused) {
  (void)unused;
  dw_run *r = owner;
  pthread_mutex_lock(&r->mu);
  dw_sched_requeue(r, x, NULL);
  if (!r->steal) {
    dw_queue_wake(r, 0);
    dw_queue_publish(r);
  }
  pthread_mutex_unlock(&r->mu);
}

/* Exponential back-off with jitter: base * 2^(attempt-1), capped, times a
 * factor in [0.5, 1). xorshift under the run lock: deterministic per seed. */
static uint64_t backoff_ns(dw_run *r, uint32_t attempt) {
  uint64_t d = r->retry_base_ns;
  for (uint32_t i = 1; i < attempt && d < (uint64_t)RETRY_CAP_MS * 1000000ull; i++) d *= 2;
  if (d > (uint64_t)RETRY_CAP_MS * 1000000ull) d = (uint64_t)RETRY_CAP_MS * 1000000ull;
  r->rng ^= r->rng << 13;
  r->rng ^= r->rng >> 7;
  r->rng ^= r->rng << 17;
  return d / 2 + (r->rng % (d / 2 + 1));
}

void dw_sched_run_attempt(dw_run *r, uint32_t x, worker_clock *wc, attempt_out *o, bool *armed) {
  const dw_plan_node *pn = &r->p->nodes[x];
  node_state *s = &r->ns[x];
  o->from = choose_input(r, x);
  o->in = o->from >= 0 ? r->ns[o->from].out : r->input;
  dw_call *c = &o->call;
  dw_call_init(c, pn->id, o->in ? o->in->data : NULL, o->in ? o->in->len : 0, pn->options);
  c->attempt = s->attempts;
  c->cancel = &s->cancel;
  c->budget = &r->mem;
  o->t_start = wc->fresh ? wc->last : dw_ticks(r->rate);
  if (s->attempts == 1) s->start_ns = o->t_start - r->t0_ticks; /* ticks until the result */
  if (pn->timeout > 0) {
    c->deadline_ns = dw_now_ns() + (uint64_t)(pn->timeout * 1e9);
    dw_timer_add(&r->engine->pool, c->deadline_ns, deadline_cb, r, x, s->attempts);
    *armed = true;
  }
  /* solo: tell the watch (dw_sched_recruit) when this worker is inside an
   * attempt, during which others would wait */
  bool watched = atomic_load_explicit(&r->solo, memory_order_relaxed);
  if (__builtin_expect(watched, 0)) solo_mark(r, true);
  int rc = pn->fn(c, pn->user);
  if (__builtin_expect(watched, 0)) solo_mark(r, false);
  o->t_end = wc->last = dw_ticks(r->rate);
  wc->fresh = true;
  o->failed = rc != 0 || c->oom; /* (a call over the memory budget is oom too) */
}

/* What can be done of an attempt's outcome before taking the lock: the
 * clock, the output payload, what a failed attempt left behind. x is
 * NS_RUNNING and this worker's: only it writes these fields, and nobody
 * reads them before x resolves (under the lock). s->timed_out, which a
 * deadline timer sets under the lock, is left to dw_sched_finish_attempt. */
void dw_sched_prepare_outcome(dw_run *r, uint32_t x, unsigned slot, attempt_out *o) {
  const dw_plan_node *pn = &r->p->nodes[x];
  node_state *s = &r->ns[x];
  dw_call *c = &o->call;
  s->dur_ns += o->t_end - o->t_start; /* ticks until the result */
  s->thread = slot;
  bool late = c->deadline_ns && dw_now_ns() > c->deadline_ns;
  o->late = late;
  if (s->err_msg) {
    free(s->err_msg);
    s->err_msg = NULL;
  }
  s->err_code = 0;
  o->out = NULL;
  o->producer = -1;
  o->held = 0;
  /* (the local, not o->late: one wide load of both fields just stored
   * stalls on store forwarding) */
  if (o->failed || late) return;
  /* what is kept is charged to the run's memory budget: a transform's own
   * payload (an analyzer's is its producer's, charged already) and the
   * metadata */
  uint64_t bytes = c->md_bytes;
  if (pn->intent == DW_INTENT_TRANSFORM) {
    size_t len;
    uint8_t *buf = dw_call_take_output(c, &len);
    /* an empty output needs no buffer: NULL is the empty payload */
    o->out = len ? dw_payload_adopt(buf, len) : (free(buf), NULL);
    o->producer = (int32_t)x;
    if (len && !o->out) c->oom = true;
    bytes += len;
  } else {
    o->out = o->in; /* borrowed: see node_state.out */
    o->producer = o->from >= 0 ? r->ns[o->from].producer : -1;
  }
  if (bytes && !c->oom) {
    if (budget_take(&r->mem, bytes)) {
      o->held = bytes;
    } else {
      c->over_budget = c->oom = true; /* (oom: the attempt failed) */
      c->over_bytes = bytes;
    }
  }
  if (c->oom) {
    if (o->producer == (int32_t)x) dw_payload_unref(o->out);
    o->out = NULL;
    o->failed = 1;
  }
}

/* The error of an attempt that the run's memory budget refused: what it
 * asked for, what the run held, the limit and the key that sets it. */
char *budget_message(const dw_mem_budget *b, uint64_t wanted) {
  char buf[400];
  double mib = 1024.0 * 1024.0;
  uint64_t held = atomic_load_explicit(&b->held, memory_order_relaxed);
  snprintf(buf, sizeof buf,
           "run memory limit reached: keeping this output and its metadata (%.1f MiB) would take "
           "what the run holds (%.1f MiB of outputs and metadata) past "
           "executor_options.max_run_memory_mb = %u (MiB); raise it in the pipeline if the run "
           "really needs more",
           (double)wanted / mib, (double)held / mib, (unsigned)b->limit_mb);
  return strdup(buf);
}

/* Record an attempt's outcome (under the lock), prepared by
 * dw_sched_prepare_outcome. Returns the back-off in ns when a retry must be
 * scheduled (the caller does it outside the lock). A successful attempt's
 * call is left for the caller to clear outside the lock. */
uint64_t dw_sched_finish_attempt(dw_run *r, uint32_t x, worker *w, attempt_out *o) {
  const dw_plan_node *pn = &r->p->nodes[x];
  node_state *s = &r->ns[x];
  dw_call *c = &o->call;
  bool timed_out = s->timed_out || o->late;
  s->timed_out = false;
  if (!o->failed && !timed_out) {
    if (r->failure == DW_FAILURE_FAIL_FAST && x > horizon(r)) {
      /* it succeeded, but only once an earlier-ranked processor had
       * failed: discarded (a result that succeeded before is kept) */
      budget_give(&r->mem, o->held);
      if (o->producer == (int32_t)x) dw_payload_unref(o->out);
      o->out = NULL;
      o->to_clear = true; /* its metadata */
      dw_sched_resolve(r, x, DW_PROC_CANCELLED, REASON_FAIL_FAST, w);
      return 0;
    }
    s->out = o->out;
    s->producer = o->producer;
    s->md = c->md;
    s->md_n = c->md_n;
    c->md = NULL;
    c->md_n = 0;
    o->to_clear = true;
    dw_sched_resolve(r, x, DW_PROC_SUCCEEDED, NULL, w);
    return 0;
  }
  budget_give(&r->mem, o->held);
  if (o->producer == (int32_t)x) dw_payload_unref(o->out); /* timed out after all: dropped */
  o->out = NULL;
  /* a failed attempt: say why */
  if (timed_out) {
    s->err_code = 504;
    char buf[160];
    snprintf(buf, sizeof buf, "timed out after %g s (attempt %u of %u)", pn->timeout, s->attempts,
             pn->retries + 1);
    s->err_msg = strdup(buf);
  } else if (c->over_budget) {
    /* (before a processor's own "out of memory": the budget refused it) */
    s->err_code = 507;
    s->err_msg = budget_message(&r->mem, c->over_bytes);
  } else if (c->oom) {
    s->err_code = 500;
    s->err_msg = strdup("out of memory");
  } else {
    s->err_code = c->err_code ? c->err_code : 500;
    s->err_msg = strdup(c->err_msg ? c->err_msg : "processor failed without a message");
  }
  bool over_budget = c->over_budget;
  dw_call_clear(c);
  if (gated(r, x)) {
    dw_sched_resolve(r, x, DW_PROC_CANCELLED, gate_reason(r), w);
    return 0;
  }
  /* (reactive: room for every processor on the list that brings retries
   * back, so that putting one there cannot fail). The memory budget is not
   * retried: what the run holds does not shrink while it runs. */
  if (s->attempts <= pn->retries && !over_budget &&
      (!r->steal || stack_reserve(&r->inject, r->n) == 0) && stack_push(&r->rwait, x) == 0) {
    s->state = NS_RETRY_WAIT;
    return backoff_ns(r, s->attempts);
  }
  /* fail_fast: the horizon first, so that no dependent of x is released
   * below it (reactive's workers take what resolve releases at once) */
  if (r->failure == DW_FAILURE_FAIL_FAST) fail_fast_at(r, x, w);
  dw_sched_resolve(r, x, DW_PROC_FAILED, NULL, w);
  return 0;
}

/* -------------------------------------------------------------- workers */

static void run_unref(dw_run *r);

static void take_part(dw_run *r, unsigned slot) {
  if (r->steal)
    dw_steal_work(r, slot);
  else
    dw_queue_work(r, slot);
}

static void pool_job(void *arg, unsigned worker) {
  (void)worker;
  dw_run *r = arg;
  unsigned slot = atomic_fetch_add(&r->next_slot, 1);
  if (slot < r->k) take_part(r, slot);
  run_unref(r);
}

/* ------------------------------------------------------------ lifetime */

/* Release what the states own, keeping the array. */
static void states_clear(node_state *ns, uint32_t n) {
  for (uint32_t i = 0; ns && i < n; i++) {
    node_state *s = &ns[i];
    if (dw_state_owns_out(s, i)) dw_payload_unref(s->out);
    for (size_t k = 0; k < s->md_n; k++) {
      free((char *)s->md[k].key);
      free((char *)s->md[k].value);
    }
    free(s->md);
    free(s->err_msg);
  }
}

void dw_states_free(node_state *ns, uint32_t n) {
  states_clear(ns, n);
  free(ns);
}

void dw_result_release_states(dw_result *res) {
  states_clear(res->ns, (uint32_t)res->n);
  if (res->ns) memset(res->ns, 0, (res->n ? res->n : 1) * sizeof *res->ns);
  dw_stash_give(res->pipeline, res->ns, res->procs);
  res->ns = NULL;
  res->procs = NULL;
}

static void run_free(dw_run *r) {
  dw_states_free(r->ns, r->n); /* NULL once a result took them */
  dw_pipeline_unref((dw_pipeline *)r->p);
  if (r->dq)
    for (unsigned i = 0; i < r->k; i++) dw_deque_free(&r->dq[i]);
  free(r->dq);
  free(r->current);
  free(r->inject.v);
  free(r->rwait.v);
  free(r->retryq.v);
  free(r->work_list);
  free(r->bslot);
  dw_bitq_free(&r->ready);
  free(r->bucket);
  free(r->bucket_fill);
  free(r->bucket_take);
  free(r->level_left);
  dw_payload_unref(r->input);
  pthread_mutex_destroy(&r->mu);
  pthread_cond_destroy(&r->cv);
  pthread_cond_destroy(&r->done_cv);
  free(r);
}

static void run_unref(dw_run *r) {
  if (atomic_fetch_sub_explicit(&r->refs, 1, memory_order_acq_rel) == 1) run_free(r);
}

void dw_run_options_init(dw_run_options *o) {
  memset(o, 0, sizeof *o);
  o->strategy = -1;
  o->failure_strategy = -1;
}

/* dw_pipeline_run's solo start (see run_new) */
enum { SOLO_ATTEMPT_NS = 25000, JOIN_NS = 100000, WATCH_NS = 2 * JOIN_NS };

/* caller: the calling thread will be worker 0 (dw_pipeline_run). */
static dw_run *run_new(dw_engine *e, const dw_pipeline *p, const void *input, size_t len,
                       const dw_run_options *opts, bool caller) {
  dw_run_options defaults;
  if (!opts) {
    dw_run_options_init(&defaults);
    opts = &defaults;
  }
  dw_run *r = aligned_alloc(_Alignof(dw_run), sizeof *r); /* see run_int.h */
  if (!r) return NULL;
  memset(r, 0, sizeof *r);
  atomic_init(&r->refs, 1);
  r->engine = e;
  /* the run holds the pipeline: the caller may free it before the run ends */
  r->p = dw_pipeline_ref(p);
  r->n = p->n;
  r->strategy = opts->strategy >= 0 ? (dw_strategy)opts->strategy : p->spec->strategy;
  r->hybrid = r->strategy == DW_STRATEGY_HYBRID;
  r->failure =
      opts->failure_strategy >= 0 ? (dw_failure_strategy)opts->failure_strategy : p->spec->failure;
  unsigned maxc = opts->max_concurrency ? opts->max_concurrency : dw_pipeline_max_concurrency(p);
  r->k = maxc < (p->n ? p->n : 1) ? maxc : (p->n ? p->n : 1);
  if (r->k > dw_pool_max_threads(&e->pool) + 1) r->k = dw_pool_max_threads(&e->pool) + 1;
  /* one processor per level: a total order, nothing can ever run beside
   * anything else, so a second worker would only wait */
  if (p->shape.max_width <= 1) r->k = 1;
  /* spinning pays only when every worker can have a CPU of its own */
  r->spin = r->k > 1 && r->k <= e->cpus;
  if (r->hybrid) r->strategy = dw_hybrid_choose(p, maxc, &r->hybrid_reason);
  r->retry_base_ns =
      (uint64_t)(opts->retry_base_ms ? opts->retry_base_ms : DEFAULT_RETRY_BASE_MS) * 1000000ull;
  r->rng = opts->seed ? opts->seed : (dw_now_ns() | 1);
  r->hostname = opts->hostname ? opts->hostname : e->hostname;
  r->rate = dw_tick_rate_get();
  r->steal = r->strategy == DW_STRATEGY_REACTIVE;
  r->asym = r->k > 1 && dw_fence_asymmetric();
  r->mem.limit = (uint64_t)p->spec->max_run_memory_mb << 20;
  r->mem.limit_mb = p->spec->max_run_memory_mb;
  r->keep_run_output = opts->keep_outputs == DW_KEEP_RUN_OUTPUT;
  atomic_init(&r->top, -1);
  r->unresolved = r->n;
  atomic_init(&r->left, r->n);
  atomic_init(&r->fail_rank, r->n);
  /* The run lock: with little parallel slack (levels at most SLACK_WIDTH
   * wide on average) completions hand work to each other all the time and
   * a worker that finds the lock taken should spin a little rather than
   * sleep (grid and layered DAGs of no-op processors: 1.2-3x faster with 2
   * workers); with much slack a worker that sleeps on the lock leaves the
   * other one a run of batches without cache lines bouncing between them
   * (wide fans and trees: about 25 % faster that way). */
  pthread_mutexattr_t ma;
  pthread_mutexattr_init(&ma);
  bool adaptive = r->k > 1 && p->shape.avg_width <= SLACK_WIDTH && !r->steal;
  pthread_mutexattr_settype(&ma, adaptive ? PTHREAD_MUTEX_ADAPTIVE_NP : PTHREAD_MUTEX_NORMAL);
  pthread_mutex_init(&r->mu, &ma);
  pthread_mutexattr_destroy(&ma);
  /* (monotonic: an idle worker may wait on cv with a deadline, see
   * exec/run_queue.c) */
  pthread_condattr_t ca;
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&r->cv, &ca);
  pthread_condattr_destroy(&ca);
  pthread_cond_init(&r->done_cv, NULL);
  size_t n1 = r->n ? r->n : 1;
  r->input = dw_payload_copy(input ? input : "", input ? len : 0);
  r->ns = dw_stash_take_states((dw_pipeline *)p); /* the stash is not the value */
  if (!r->ns) r->ns = calloc(n1, sizeof *r->ns);
  /* reactive: one work list per worker and one for under the lock */
  r->work_list = malloc(n1 * (r->steal ? r->k + 1 : 1) * sizeof *r->work_list);
  r->bslot = aligned_alloc(_Alignof(batch_slot), r->k * sizeof *r->bslot);
  if (!r->input || !r->ns || !r->work_list || !r->bslot) goto fail;
  memset(r->bslot, 0, r->k * sizeof *r->bslot);
  switch (r->strategy) {
    case DW_STRATEGY_LEVEL: {
      size_t nl = p->nlevels ? p->nlevels : 1;
      r->bucket = malloc(n1 * sizeof *r->bucket);
      r->bucket_fill = calloc(nl, sizeof *r->bucket_fill);
      r->bucket_take = calloc(nl, sizeof *r->bucket_take);
      r->level_left = calloc(nl, sizeof *r->level_left);
      if (!r->bucket || !r->bucket_fill || !r->bucket_take || !r->level_left) goto fail;
      for (uint32_t l = 0; l < p->nlevels; l++)
        r->level_left[l] = p->level_off[l + 1] - p->level_off[l];
      break;
    }
    case DW_STRATEGY_REACTIVE:
      r->dq = aligned_alloc(_Alignof(dw_deque), r->k * sizeof *r->dq);
      r->current = aligned_alloc(_Alignof(current_slot), r->k * sizeof *r->current);
      if (!r->dq || !r->current) goto fail;
      memset(r->dq, 0, r->k * sizeof *r->dq); /* no array: safe to free */
      for (unsigned i = 0; i < r->k; i++) {
        atomic_init(&r->current[i].x, NO_PROC);
        if (dw_deque_init(&r->dq[i], 64) != 0) goto fail;
      }
      break;
    default:
      if (dw_bitq_init(&r->ready, r->n) != 0) goto fail;
  }
  /* The calling thread is worker 0 and the pool supplies the others. When
   * the pipeline has run before and its processors are small — at most one
   * attempt of the last run took more than SOLO_ATTEMPT_NS — they join
   * only once this run has gone on for JOIN_NS (checked after each
   * attempt; dw_sched_after_attempt): a short run of small processors is
   * over sooner on one thread than two can start sharing it (a wake-up is a
   * system call and an interrupt, and every line the run touches would
   * move between two caches), and a long one loses about JOIN_NS of its
   * other workers. One long attempt is allowed: a preempted attempt looks
   * long. If processors turn out long after all, the first to end after
   * JOIN_NS brings the others in, and a watch on the engine's timer thread
   * does it at WATCH_NS if the calling thread is still inside one attempt
   * (solo_watch_cb), so that what is ready beside a long attempt waits no
   * longer than that; and the next run starts them at once. */
  r->long_ticks = r->rate->tsc ? (uint64_t)(SOLO_ATTEMPT_NS * r->rate->per_ns) : SOLO_ATTEMPT_NS;
  if (caller && r->k > 1 && atomic_load_explicit(&p->runs, memory_order_relaxed) &&
      atomic_load_explicit(&p->last_nlong, memory_order_relaxed) <= 1) {
    atomic_store_explicit(&r->solo, true, memory_order_relaxed);
    r->join_ticks = r->rate->tsc ? (uint64_t)(JOIN_NS * r->rate->per_ns) : JOIN_NS;
  }
  /* The states start zeroed: nothing per processor to set up. The entry
   * points are level 0 (ranks ascending); lowest rank first out: reversed
   * onto reactive's deques (spread over the workers, or all on the solo
   * worker's; no worker runs yet), in order into the queues. */
  unsigned slot = 0;
  bool lifo = r->steal;
  uint32_t nsrc = p->nlevels ? p->level_off[1] - p->level_off[0] : 0;
  for (uint32_t i = 0; i < nsrc; i++) {
    uint32_t x = p->level_nodes[p->level_off[0] + (lifo ? nsrc - 1 - i : i)];
    r->ns[x].state = NS_READY;
    if ((lifo ? dw_deque_push(&r->dq[slot], x) : dw_queue_push(r, x)) != 0) goto fail;
    if (lifo && !atomic_load_explicit(&r->solo, memory_order_relaxed)) slot = (slot + 1) % r->k;
  }
  if (r->n == 0) r->finished = true;
  r->t0 = dw_now_ns();
  r->t0_ticks = dw_ticks(r->rate);
  return r;
fail:
  run_free(r);
  return NULL;
}

/* Ask the pool for `count` workers; each holds a reference to the run.
 * Returns how many were queued (<= 0: none). */
static int add_workers(dw_run *r, unsigned count) {
  if (!count) return 0;
  atomic_fetch_add(&r->refs, count);
  int q = dw_pool_submit(&r->engine->pool, pool_job, r, count);
  if (q < (int)count) atomic_fetch_sub(&r->refs, count - (q > 0 ? (unsigned)q : 0));
  return q;
}

/* End the solo start: bring the other workers in, once, whichever of the
 * solo worker and its watch comes first. */
void dw_sched_recruit(dw_run *r) {
  /* before any helper exists: they never see it true */
  atomic_store_explicit(&r->solo, false, memory_order_relaxed);
  if (atomic_exchange_explicit(&r->recruited, true, memory_order_acq_rel)) return;
  add_workers(r, r->k - 1);
}

/* The solo worker found join_due set when it entered or left an attempt
 * (solo_mark): the watch may have recruited the others already, so from
 * here on this worker counts dependencies as one of several. */
void dw_sched_solo_join(dw_run *r) { dw_sched_recruit(r); }

/* The watch of a solo start, on the engine's timer thread once the run is
 * WATCH_NS old. An attempt that ended after JOIN_NS recruited the others
 * (dw_sched_after_attempt), so a run still solo now has its calling thread
 * inside one attempt that has lasted at least WATCH_NS - JOIN_NS: it gets
 * its other workers at once, since whatever is ready beside that attempt
 * would otherwise wait for its end. (Sooner, the watch would mostly catch
 * short attempts, and its heavy fence interrupts the calling thread.) The
 * workers come in only while the solo worker is inside an attempt, where it
 * counts no dependencies: it says when it enters and leaves one
 * (solo_mark), and the store-then-look on both sides (the heavy fence here)
 * makes one of the two see the other. If this one sees it outside an
 * attempt, it leaves join_due for it to find when it enters the next. */
static void solo_watch_cb(void *owner, uint32_t a, uint32_t b) {
  (void)a;
  (void)b;
  dw_run *r = owner;
  if (atomic_load_explicit(&r->recruited, memory_order_acquire) ||
      atomic_load_explicit(&r->done_pub, memory_order_acquire))
    return;
  atomic_store_explicit(&r->join_due, true, memory_order_seq_cst);
  dw_fence_heavy();
  if (atomic_load_explicit(&r->in_attempt, memory_order_seq_cst)) dw_sched_recruit(r);
}

dw_run *dw_run_start(dw_engine *e, const dw_pipeline *p, const void *input, size_t len,
                     const dw_run_options *opts) {
  dw_run *r = run_new(e, p, input, len, opts, false);
  if (!r) return NULL;
  if (!r->finished && add_workers(r, r->k) <= 0) {
    /* no worker at all: everything ends cancelled */
    dw_run_cancel(r);
    pthread_mutex_lock(&r->mu);
    for (uint32_t x = 0; x < r->n; x++)
      if (r->ns[x].state == NS_READY)
        dw_sched_resolve(r, x, DW_PROC_CANCELLED, "no worker thread", NULL);
    pthread_mutex_unlock(&r->mu);
  }
  return r;
}

void dw_run_cancel(dw_run *r) {
  pthread_mutex_lock(&r->mu);
  atomic_store_explicit(&r->user_cancelled, true, memory_order_seq_cst);
  if (!r->finished) { /* (finished: the states may be the result's) */
    stop_running(r, -1);
    /* What waits for a retry ends now. reactive hands it to its workers,
     * which find it cancelled: only workers resolve there (so that one
     * worker alone needs no atomic dependency counts). */
    while (r->rwait.n) {
      uint32_t y = r->rwait.v[--r->rwait.n];
      if (!r->steal) {
        dw_sched_resolve(r, y, DW_PROC_CANCELLED, REASON_CANCEL, NULL);
        continue;
      }
      r->ns[y].state = NS_READY;
      (void)dw_steal_inject(r, y); /* cannot fail: it has room for n */
    }
  }
  atomic_fetch_add_explicit(&r->epoch, 1, memory_order_relaxed);
  pthread_cond_broadcast(&r->cv);
  pthread_mutex_unlock(&r->mu);
}

static dw_result *build_result(dw_run *r);

dw_result *dw_run_wait(dw_run *r) {
  pthread_mutex_lock(&r->mu);
  while (!r->finished) pthread_cond_wait(&r->done_cv, &r->mu);
  pthread_mutex_unlock(&r->mu);
  /* for the next run's start (dw_pipeline_run); the history is not the
   * pipeline's value */
  dw_pipeline *hp = (dw_pipeline *)r->p;
  atomic_store_explicit(&hp->last_nlong, atomic_load(&r->nlong), memory_order_relaxed);
  atomic_fetch_add_explicit(&hp->runs, 1, memory_order_relaxed);
  dw_timer_cancel_owner(&r->engine->pool, r);
  dw_result *res = build_result(r);
  run_unref(r);
  return res;
}

dw_result *dw_pipeline_run(dw_engine *e, const dw_pipeline *p, const void *input, size_t len,
                           const dw_run_options *opts) {
  dw_run *r = run_new(e, p, input, len, opts, true);
  if (!r) return NULL;
  if (!r->finished) {
    /* the calling thread is worker 0; the pool supplies the others, now or
     * (solo) once the run has lasted: see run_new. The watch is dropped by
     * dw_run_wait with the run's other timers. */
    atomic_store(&r->next_slot, 1);
    if (!atomic_load_explicit(&r->solo, memory_order_relaxed))
      add_workers(r, r->k - 1);
    else if (dw_timer_add(&e->pool, r->t0 + WATCH_NS, solo_watch_cb, r, 0, 0) != 0)
      dw_sched_recruit(r); /* no watch: no solo start */
    take_part(r, 0);
  }
  return dw_run_wait(r);
}

/* ------------------------------------------------------------- results */

static dw_result *build_result(dw_run *r) {
  dw_result *res = calloc(1, sizeof *res);
  if (!res) return NULL;
  dw_arena_init(&res->arena);
  const dw_pipeline *p = r->p;
  uint32_t n = r->n;
  res->procs = dw_stash_take_reports((dw_pipeline *)p); /* the stash is not the value */
  if (!res->procs) res->procs = malloc((n ? n : 1) * sizeof *res->procs);
  if (!res->procs) {
    free(res);
    return NULL;
  }
  pthread_mutex_init(&res->reports_mu, NULL);
  res->rate = r->rate;
  res->pipeline = dw_pipeline_ref(p);
  res->ns = r->ns; /* the states move to the result: nothing is copied */
  r->ns = NULL;
  res->n = n;
  res->strategy = r->strategy;
  res->strategy_reason = r->hybrid ? r->hybrid_reason : NULL;
  res->config = p->spec->file;
  /* The per-processor reports are filled when first asked for
   * (core/result.c): a caller that wants only the output does not pay for
   * them. What decides the run's status and output is settled here. */
  uint32_t nok = r->steal ? atomic_load_explicit(&r->oks, memory_order_relaxed) : r->nok;
  bool all_ok = nok == n; /* a cancel that came too late changed nothing */
  int32_t last_transform = -1;
  if (all_ok) {
    for (uint32_t x = n; x-- > 0;)
      if (p->nodes[x].intent == DW_INTENT_TRANSFORM) {
        last_transform = (int32_t)x;
        break;
      }
  } else {
    /* fail_fast: a processor that had succeeded when the failure came keeps
     * its result, whatever its rank (PIPELINES 4.2). Every other processor
     * ranked after the lowest-ranked failure is cancelled, for one reason,
     * whether it never started, was stopped, failed beside the failure or
     * finished after it: what it did is discarded (no attempts, time or
     * error), so every executor reports it alike. */
    uint32_t first_failed = r->failure == DW_FAILURE_FAIL_FAST ? horizon(r) : n;
    for (uint32_t x = 0; x < n; x++) {
      node_state *s = &res->ns[x];
      if (x > first_failed && s->status != DW_PROC_SUCCEEDED) {
        s->reason = REASON_FAIL_FAST;
        s->status = DW_PROC_CANCELLED;
        s->attempts = 0;
        s->dur_ns = 0;
        s->err_code = 0;
      }
      if (s->status == DW_PROC_SUCCEEDED && p->nodes[x].intent == DW_INTENT_TRANSFORM)
        last_transform = (int32_t)x;
    }
  }
  res->input = dw_payload_ref(r->input);
  res->output = dw_payload_ref(last_transform >= 0 ? res->ns[last_transform].out : r->input);
  res->status = all_ok                                                 ? DW_RUN_SUCCEEDED
                : (r->failure == DW_FAILURE_FAIL_FAST || cancelled(r)) ? DW_RUN_FAILED
                                                                       : DW_RUN_PARTIAL;
  res->ctx[0] = (dw_kv){"config_file", res->config};
  const char *host = dw_arena_strdup(&res->arena, r->hostname);
  res->ctx[1] = (dw_kv){"hostname", host ? host : ""};
  res->ctx[2] = (dw_kv){"input_text", (const char *)res->input->data};
  res->duration_us = (dw_now_ns() - r->t0) / 1000;
  return res;
}
