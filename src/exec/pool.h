/* exec/pool: the engine's worker threads and its one timer thread.
 *
 * Threads are started lazily, up to a ceiling, and live until the pool is
 * destroyed. A job is "take part in this run" — coarse on purpose: inside a
 * run the workers coordinate through the run's own scheduler (exec/run.c),
 * so the pool's lock is touched once per worker per run, not per node.
 * The timer thread serves retry back-offs and attempt deadlines: it sleeps on
 * a condition variable until the earliest deadline (no polling) and calls the
 * callback with the timer lock held, so callbacks must be short and may take
 * a run's lock (lock order: timer, then run). */
#ifndef DW_EXEC_POOL_H
#define DW_EXEC_POOL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

typedef void (*dw_job_fn)(void *arg, unsigned worker);
typedef void (*dw_timer_fn)(void *owner, uint32_t a, uint32_t b);

typedef struct dw_job {
  dw_job_fn fn;
  void *arg;
} dw_job;

typedef struct dw_timer_entry {
  uint64_t when_ns;
  dw_timer_fn fn;
  void *owner;
  uint32_t a, b;
} dw_timer_entry;

typedef struct dw_pool {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t *threads;
  unsigned nthreads, max_threads, idle, starting;
  dw_job *jobs; /* ring buffer */
  size_t jhead, jlen, jcap;
  bool stopping;
  /* timer */
  pthread_mutex_t tmu;
  pthread_cond_t tcv;
  pthread_t timer_thread;
  bool timer_started, timer_stopping;
  uint64_t sleep_until; /* the timer thread sleeps until then (UINT64_MAX: no deadline;
                           0: it is awake) */
  dw_timer_entry *heap;
  size_t hlen, hcap;
} dw_pool;

int dw_pool_init(dw_pool *p, unsigned max_threads);
void dw_pool_destroy(dw_pool *p); /* joins every thread; jobs must be done */
/* Queue `count` copies of a job; threads are started as needed. -1 if not
 * even one could be queued. Returns how many were queued. */
int dw_pool_submit(dw_pool *p, dw_job_fn fn, void *arg, unsigned count);
unsigned dw_pool_max_threads(const dw_pool *p);

/* Call fn(owner, a, b) at CLOCK_MONOTONIC when_ns. -1 on allocation failure. */
int dw_timer_add(dw_pool *p, uint64_t when_ns, dw_timer_fn fn, void *owner, uint32_t a, uint32_t b);
/* Drop every pending timer of owner; after it returns, none will fire. */
void dw_timer_cancel_owner(dw_pool *p, void *owner);

uint64_t dw_now_ns(void);

#endif
