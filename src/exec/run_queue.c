/* exec/run_queue: the worker loop of work_queue and level — the executors
 * whose ready processors sit in one structure under the run lock (see
 * exec/run.c for the rules they share with reactive). */
#include <string.h>

#include "core/engine.h"
#include "exec/pool.h"
#include "exec/run_int.h"

/* Make x runnable (work_queue and level, under the lock). Only allocation
 * in level's retry stack can fail; a node that cannot be queued is
 * resolved as failed by the caller. */
int dw_queue_push(dw_run *r, uint32_t x) {
  switch (r->strategy) {
    case DW_STRATEGY_LEVEL: {
      uint32_t l = r->p->nodes[x].level;
      if (r->ns[x].attempts > 0) return stack_push(&r->retryq, x);
      r->bucket[r->p->level_off[l] + r->bucket_fill[l]++] = x;
      return 0;
    }
    default: {
      dw_bitq_insert(&r->ready, r->p->wq_pos[x]);
      r->hlen++;
      return 0;
    }
  }
}

/* level: the barrier — open the next level once every processor of the
 * current one has resolved. */
static void level_open(dw_run *r) {
  while (r->cur_level < r->p->nlevels && r->level_left[r->cur_level] == 0) r->cur_level++;
}

/* How many ready processors a worker could pop right now. */
static size_t policy_avail(dw_run *r) {
  switch (r->strategy) {
    case DW_STRATEGY_LEVEL:
      level_open(r);
      return r->retryq.n + (r->cur_level < r->p->nlevels
                                ? r->bucket_fill[r->cur_level] - r->bucket_take[r->cur_level]
                                : 0);
    default:
      return r->hlen;
  }
}

static int64_t policy_pop(dw_run *r) {
  switch (r->strategy) {
    case DW_STRATEGY_LEVEL: {
      if (r->retryq.n) return r->retryq.v[--r->retryq.n];
      level_open(r);
      uint32_t l = r->cur_level;
      if (l >= r->p->nlevels || r->bucket_take[l] == r->bucket_fill[l]) return -1;
      return r->bucket[r->p->level_off[l] + r->bucket_take[l]++];
    }
    default: {
      int64_t i = dw_bitq_pop_min(&r->ready);
      if (i < 0) return -1;
      r->hlen--;
      return r->p->wq_rank[i];
    }
  }
}

/* Wake a waiting worker if there is work for it: `keep` ready processors
 * are already spoken for (the calling worker pops its next one itself, so a
 * chain never bounces between threads). */
bool dw_queue_wake(dw_run *r, size_t keep) {
  if (!r->nwaiting) return false;
  size_t n = policy_avail(r);
  if (n > keep + 1)
    pthread_cond_broadcast(&r->cv);
  else if (n > keep)
    pthread_cond_signal(&r->cv);
  return n > keep;
}

/* Before the lock is released: let spinning workers see what is ready. */
void dw_queue_publish(dw_run *r) {
  size_t a = policy_avail(r);
  if (atomic_load_explicit(&r->avail_pub, memory_order_relaxed) != a)
    atomic_store_explicit(&r->avail_pub, a, memory_order_relaxed);
}

/* dw_queue_work(): whether a worker published ready processors, or the end. */
static bool published_work(dw_run *r) {
  return atomic_load_explicit(&r->avail_pub, memory_order_relaxed) ||
         atomic_load_explicit(&r->done_pub, memory_order_relaxed);
}

/* A worker's life in one run. Under the lock it records what it finished and
 * takes its next processors: one, or — with several workers and a queue
 * policy — up to DW_BATCH when many are ready (a fair share, so that the
 * others keep busy): one lock round trip for several no-op-sized
 * processors. Workers leave only once the run is
 * finished; one that armed a timer then drops the run's timers, so that no
 * timer it armed after dw_run_wait's own sweep can outlive the run. */
void dw_queue_work(dw_run *r, unsigned slot) {
  bool armed = false;
  uint32_t batch[DW_BATCH];
  attempt_out outs[DW_BATCH];
  unsigned nprev = 0; /* outs of the last batch, cleared after the next unlock */
  uint64_t delays[DW_BATCH];
  worker_clock wc = {0, false};
  worker w = {.slot = slot, .next = -1};
  unsigned spins = 0; /* spin rounds since this worker last found work */
  pthread_mutex_lock(&r->mu);
  while (!r->finished) {
    unsigned nb = 0, want = 1;
    while (nb < want) {
      int64_t got = policy_pop(r);
      if (got < 0) break;
      uint32_t x = (uint32_t)got;
      if (gated(r, x)) {
        dw_sched_resolve(r, x, DW_PROC_CANCELLED, gate_reason(r), &w);
        continue;
      }
      node_state *s = &r->ns[x];
      s->state = NS_RUNNING;
      s->attempts++;
      atomic_store_explicit(&s->cancel, 0, memory_order_relaxed);
      batch[nb++] = x;
      if (nb == 1 && r->k > 1) {
        size_t share = policy_avail(r) / r->k;
        want = share + 1 < DW_BATCH ? (unsigned)share + 1 : DW_BATCH;
      }
    }
    if (nb == 0) {
      if (r->finished) break;
      wc.fresh = false;
      if (r->spin && spins < SPIN_ROUNDS) {
        spins++;
        dw_queue_publish(r);
        pthread_mutex_unlock(&r->mu);
        bool seen = dw_sched_spin(r, published_work);
        pthread_mutex_lock(&r->mu);
        /* nothing came: sleep next time — after looking once more under
         * the lock, since a worker that queued work while this one spun
         * had no sleeper to wake */
        if (!seen) spins = SPIN_ROUNDS;
        continue;
      }
      r->nwaiting++;
      pthread_cond_wait(&r->cv, &r->mu);
      r->nwaiting--;
      spins = 0;
      continue;
    }
    spins = 0;
    if (dw_queue_wake(r, 0)) wc.fresh = false; /* what this worker left behind is for the others */
    /* Publish the batch under the lock: a fail_fast horizon or a cancel
     * that comes while it runs raises the cancel flags of what it holds
     * (under the lock too), so a processor past the horizon is either not
     * started — its flag is read first — or told to stop. Before it was
     * published, gated() above saw the horizon. */
    memcpy(&r->inflight[slot * DW_BATCH], batch, nb * sizeof batch[0]);
    r->ninflight[slot] = nb;
    if (r->k > 1) dw_queue_publish(r);
    pthread_mutex_unlock(&r->mu);
    for (unsigned i = 0; i < nprev; i++)
      if (call_release(&outs[i])) wc.fresh = false;
    nprev = nb;
    for (unsigned i = 0; i < nb; i++) {
      outs[i].to_clear = false;
      if (atomic_load_explicit(&r->ns[batch[i]].cancel, memory_order_acquire)) {
        outs[i].failed = -1; /* not started */
        continue;
      }
      dw_sched_run_attempt(r, batch[i], &wc, &outs[i], &armed);
      dw_sched_prepare_outcome(r, batch[i], slot, &outs[i]);
      dw_sched_after_attempt(r, outs[i].t_end - outs[i].t_start, outs[i].t_end);
    }
    if (pthread_mutex_trylock(&r->mu) != 0) {
      pthread_mutex_lock(&r->mu);
      wc.fresh = false;
    }
    r->ninflight[slot] = 0;
    unsigned nretry = 0;
    for (unsigned i = 0; i < nb; i++) {
      uint32_t x = batch[i];
      if (outs[i].failed == -1) {
        r->ns[x].attempts--;
        dw_sched_resolve(r, x, DW_PROC_CANCELLED, gate_reason(r), &w);
        continue;
      }
      if (outs[i].failed) wc.fresh = false; /* its message was formatted: not cheap */
      uint64_t delay = dw_sched_finish_attempt(r, x, &w, &outs[i]);
      if (delay) {
        batch[nretry] = x;
        delays[nretry++] = delay;
      }
    }
    if (dw_queue_wake(r, 1)) wc.fresh = false;
    if (nretry) {
      wc.fresh = false;
      /* lock order is timer then run: drop ours to arm the timers */
      pthread_mutex_unlock(&r->mu);
      int trc[DW_BATCH];
      for (unsigned i = 0; i < nretry; i++)
        trc[i] = dw_timer_add(&r->engine->pool, dw_now_ns() + delays[i], dw_sched_retry_cb, r,
                              batch[i], 0);
      armed = true;
      pthread_mutex_lock(&r->mu);
      /* the run may have ended meanwhile (fail_fast or a cancel resolved the
       * waiting retries) and its states moved to the result */
      for (unsigned i = 0; i < nretry; i++)
        if (trc[i] != 0) dw_sched_requeue(r, batch[i], &w);
    }
  }
  pthread_mutex_unlock(&r->mu);
  for (unsigned i = 0; i < nprev; i++) call_release(&outs[i]);
  if (armed) dw_timer_cancel_owner(&r->engine->pool, r);
}
