/* exec/run_queue: the worker loop of work_queue and level — the executors
 * whose ready processors sit in one structure under the run lock (see
 * exec/run.c for the rules they share with reactive). */
#include <string.h>
#include <time.h>

#include "core/engine.h"
#include "exec/fence.h"
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

/* Put x, taken into a batch but not started, back among the ready
 * processors (under the lock): level's go on its re-attempt stack, which
 * holds processors of the open level only. Out of memory there, x fails. */
static void give_back(dw_run *r, uint32_t x, worker *w) {
  node_state *s = &r->ns[x];
  s->attempts--;
  s->state = NS_READY;
  if (r->strategy == DW_STRATEGY_LEVEL ? stack_push(&r->retryq, x) : dw_queue_push(r, x)) {
    r->ns[x].err_code = 500;
    dw_sched_resolve(r, x, DW_PROC_FAILED, "out of memory queueing the processor", w);
  }
}

/* The owner's claim on item i (i >= 1) of its batch before it starts it:
 * false when a thief has taken it back (with the rest). A store of next,
 * then a look at end; the thief stores end, then looks at next (see
 * steal_batch): one of the two sees the other's. */
static bool claim(dw_run *r, batch_slot *b, uint32_t i, worker_clock *wc) {
  if (r->asym) {
    atomic_store_explicit(&b->next, i + 1, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
    if (i < atomic_load_explicit(&b->end, memory_order_relaxed)) return true;
  } else {
    atomic_store_explicit(&b->next, i + 1, memory_order_seq_cst);
    if (i < atomic_load_explicit(&b->end, memory_order_seq_cst)) return true;
  }
  /* a thief lowered the end, perhaps only for a moment: its last word is
   * under the lock */
  wc->fresh = false;
  pthread_mutex_lock(&r->mu);
  bool ok = i < atomic_load_explicit(&b->end, memory_order_relaxed);
  pthread_mutex_unlock(&r->mu);
  return ok;
}

/* Under the lock: an idle worker takes back the items of worker v's batch
 * that v has not claimed, and puts them among the ready processors. It
 * lowers end to what v had claimed when it looked, then looks again after
 * a heavy fence: items v claimed meanwhile stay v's. Returns how many it
 * took back. */
static uint32_t steal_batch(dw_run *r, unsigned v, worker *w) {
  batch_slot *b = &r->bslot[v];
  uint32_t e = atomic_load_explicit(&b->end, memory_order_relaxed); /* written under the lock */
  uint32_t c0 = atomic_load_explicit(&b->next, memory_order_acquire);
  if (c0 >= e) return 0;
  atomic_store_explicit(&b->end, c0, memory_order_seq_cst);
  dw_fence_heavy();
  uint32_t c = atomic_load_explicit(&b->next, memory_order_seq_cst);
  uint32_t keep = c > c0 ? (c < e ? c : e) : c0;
  if (keep != c0) atomic_store_explicit(&b->end, keep, memory_order_relaxed);
  for (uint32_t i = keep; i < e; i++) give_back(r, b->items[i], w);
  return e - keep;
}

/* Under the lock: a worker other than `slot` whose batch holds items it has
 * not claimed yet, with its batch's generation and claim count; -1 if none. */
static int batch_with_items(dw_run *r, unsigned slot, uint32_t *gen, uint32_t *next) {
  for (unsigned j = 0; j < r->k; j++) {
    if (j == slot) continue;
    batch_slot *b = &r->bslot[j];
    uint32_t nx = atomic_load_explicit(&b->next, memory_order_acquire);
    if (nx < atomic_load_explicit(&b->end, memory_order_relaxed)) {
      *gen = b->gen;
      *next = nx;
      return (int)j;
    }
  }
  return -1;
}

/* An idle worker that sees ready processors in another worker's batch
 * waits this long for that worker to claim one before it takes them back:
 * a worker that claims nothing for so long is inside a long processor. */
enum { STEAL_NS = 50000 };

/* A worker's life in one run. Under the lock it records what it finished and
 * takes its next processors: one, or — with several workers and a queue
 * policy — up to DW_BATCH when many are ready (a fair share, so that the
 * others keep busy): one lock round trip for several no-op-sized
 * processors. A batch never holds a ready processor back for long: it
 * stops after an attempt longer than long_ticks (what is left goes back to
 * the queue, and the finished ones release their dependents), and an idle
 * worker takes back what a worker stuck in a long processor has not started
 * (steal_batch). Workers leave only once the run is finished; one that armed
 * a timer then drops the run's timers, so that no timer it armed after
 * dw_run_wait's own sweep can outlive the run. */
void dw_queue_work(dw_run *r, unsigned slot) {
  bool armed = false;
  batch_slot *bs = &r->bslot[slot];
  uint32_t *batch = bs->items; /* this worker's own: written only by it, under the lock */
  uint32_t retry[DW_BATCH];
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
      if (__builtin_expect(w.ngc != 0, 0)) { /* released outputs: freed before it idles */
        pthread_mutex_unlock(&r->mu);
        keep_flush(&w);
        pthread_mutex_lock(&r->mu);
        continue;
      }
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
      /* Ready processors in another worker's batch: wait at most STEAL_NS
       * for it to claim one, else take them back. */
      uint32_t vgen = 0, vnext = 0;
      int v = r->k > 1 ? batch_with_items(r, slot, &vgen, &vnext) : -1;
      r->nwaiting++;
      if (v < 0) {
        pthread_cond_wait(&r->cv, &r->mu);
      } else {
        uint64_t t0 = dw_now_ns(), until = t0 + STEAL_NS;
        struct timespec ts = {(time_t)(until / 1000000000u), (long)(until % 1000000000u)};
        pthread_cond_timedwait(&r->cv, &r->mu, &ts);
        if (!r->finished && r->bslot[v].gen == vgen &&
            atomic_load_explicit(&r->bslot[v].next, memory_order_acquire) == vnext &&
            dw_now_ns() - t0 >= STEAL_NS && steal_batch(r, (unsigned)v, &w) > 0)
          dw_queue_wake(r, 1); /* beyond the one this worker takes */
      }
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
     * published, gated() above saw the horizon. The first item is claimed
     * already. */
    bs->gen++;
    atomic_store_explicit(&bs->next, 1, memory_order_relaxed);
    atomic_store_explicit(&bs->end, nb, memory_order_relaxed);
    if (r->k > 1) dw_queue_publish(r);
    pthread_mutex_unlock(&r->mu);
    for (unsigned i = 0; i < nprev; i++)
      if (call_release(&outs[i])) wc.fresh = false;
    if (__builtin_expect(w.ngc != 0, 0)) { /* released outputs (DW_KEEP_RUN_OUTPUT) */
      keep_flush(&w);
      wc.fresh = false;
    }
    unsigned nrun = 0; /* items claimed: run, or found cancelled */
    for (unsigned i = 0; i < nb; i++) {
      if (i > 0 && r->k > 1 && !claim(r, bs, i, &wc)) break; /* taken back by an idle worker */
      nrun = i + 1;
      outs[i].to_clear = false;
      if (atomic_load_explicit(&r->ns[batch[i]].cancel, memory_order_acquire)) {
        outs[i].failed = -1; /* not started */
        continue;
      }
      dw_sched_run_attempt(r, batch[i], &wc, &outs[i], &armed);
      dw_sched_prepare_outcome(r, batch[i], slot, &outs[i]);
      /* after a long one, the rest goes back to the queue, and what finished
       * releases its dependents now rather than after the rest */
      if (dw_sched_after_attempt(r, outs[i].t_end - outs[i].t_start, outs[i].t_end)) break;
    }
    nprev = nrun;
    if (pthread_mutex_trylock(&r->mu) != 0) {
      pthread_mutex_lock(&r->mu);
      wc.fresh = false;
    }
    /* withdraw the batch; what was neither claimed nor taken back by a
     * thief (a batch cut short) goes back to the queue */
    uint32_t end = atomic_load_explicit(&bs->end, memory_order_relaxed);
    atomic_store_explicit(&bs->end, 0, memory_order_relaxed);
    atomic_store_explicit(&bs->next, 0, memory_order_relaxed);
    if (nrun < end) {
      wc.fresh = false;
      for (uint32_t i = nrun; i < end; i++) give_back(r, batch[i], &w);
    }
    unsigned nretry = 0;
    for (unsigned i = 0; i < nrun; i++) {
      uint32_t x = batch[i];
      if (outs[i].failed == -1) {
        r->ns[x].attempts--;
        dw_sched_resolve(r, x, DW_PROC_CANCELLED, gate_reason(r), &w);
        continue;
      }
      if (outs[i].failed) wc.fresh = false; /* its message was formatted: not cheap */
      uint64_t delay = dw_sched_finish_attempt(r, x, &w, &outs[i]);
      if (delay) {
        retry[nretry] = x;
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
                              retry[i], 0);
      armed = true;
      pthread_mutex_lock(&r->mu);
      /* the run may have ended meanwhile (fail_fast or a cancel resolved the
       * waiting retries) and its states moved to the result */
      for (unsigned i = 0; i < nretry; i++)
        if (trc[i] != 0) dw_sched_requeue(r, retry[i], &w);
    }
  }
  pthread_mutex_unlock(&r->mu);
  for (unsigned i = 0; i < nprev; i++) call_release(&outs[i]);
  keep_flush(&w);
  free(w.gc);
  if (armed) dw_timer_cancel_owner(&r->engine->pool, r);
}
