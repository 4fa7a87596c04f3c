/* exec/pool: see pool.h. */
#include "exec/pool.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

uint64_t dw_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

typedef struct worker_arg {
  dw_pool *pool;
  unsigned index;
} worker_arg;

static void *worker_main(void *argp) {
  worker_arg wa = *(worker_arg *)argp;
  free(argp);
  dw_pool *p = wa.pool;
  pthread_mutex_lock(&p->mu);
  p->starting--;
  for (;;) {
    while (p->jlen == 0 && !p->stopping) {
      p->idle++;
      pthread_cond_wait(&p->cv, &p->mu);
      p->idle--;
    }
    if (p->jlen == 0 && p->stopping) break;
    dw_job j = p->jobs[p->jhead];
    p->jhead = (p->jhead + 1) % p->jcap;
    p->jlen--;
    pthread_mutex_unlock(&p->mu);
    j.fn(j.arg, wa.index + 1); /* worker 0 is a run's calling thread */
    pthread_mutex_lock(&p->mu);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

static int cond_init_monotonic(pthread_cond_t *cv) {
  pthread_condattr_t a;
  if (pthread_condattr_init(&a)) return -1;
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  int rc = pthread_cond_init(cv, &a);
  pthread_condattr_destroy(&a);
  return rc ? -1 : 0;
}

int dw_pool_init(dw_pool *p, unsigned max_threads) {
  memset(p, 0, sizeof *p);
  p->max_threads = max_threads ? max_threads : 1;
  p->threads = calloc(p->max_threads, sizeof *p->threads);
  if (!p->threads) return -1;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  pthread_mutex_init(&p->tmu, NULL);
  if (cond_init_monotonic(&p->tcv)) {
    free(p->threads);
    return -1;
  }
  return 0;
}

unsigned dw_pool_max_threads(const dw_pool *p) { return p->max_threads; }

static int push_job(dw_pool *p, dw_job j) {
  if (p->jlen == p->jcap) {
    size_t nc = p->jcap ? p->jcap * 2 : 16;
    dw_job *n = malloc(nc * sizeof *n);
    if (!n) return -1;
    for (size_t i = 0; i < p->jlen; i++) n[i] = p->jobs[(p->jhead + i) % p->jcap];
    free(p->jobs);
    p->jobs = n;
    p->jhead = 0;
    p->jcap = nc;
  }
  p->jobs[(p->jhead + p->jlen) % p->jcap] = j;
  p->jlen++;
  return 0;
}

int dw_pool_submit(dw_pool *p, dw_job_fn fn, void *arg, unsigned count) {
  int queued = 0;
  pthread_mutex_lock(&p->mu);
  for (unsigned i = 0; i < count; i++) {
    if (push_job(p, (dw_job){fn, arg}) != 0) break;
    queued++;
  }
  /* start threads while there is more queued work than threads to take it */
  while (p->nthreads < p->max_threads && p->jlen > (size_t)p->idle + p->starting) {
    worker_arg *wa = malloc(sizeof *wa);
    if (!wa) break;
    wa->pool = p;
    wa->index = p->nthreads;
    if (pthread_create(&p->threads[p->nthreads], NULL, worker_main, wa) != 0) {
      free(wa);
      break;
    }
    p->nthreads++;
    p->starting++;
  }
  if (p->nthreads == 0) {
    /* no thread could start: nobody would ever take these jobs */
    p->jlen -= (size_t)queued;
    queued = 0;
  }
  if (queued > 1)
    pthread_cond_broadcast(&p->cv);
  else if (queued == 1)
    pthread_cond_signal(&p->cv);
  pthread_mutex_unlock(&p->mu);
  return queued ? queued : -1;
}

void dw_pool_destroy(dw_pool *p) {
  pthread_mutex_lock(&p->mu);
  p->stopping = true;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (unsigned i = 0; i < p->nthreads; i++) pthread_join(p->threads[i], NULL);
  pthread_mutex_lock(&p->tmu);
  p->timer_stopping = true;
  pthread_cond_signal(&p->tcv);
  pthread_mutex_unlock(&p->tmu);
  if (p->timer_started) pthread_join(p->timer_thread, NULL);
  free(p->threads);
  free(p->jobs);
  free(p->heap);
  pthread_mutex_destroy(&p->mu);
  pthread_cond_destroy(&p->cv);
  pthread_mutex_destroy(&p->tmu);
  pthread_cond_destroy(&p->tcv);
  memset(p, 0, sizeof *p);
}

/* ---- timer: a binary min-heap on when_ns */

static void heap_swap(dw_timer_entry *h, size_t i, size_t j) {
  dw_timer_entry t = h[i];
  h[i] = h[j];
  h[j] = t;
}

static void heap_up(dw_timer_entry *h, size_t i) {
  while (i > 0 && h[(i - 1) / 2].when_ns > h[i].when_ns) {
    heap_swap(h, i, (i - 1) / 2);
    i = (i - 1) / 2;
  }
}

static void heap_down(dw_timer_entry *h, size_t n, size_t i) {
  for (;;) {
    size_t l = 2 * i + 1, r = l + 1, m = i;
    if (l < n && h[l].when_ns < h[m].when_ns) m = l;
    if (r < n && h[r].when_ns < h[m].when_ns) m = r;
    if (m == i) return;
    heap_swap(h, i, m);
    i = m;
  }
}

static void *timer_main(void *arg) {
  dw_pool *p = arg;
  pthread_mutex_lock(&p->tmu);
  while (!p->timer_stopping) {
    if (p->hlen == 0) {
      p->sleep_until = UINT64_MAX;
      pthread_cond_wait(&p->tcv, &p->tmu);
      p->sleep_until = 0;
      continue;
    }
    uint64_t now = dw_now_ns();
    if (p->heap[0].when_ns > now) {
      struct timespec ts = {(time_t)(p->heap[0].when_ns / 1000000000ull),
                            (long)(p->heap[0].when_ns % 1000000000ull)};
      p->sleep_until = p->heap[0].when_ns;
      pthread_cond_timedwait(&p->tcv, &p->tmu, &ts);
      p->sleep_until = 0;
      continue;
    }
    dw_timer_entry e = p->heap[0];
    p->heap[0] = p->heap[--p->hlen];
    heap_down(p->heap, p->hlen, 0);
    e.fn(e.owner, e.a, e.b); /* under tmu: see the header */
  }
  pthread_mutex_unlock(&p->tmu);
  return NULL;
}

int dw_timer_add(dw_pool *p, uint64_t when_ns, dw_timer_fn fn, void *owner, uint32_t a,
                 uint32_t b) {
  pthread_mutex_lock(&p->tmu);
  int rc = -1;
  if (!p->timer_started) {
    if (pthread_create(&p->timer_thread, NULL, timer_main, p) != 0) goto out;
    p->timer_started = true;
  }
  if (p->hlen == p->hcap) {
    size_t nc = p->hcap ? p->hcap * 2 : 16;
    dw_timer_entry *n = realloc(p->heap, nc * sizeof *n);
    if (!n) goto out;
    p->heap = n;
    p->hcap = nc;
  }
  p->heap[p->hlen] = (dw_timer_entry){when_ns, fn, owner, a, b};
  heap_up(p->heap, p->hlen++);
  /* wake the thread only if it would sleep past this entry: one that is
   * awake looks at the heap again before it sleeps, and one that sleeps
   * until an earlier deadline (a timer dropped since) finds this entry
   * then — a run that arms a timer does not pay a wake-up call for it */
  if (when_ns < p->sleep_until) pthread_cond_signal(&p->tcv);
  rc = 0;
out:
  pthread_mutex_unlock(&p->tmu);
  return rc;
}

void dw_timer_cancel_owner(dw_pool *p, void *owner) {
  pthread_mutex_lock(&p->tmu);
  size_t j = 0;
  for (size_t i = 0; i < p->hlen; i++)
    if (p->heap[i].owner != owner) p->heap[j++] = p->heap[i];
  if (j != p->hlen) {
    p->hlen = j;
    for (size_t i = p->hlen / 2 + 1; i-- > 0;) heap_down(p->heap, p->hlen, i);
  }
  pthread_mutex_unlock(&p->tmu);
}
