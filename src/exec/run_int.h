/* exec/run_int: what the parts of a run share — the run record, the
 * worker record, and the rules every executor applies (exec/run.c) — for
 * the two kinds of worker loop: exec/run_queue.c (work_queue and level,
 * under one run lock) and exec/run_steal.c (reactive, without it). Nothing
 * outside src/exec includes it. */
#ifndef DW_EXEC_RUN_INT_H
#define DW_EXEC_RUN_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/call.h"
#include "core/pipeline.h"
#include "dagwood/dagwood.h"
#include "exec/bitq.h"
#include "exec/clock.h"
#include "exec/deque.h"
#include "exec/payload.h"
#include "exec/state.h"

enum {
  NS_WAITING = 0, /* dependencies unresolved */
  NS_READY,       /* in a policy's structure */
  NS_RUNNING,     /* an attempt is on a worker */
  NS_RETRY_WAIT,  /* failed attempt, back-off timer pending */
  NS_DONE         /* resolved: see status */
};

enum { RETRY_CAP_MS = 30000, DEFAULT_RETRY_BASE_MS = 100 };
enum { DW_BATCH = 8 };      /* most processors a worker takes per lock */
enum { SLACK_WIDTH = 512 }; /* see the run lock in run_new */

/* A growable array of ranks (the level executor's retries, reactive's
 * injected processors, the processors waiting for a retry). */
typedef struct stack {
  uint32_t *v;
  size_t n, cap;
} stack;

enum { NO_PROC = UINT32_MAX }; /* reactive: a worker's current processor when none */

/* reactive: the processor a worker runs, on a cache line of its own (each
 * worker stores it twice per processor). */
typedef struct current_slot {
  _Alignas(64) _Atomic uint32_t x;
} current_slot;

/* work_queue and level: the processors a worker took under the lock, to
 * run one after the other outside it. The others may see them: the items
 * before `end` are this worker's, and a fail_fast horizon or a cancel raises
 * their cancel flags (under the lock). The owner claims each item before it
 * starts it (next = index + 1); an idle worker that sees the owner make no
 * progress takes back the unclaimed ones by lowering `end` under the lock
 * (exec/run_queue.c: claim and steal_batch), so that a ready processor is
 * never held back behind a long one. On a cache line of its own: the owner
 * stores next at every item. */
typedef struct batch_slot {
  _Alignas(64) _Atomic uint32_t next; /* items claimed by the owner */
  _Atomic uint32_t end;               /* written under the lock only */
  uint32_t gen;                       /* under the lock: changes with every batch */
  uint32_t items[DW_BATCH];           /* under the lock */
} batch_slot;

/* What a worker carries between its processors. */
typedef struct worker {
  unsigned slot;
  /* reactive only */
  int64_t next;     /* the dependent it keeps for itself; -1 if none */
  unsigned npushed; /* pushed on its deque since it last woke a sleeper */
  uint32_t nres;    /* resolved here, not yet subtracted from the run's count */
  uint32_t nok;     /* of them, succeeded */
  /* DW_KEEP_RUN_OUTPUT: released outputs that no reference holds any more,
   * freed by keep_flush once this worker holds no lock */
  uint32_t ngc, gccap;
  dw_payload **gc;
} worker;

/* Fields that one thread writes often and another reads (or writes) are
 * on cache lines of their own (_Alignas(64)): a line shared by a worker's
 * counters and a spinning worker's watch moves between the two cores at
 * every write and slows both. */
struct dw_run {
  atomic_uint refs;
  dw_engine *engine;
  const dw_pipeline *p; /* a reference (dw_pipeline_ref), dropped when the run is freed */
  uint32_t n;
  dw_strategy strategy; /* the executor that runs (hybrid resolved) */
  bool hybrid;          /* hybrid was asked for: report its reason */
  const char *hybrid_reason;
  dw_failure_strategy failure;
  unsigned k; /* workers */
  uint64_t retry_base_ns;
  uint64_t rng;
  uint64_t t0;       /* dw_now_ns() at the start */
  uint64_t t0_ticks; /* the same moment in clock ticks (exec/clock.h) */
  /* The calling thread runs alone until the run is join_ticks old (see
   * run_new and dw_sched_recruit); solo is cleared before any other worker
   * starts, so the others only ever see it false. */
  atomic_bool solo;
  uint64_t join_ticks;
  uint64_t long_ticks; /* an attempt longer than this is a long one */
  atomic_uint nlong;   /* long attempts so far */
  const dw_tick_rate *rate;
  dw_payload *input;
  const char *hostname;
  /* The solo start's watch (dw_sched_recruit): the timer sets join_due
   * when the run has lasted WATCH_NS; the solo worker says whether it is in
   * an attempt; recruited makes sure the others are brought in once. */
  _Alignas(64) atomic_bool in_attempt;
  atomic_bool join_due;
  atomic_bool recruited;
  /* outputs and metadata kept, against executor_options.max_run_memory_mb */
  _Alignas(64) dw_mem_budget mem;
  /* DW_KEEP_RUN_OUTPUT: the highest-ranked transform that succeeded so far
   * (-1: none), whose output is the run's unless a higher one succeeds */
  _Atomic int32_t top;

  _Alignas(64) pthread_mutex_t mu;
  pthread_cond_t cv;      /* workers waiting for work */
  pthread_cond_t done_cv; /* dw_run_wait */
  unsigned nwaiting;      /* dw_queue_work(): sleeping on cv */
  /* For workers that spin before they sleep (read without the lock):
   * how many ready processors were left when the lock was last released,
   * and whether the run is finished. */
  _Alignas(64) atomic_size_t avail_pub;
  atomic_bool done_pub;
  bool spin;                        /* idle workers may spin (no more workers than CPUs) */
  atomic_uint nspinning;            /* at most one spins at a time */
  _Alignas(64) uint32_t unresolved; /* dw_queue_work(): under the lock */
  uint32_t nok;                     /* dw_queue_work(): processors resolved as succeeded */
  bool finished;                    /* under the lock */
  /* Changed under the lock, read without it by reactive's workers. */
  atomic_bool user_cancelled;
  atomic_uint fail_rank; /* lowest failed rank (fail_fast); n if none */
  stack rwait;           /* under the lock: processors waiting for a retry */
  atomic_uint next_slot;
  /* What each worker took out of the lock (work_queue and level), one slot
   * per worker: published before the worker drops the lock and withdrawn
   * once it holds it again, so that fail_fast_at and dw_run_cancel see
   * every processor that may run outside it and raise their cancel flags; a
   * worker reads a processor's flag before it starts it. */
  batch_slot *bslot;
  node_state *ns;
  uint32_t *work_list; /* dw_sched_resolve()'s work lists */

  /* policies */
  dw_bitq ready;         /* work_queue: priority positions (pipeline's wq_pos) */
  size_t hlen;           /* work_queue: how many are ready */
  uint32_t *bucket_fill; /* level: pushed per level */
  uint32_t *bucket_take; /* level: taken per level */
  uint32_t *level_left;  /* level: unresolved per level */
  uint32_t *bucket;      /* level: laid out like level_nodes */
  uint32_t cur_level;
  stack retryq; /* level: re-attempts of the open level */

  bool keep_run_output; /* dw_run_options.keep_outputs is DW_KEEP_RUN_OUTPUT (PIPELINES 3.6) */

  /* reactive (exec/run_steal.c) */
  bool steal;
  bool asym;    /* exec/fence.h: publishing current (reactive) or claiming a batch item (the
                   queues) needs no fence, and the solo worker's in_attempt neither */
  dw_deque *dq; /* one per worker */
  current_slot *current;         /* per worker: the processor it runs, NO_PROC */
  _Alignas(64) atomic_uint left; /* unresolved, less what workers hold in nres */
  atomic_uint oks;               /* succeeded, as flushed by workers */
  atomic_uint nsleep;            /* workers about to sleep or asleep on cv */
  atomic_uint epoch;             /* changed (under the lock) to wake sleepers */
  stack inject;                  /* under the lock: retries come back here (room for n) */
  atomic_size_t ninject;         /* inject.n, for a look without the lock */
};

/* --------------------------------------------------------------- stacks */

static inline int stack_push(stack *s, uint32_t x) {
  if (s->n == s->cap) {
    size_t nc = s->cap ? s->cap * 2 : 16;
    uint32_t *nv = realloc(s->v, nc * sizeof *nv);
    if (!nv) return -1;
    s->v = nv;
    s->cap = nc;
  }
  s->v[s->n++] = x;
  return 0;
}

/* Room for cap entries in all: 0, or -1 when out of memory. */
static inline int stack_reserve(stack *s, size_t cap) {
  if (s->cap >= cap) return 0;
  uint32_t *nv = realloc(s->v, cap * sizeof *nv);
  if (!nv) return -1;
  s->v = nv;
  s->cap = cap;
  return 0;
}

static inline void stack_remove(stack *s, uint32_t x) {
  for (size_t i = 0; i < s->n; i++)
    if (s->v[i] == x) {
      s->v[i] = s->v[--s->n];
      return;
    }
}

/* ---------------------------------------------------------------- gates */

static inline bool cancelled(const dw_run *r) {
  return atomic_load_explicit(&r->user_cancelled, memory_order_seq_cst);
}

static inline uint32_t horizon(const dw_run *r) {
  return atomic_load_explicit(&r->fail_rank, memory_order_seq_cst);
}

/* May x not start? (the lock, or for reactive a published current) */
static inline bool gated(const dw_run *r, uint32_t x) {
  return cancelled(r) || (r->failure == DW_FAILURE_FAIL_FAST && x > horizon(r));
}

/* The reasons of processors that did not run to a result for the run's
 * sake: every executor gives the same text (PIPELINES 4.2). */
#define REASON_CANCEL "the run was cancelled"
#define REASON_FAIL_FAST "fail_fast: an earlier processor failed"

static inline const char *gate_reason(const dw_run *r) {
  return cancelled(r) ? REASON_CANCEL : REASON_FAIL_FAST;
}

/* ------------------------------------------------------- memory budget */

/* Charge bytes to the budget: false (and nothing charged) when they would
 * take it past its limit. */
static inline bool budget_take(dw_mem_budget *b, uint64_t bytes) {
  uint64_t held = atomic_fetch_add_explicit(&b->held, bytes, memory_order_relaxed);
  if (bytes <= b->limit && held <= b->limit - bytes) return true;
  atomic_fetch_sub_explicit(&b->held, bytes, memory_order_relaxed);
  return false;
}

static inline void budget_give(dw_mem_budget *b, uint64_t bytes) {
  if (bytes) atomic_fetch_sub_explicit(&b->held, bytes, memory_order_relaxed);
}

/* exec/run.c: the error of an attempt the budget refused (malloc'd). */
char *budget_message(const dw_mem_budget *b, uint64_t wanted);

/* --------------------------------------------------- releasing outputs */

/* Free the outputs worker w released under a lock (DW_KEEP_RUN_OUTPUT):
 * their bytes went back to the budget when the last reference was dropped
 * (exec/run.c, keep_release). */
static inline void keep_flush(worker *w) {
  for (uint32_t i = 0; i < w->ngc; i++) dw_payload_free(w->gc[i]);
  w->ngc = 0;
}

/* --------------------------------------------------------- solo start */

/* The solo worker enters (in true) or leaves an attempt. A store, then a
 * look at join_due: paired with the watch's store of join_due and look at
 * in_attempt (solo_watch_cb in exec/run.c), one of the two sees the other's. With
 * an asymmetric fence (exec/fence.h) the watch's side carries the cost. */
void dw_sched_solo_join(dw_run *r);
static inline void solo_mark(dw_run *r, bool in) {
  if (r->asym) {
    atomic_store_explicit(&r->in_attempt, in, memory_order_relaxed);
    atomic_signal_fence(memory_order_seq_cst);
  } else {
    atomic_store_explicit(&r->in_attempt, in, memory_order_seq_cst);
  }
  if (atomic_load_explicit(&r->join_due, r->asym ? memory_order_relaxed : memory_order_seq_cst))
    dw_sched_solo_join(r);
}

/* ------------------------------------------------------------- attempts */

typedef struct attempt_out {
  int failed;
  bool late;     /* past its deadline when it returned */
  uint64_t held; /* bytes charged to the run's memory budget */
  dw_call call;
  uint64_t t_start, t_end;
  int32_t from;    /* the dependency that fed it, -1: the run's input */
  dw_payload *in;  /* its payload; NULL is the empty payload */
  dw_payload *out; /* prepared by dw_sched_prepare_outcome */
  int32_t producer;
  bool to_clear; /* a successful call, cleared by its worker outside the lock */
} attempt_out;

/* Free what a finished call still holds (most hold nothing). */
static inline bool call_release(attempt_out *o) {
  dw_call *c = &o->call;
  bool work = o->to_clear && (c->out || c->md || c->err_msg);
  if (work) dw_call_clear(c);
  o->to_clear = false;
  return work;
}

/* A worker's clock. Reading the time-stamp counter costs about 20 ns on a
 * virtual machine, as much as the rest of a no-op processor's scheduling;
 * so when a worker goes from one processor's end straight to the next one's
 * start — only its own bookkeeping in between: no wait, no contended lock,
 * no wake-up call, no free of an output — the end reading is also the next
 * start. A processor's duration may then include that bookkeeping (tens of
 * ns, below the report's microsecond resolution). */
typedef struct worker_clock {
  uint64_t last; /* the last reading */
  bool fresh;    /* nothing slow happened since */
} worker_clock;

/* exec/run.c: the rules */
void dw_sched_resolve(dw_run *r, uint32_t x, dw_proc_status st, const char *reason, worker *w);
void dw_sched_finish_run(dw_run *r);
void dw_sched_requeue(dw_run *r, uint32_t x, worker *w);
void dw_sched_retry_cb(void *owner, uint32_t x, uint32_t unused);
void dw_sched_run_attempt(dw_run *r, uint32_t x, worker_clock *wc, attempt_out *o, bool *armed);
void dw_sched_prepare_outcome(dw_run *r, uint32_t x, unsigned slot, attempt_out *o);
uint64_t dw_sched_finish_attempt(dw_run *r, uint32_t x, worker *w, attempt_out *o);
enum { SPIN_NS = 50000, SPIN_ROUNDS = 4 };
void dw_sched_recruit(dw_run *r);

/* After an attempt that took d ticks and ended at `now`: count it if it
 * was long, and end a solo start that has lasted. Returns whether it was
 * long. */
static inline bool dw_sched_after_attempt(dw_run *r, uint64_t d, uint64_t now) {
  bool is_long = d > r->long_ticks;
  if (is_long) atomic_fetch_add_explicit(&r->nlong, 1, memory_order_relaxed);
  if (atomic_load_explicit(&r->solo, memory_order_relaxed) && now - r->t0_ticks >= r->join_ticks)
    dw_sched_recruit(r);
  return is_long;
}
bool dw_sched_spin(dw_run *r, bool (*seen_work)(dw_run *));

/* exec/run_queue.c: work_queue and level */
int dw_queue_push(dw_run *r, uint32_t x);
bool dw_queue_wake(dw_run *r, size_t keep);
void dw_queue_publish(dw_run *r);
void dw_queue_work(dw_run *r, unsigned slot);

/* exec/run_steal.c: reactive */
int dw_steal_inject(dw_run *r, uint32_t x);
void dw_steal_work(dw_run *r, unsigned slot);

/* reactive: make z runnable by worker w, which keeps the lowest-ranked of
 * what it releases for itself (see resolve) and pushes the others. */
static inline int steal_push(dw_run *r, worker *w, uint32_t z) {
  if (!w) return dw_steal_inject(r, z);
  if (w->next >= 0) {
    if (dw_deque_push(&r->dq[w->slot], (uint32_t)w->next) != 0) return -1;
    w->npushed++;
  }
  w->next = z;
  return 0;
}

#endif
