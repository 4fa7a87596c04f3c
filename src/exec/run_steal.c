/* exec/run_steal: the worker loop of reactive — no run lock on its common
 * path (see exec/run.c for the rules it shares with the other executors).
 * Dependencies are counted with atomic adds, ready processors live on
 * lock-free work-stealing deques (exec/deque.h), and each worker counts
 * what it resolved locally and adds it to the run's count when it runs out
 * of work. The run lock is taken only for what is rare: a failed attempt
 * (retries, the fail_fast horizon), processors with a timeout (their
 * deadline timer looks at their state), a cancel, retries coming back, and
 * sleeping. */
#include "core/engine.h"
#include "exec/pool.h"
#include "exec/run_int.h"

/* reactive: add what worker w resolved to the run's count (never under
 * the lock). The worker that brings it to zero ends the run. */
static void flush_counts(dw_run *r, worker *w) {
  if (!w->nres) return;
  atomic_fetch_add_explicit(&r->oks, w->nok, memory_order_relaxed);
  uint32_t nres = w->nres;
  w->nres = w->nok = 0;
  if (atomic_fetch_sub_explicit(&r->left, nres, memory_order_acq_rel) == nres) {
    pthread_mutex_lock(&r->mu);
    dw_sched_finish_run(r);
    pthread_mutex_unlock(&r->mu);
  }
}

/* reactive: wake a sleeping worker for what w pushed. The pushes stored
 * their deque's bottom sequentially consistently, and a worker counts
 * itself in nsleep before its last look at the deques: either it sees the
 * work or this sees it. */
static bool wake_sleepers(dw_run *r, worker *w) {
  unsigned pushed = w->npushed;
  w->npushed = 0;
  if (!pushed || atomic_load_explicit(&r->nsleep, memory_order_seq_cst) == 0) return false;
  pthread_mutex_lock(&r->mu);
  atomic_fetch_add_explicit(&r->epoch, 1, memory_order_relaxed);
  if (pushed > 1)
    pthread_cond_broadcast(&r->cv);
  else
    pthread_cond_signal(&r->cv);
  pthread_mutex_unlock(&r->mu);
  return true;
}

/* reactive, under the lock: queue x for any worker (from a thread that
 * owns no deque: a retry timer). */
int dw_steal_inject(dw_run *r, uint32_t x) {
  if (stack_push(&r->inject, x) != 0) return -1;
  atomic_store_explicit(&r->ninject, r->inject.n, memory_order_seq_cst);
  atomic_fetch_add_explicit(&r->epoch, 1, memory_order_relaxed);
  pthread_cond_signal(&r->cv);
  return 0;
}

/* Whether another worker's deque, the injected retries or the run's end
 * could give an idle worker something to do (a look, no lock). */
static bool work_visible(dw_run *r) {
  for (unsigned i = 0; i < r->k; i++)
    if (dw_deque_nonempty(&r->dq[i])) return true;
  return atomic_load_explicit(&r->ninject, memory_order_seq_cst) ||
         atomic_load_explicit(&r->done_pub, memory_order_seq_cst);
}

/* Take work from elsewhere: the oldest of another worker's deque, else an
 * injected retry. -1 if none. */
static int64_t steal_work(dw_run *r, unsigned slot) {
  for (unsigned i = 1; i < r->k; i++) {
    dw_deque *d = &r->dq[(slot + i) % r->k];
    int64_t x;
    while ((x = dw_deque_steal(d)) == DW_DQ_LOST) {
    }
    if (x >= 0) return x;
  }
  int64_t x = -1;
  if (atomic_load_explicit(&r->ninject, memory_order_seq_cst)) {
    pthread_mutex_lock(&r->mu);
    if (r->inject.n) {
      x = r->inject.v[--r->inject.n];
      atomic_store_explicit(&r->ninject, r->inject.n, memory_order_relaxed);
    }
    pthread_mutex_unlock(&r->mu);
  }
  return x;
}

/* Sleep until a worker pushes work, a retry comes back or the run ends
 * (an event count: a waker changes epoch under the lock, see
 * wake_sleepers). */
static void sleep_for_work(dw_run *r) {
  unsigned key = atomic_load_explicit(&r->epoch, memory_order_seq_cst);
  atomic_fetch_add_explicit(&r->nsleep, 1, memory_order_seq_cst);
  if (!work_visible(r)) {
    pthread_mutex_lock(&r->mu);
    while (atomic_load_explicit(&r->epoch, memory_order_relaxed) == key && !r->finished)
      pthread_cond_wait(&r->cv, &r->mu);
    pthread_mutex_unlock(&r->mu);
  }
  atomic_fetch_sub_explicit(&r->nsleep, 1, memory_order_seq_cst);
}

/* Run x, taken by worker w, and resolve it. */
static void run_one(dw_run *r, worker *w, uint32_t x, worker_clock *wc, bool *armed) {
  const dw_plan_node *pn = &r->p->nodes[x];
  node_state *s = &r->ns[x];
  /* the deadline timer of a processor with a timeout reads its state under
   * the lock (and one may be left from an earlier attempt): its state
   * changes under the lock too */
  bool timed = pn->timeout > 0;
  if (timed) {
    pthread_mutex_lock(&r->mu);
    wc->fresh = false;
  }
  s->state = NS_RUNNING;
  s->attempts++;
  atomic_store_explicit(&s->cancel, 0, memory_order_relaxed);
  /* published before the gate is looked at: a cancel or a lower fail_fast
   * horizon is either seen here or sees x and raises its cancel flag (the
   * canceller's dw_fence_heavy orders this store before the gate's load,
   * or this store is a fence itself) */
  if (r->asym) {
    atomic_store_explicit(&r->current[w->slot].x, x, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
  } else {
    atomic_store_explicit(&r->current[w->slot].x, x, memory_order_seq_cst);
  }
  if (gated(r, x)) {
    atomic_store_explicit(&r->current[w->slot].x, NO_PROC, memory_order_relaxed);
    s->attempts--;
    dw_sched_resolve(r, x, DW_PROC_CANCELLED, gate_reason(r), w);
    if (timed) pthread_mutex_unlock(&r->mu);
    wc->fresh = false;
    keep_flush(w);
    wake_sleepers(r, w);
    return;
  }
  if (timed) pthread_mutex_unlock(&r->mu);
  attempt_out o;
  o.to_clear = false;
  dw_sched_run_attempt(r, x, wc, &o, armed);
  dw_sched_prepare_outcome(r, x, w->slot, &o);
  dw_sched_after_attempt(r, o.t_end - o.t_start, o.t_end);
  atomic_store_explicit(&r->current[w->slot].x, NO_PROC, memory_order_release);
  if (!o.failed && !o.late && !timed) {
    dw_sched_finish_attempt(r, x, w, &o); /* a success: no lock */
  } else {
    wc->fresh = false;
    pthread_mutex_lock(&r->mu);
    uint64_t delay = dw_sched_finish_attempt(r, x, w, &o);
    pthread_mutex_unlock(&r->mu);
    if (delay) { /* lock order is timer then run: armed outside ours */
      int rc = dw_timer_add(&r->engine->pool, dw_now_ns() + delay, dw_sched_retry_cb, r, x, 0);
      *armed = true;
      if (rc != 0) {
        pthread_mutex_lock(&r->mu);
        dw_sched_requeue(r, x, w);
        pthread_mutex_unlock(&r->mu);
      }
    }
  }
  if (call_release(&o)) wc->fresh = false;
  if (__builtin_expect(w->ngc != 0, 0)) { /* released outputs (DW_KEEP_RUN_OUTPUT) */
    keep_flush(w);
    wc->fresh = false;
  }
  if (wake_sleepers(r, w)) wc->fresh = false;
}

/* A reactive worker's life in one run: run the dependent it kept, else
 * the newest on its own deque, else steal; when there is nothing, add its
 * counts to the run's, spin a while, then sleep. */
void dw_steal_work(dw_run *r, unsigned slot) {
  worker w = {.slot = slot, .next = -1};
  worker_clock wc = {0, false};
  bool armed = false;
  unsigned spins = 0; /* spin rounds since this worker last found work */
  for (;;) {
    int64_t x = w.next;
    w.next = -1;
    if (x < 0) x = dw_deque_take(&r->dq[slot]);
    if (x < 0) {
      wc.fresh = false;
      flush_counts(r, &w);
      x = steal_work(r, slot);
      if (x < 0) {
        if (atomic_load_explicit(&r->done_pub, memory_order_acquire)) break;
        if (r->spin && spins < SPIN_ROUNDS) {
          spins++;
          if (!dw_sched_spin(r, work_visible)) spins = SPIN_ROUNDS;
        } else {
          sleep_for_work(r);
          spins = 0;
        }
        continue;
      }
    }
    spins = 0;
    run_one(r, &w, (uint32_t)x, &wc, &armed);
  }
  free(w.gc); /* (emptied by run_one) */
  if (armed) dw_timer_cancel_owner(&r->engine->pool, r);
}
