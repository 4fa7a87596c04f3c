/* wasm/rt: see rt.h. Signals: SIGSEGV/SIGBUS/SIGFPE become traps only when
 * the faulting thread is inside guest code (in_guest) and the address is in
 * that call's memory reservation (out of bounds) or next to the thread's
 * stack limit (stack exhausted); anything else goes to the previous handler
 * or the default action, so host bugs still crash. Those faults are
 * synchronous: the guest instruction that faulted is abandoned, nothing
 * else. Deadlines and cancellation never interrupt the guest
 * asynchronously: they are checked when a fuel slice runs out, which every
 * loop iteration and call reaches (wasm/encode charges bulk operations by
 * their length), and the guest then traps at that safe point as wasmtime's
 * epoch interruption does. Every jump is a longjmp to a setjmp that saved
 * no signal mask, with SA_NODEFER handlers: no signal-mask syscalls per
 * call. */
#include "wasm/rt.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "wasm/parse.h"
#include "wasm/wasi.h"

#define DW_RT_FUEL_SLICE 65536
#define PAGE_BYTES 65536u
/* wasm2c addresses memory with a u64 sum of a u32 address and a u32 offset:
 * every access lands below 8 GiB (+ access size) from the base. */
#define RES_BYTES (((size_t)8 << 30) + ((size_t)1 << 20))
#define POOL_MAX 256
#ifndef RESET_MEMSET
#define RESET_MEMSET ((size_t)256 << 10)
#endif

typedef struct dw_rt_res {
  uint8_t *base;
  size_t rw; /* bytes currently readable/writable from base */
  unsigned uses;
  struct dw_rt_res *next;
} dw_rt_res;

typedef struct dw_rt_thread {
  jmp_buf jb;
  volatile sig_atomic_t trap; /* the code of the trap that jumped to jb */
  volatile sig_atomic_t in_guest;
  dw_rt_call *volatile call;
  void *alt;
  size_t alt_size;
  uintptr_t stack_lo, stack_hi;
} dw_rt_thread;

static __thread dw_rt_thread *tls_thread;
static pthread_key_t thread_key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int once_failed;
static struct sigaction old_act[65];

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
/* With swap, a page that is not resident may still hold data (swapped out):
 * then every reset goes through madvise. Checked once. */
static int have_swap;
static dw_rt_res *pool;
static unsigned pool_n, res_total;

uint64_t dw_rt_now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------- traps */

__attribute__((noreturn)) static void trap_now(dw_rt_thread *t, int code) {
  t->in_guest = 0;
  t->trap = code;
  /* glibc's setjmp/longjmp neither save nor restore the signal mask (the
   * handlers use SA_NODEFER), so this costs no syscall; unlike _longjmp it is
   * understood by the sanitizers. */
  longjmp(t->jb, 1);
}

__attribute__((noreturn)) static void api_trap(int code) {
  trap_now(tls_thread, code ? code : WASM_RT_TRAP_UNREACHABLE);
}

const char *dw_rt_trap_text(int code) {
  switch (code) {
    case WASM_RT_TRAP_OOB:
      return "out-of-bounds memory access";
    case WASM_RT_TRAP_INT_OVERFLOW:
      return "integer overflow";
    case WASM_RT_TRAP_DIV_BY_ZERO:
      return "integer divide by zero";
    case WASM_RT_TRAP_INVALID_CONVERSION:
      return "invalid conversion to integer";
    case WASM_RT_TRAP_UNREACHABLE:
      return "unreachable instruction executed";
    case WASM_RT_TRAP_CALL_INDIRECT:
      return "indirect call to a null or mistyped table entry";
    case WASM_RT_TRAP_UNCAUGHT_EXCEPTION:
      return "uncaught exception";
    case WASM_RT_TRAP_EXHAUSTION:
      return "call stack exhausted";
    case DW_TRAP_FUEL:
      return "out of fuel";
    case DW_TRAP_TIMEOUT:
      return "timeout";
    case DW_TRAP_CANCEL:
      return "cancelled";
    case DW_TRAP_MEMLIMIT:
      return "memory limit";
    case DW_TRAP_NOMEM:
      return "the host could not reserve memory for the instance";
    case DW_TRAP_EXIT:
      return "the module called proc_exit";
  }
  return "trap";
}

/* ----------------------------------------------------------- signals */

static void chain(int sig, siginfo_t *si, void *uc) {
  struct sigaction *o = &old_act[sig];
  if ((o->sa_flags & SA_SIGINFO) && o->sa_sigaction) {
    o->sa_sigaction(sig, si, uc);
    return;
  }
  if (!(o->sa_flags & SA_SIGINFO) && o->sa_handler != SIG_DFL && o->sa_handler != SIG_IGN) {
    o->sa_handler(sig);
    return;
  }
  /* Default action: returning re-executes the faulting instruction, which
   * now dies with the default disposition (and a core dump). */
  struct sigaction d;
  memset(&d, 0, sizeof d);
  d.sa_handler = SIG_DFL;
  sigaction(sig, &d, NULL);
  if (si->si_code <= 0) raise(sig); /* sent with kill(): no instruction to re-run */
}

static bool stack_fault(const dw_rt_thread *t, uintptr_t a, void *ucv) {
  if (t->stack_lo && a < t->stack_lo + 65536 && a + ((uintptr_t)16 << 20) >= t->stack_lo)
    return true;
#if defined(__x86_64__)
  ucontext_t *uc = ucv;
  uintptr_t sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
  if (a + ((uintptr_t)1 << 20) >= sp && a < sp + ((uintptr_t)1 << 20) && a < t->stack_hi)
    return true;
#else
  (void)ucv;
#endif
  return false;
}

static void on_fault(int sig, siginfo_t *si, void *uc) {
  dw_rt_thread *t = tls_thread;
  if (t && t->in_guest) {
    uintptr_t a = (uintptr_t)si->si_addr;
    dw_rt_call *c = t->call;
    if (sig == SIGFPE) trap_now(t, WASM_RT_TRAP_INT_OVERFLOW);
    if (c && c->res && a >= (uintptr_t)c->res->base && a < (uintptr_t)c->res->base + RES_BYTES)
      trap_now(t, WASM_RT_TRAP_OOB);
    if (stack_fault(t, a, uc)) trap_now(t, WASM_RT_TRAP_EXHAUSTION);
  }
  chain(sig, si, uc);
}

static void thread_destroy(void *p) {
  dw_rt_thread *t = p;
  if (!t) return;
  if (t->alt) {
    stack_t ss, cur;
    memset(&ss, 0, sizeof ss);
    ss.ss_flags = SS_DISABLE;
    if (sigaltstack(NULL, &cur) == 0 && cur.ss_sp == t->alt) sigaltstack(&ss, NULL);
    munmap((uint8_t *)t->alt - 4096, t->alt_size + 4096);
  }
  tls_thread = NULL;
  free(t);
}

static pthread_mutex_t handler_mu = PTHREAD_MUTEX_INITIALIZER;

/* (Re)install the fault handlers if something replaced them (a test
 * framework, a library): the replaced handler becomes the one chained to. */
void dw_rt_ensure_handlers(void) {
  pthread_mutex_lock(&handler_mu);
  int sigs[] = {SIGSEGV, SIGBUS, SIGFPE};
  for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) {
    struct sigaction cur;
    if (sigaction(sigs[i], NULL, &cur) != 0) continue;
    if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_fault) continue;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[i], &sa, &old_act[sigs[i]]);
  }
  pthread_mutex_unlock(&handler_mu);
}

static void install(void) {
  FILE *f = fopen("/proc/swaps", "r");
  if (f) {
    char line[512];
    int lines = 0;
    while (fgets(line, sizeof line, f)) lines++;
    fclose(f);
    have_swap = lines > 1;
  }
  if (pthread_key_create(&thread_key, thread_destroy)) {
    once_failed = 1;
    return;
  }
  dw_rt_ensure_handlers();
}

int dw_rt_thread_init(void) {
  if (tls_thread) return 0;
  pthread_once(&once, install);
  if (once_failed) return -1;
  dw_rt_thread *t = calloc(1, sizeof *t);
  if (!t) return -1;
  /* An alternate signal stack, so a stack overflow can be reported. Keep
   * one the thread already has (a sanitizer's) if it is big enough. */
  stack_t cur;
  if (sigaltstack(NULL, &cur) != 0 || (cur.ss_flags & SS_DISABLE) || cur.ss_size < 32768) {
    size_t sz = 65536;
    uint8_t *m = mmap(NULL, sz + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
      free(t);
      return -1;
    }
    mprotect(m, 4096, PROT_NONE); /* guard below the alt-stack */
    stack_t ss = {.ss_sp = m + 4096, .ss_size = sz, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
      munmap(m, sz + 4096);
      free(t);
      return -1;
    }
    t->alt = m + 4096;
    t->alt_size = sz;
  }
  pthread_attr_t attr;
  if (pthread_getattr_np(pthread_self(), &attr) == 0) {
    void *addr;
    size_t size;
    if (pthread_attr_getstack(&attr, &addr, &size) == 0) {
      t->stack_lo = (uintptr_t)addr;
      t->stack_hi = (uintptr_t)addr + size;
    }
    pthread_attr_destroy(&attr);
  }
  if (!t->stack_hi) t->stack_hi = UINTPTR_MAX;
  tls_thread = t;
  pthread_setspecific(thread_key, t);
  return 0;
}

/* --------------------------------------------------------------- calls */

void dw_rt_call_begin(dw_rt_call *c) {
  dw_rt_thread *t = tls_thread;
  uint64_t s = c->fuel_total < DW_RT_FUEL_SLICE ? c->fuel_total : DW_RT_FUEL_SLICE;
  c->fuel = (int64_t)s;
  c->fuel_left = c->fuel_total - s;
  t->call = c;
}

int dw_rt_run(dw_rt_call *c, void (*fn)(void *arg), void *arg) {
  dw_rt_thread *t = tls_thread;
  t->call = c;
  t->trap = 0;
  c->depth = 0;
  if (setjmp(t->jb) == 0) {
    t->in_guest = 1;
    fn(arg);
    t->in_guest = 0;
    return 0;
  }
  return t->trap;
}

static void res_release(dw_rt_res *r) {
  /* Back to zeros. The first RESET_MEMSET bytes are cleared in place: a
   * memset of a small, cache-hot memory is far cheaper than madvise (a TLB
   * flush) plus a page fault per page the next call touches. The rest goes
   * back to the kernel. The protection stays until the next user sets its
   * own size. */
  size_t keep = r->rw < RESET_MEMSET ? r->rw : RESET_MEMSET;
  if (++r->uses % 1024 == 0 || have_swap) keep = 0; /* now and then, hand everything back */
  if (keep) {
    /* Only resident pages can hold data: mincore (no TLB flush) finds them,
     * usually the few pages a call touched. */
    unsigned char vec[RESET_MEMSET / 4096];
    size_t np = keep / 4096;
    if (mincore(r->base, keep, vec) != 0) {
      memset(r->base, 0, keep);
    } else {
      for (size_t i = 0; i < np;) {
        if (!(vec[i] & 1)) {
          i++;
          continue;
        }
        size_t j = i;
        while (j < np && (vec[j] & 1)) j++;
        memset(r->base + i * 4096, 0, (j - i) * 4096);
        i = j;
      }
    }
  }
  if (r->rw > keep) madvise(r->base + keep, r->rw - keep, MADV_DONTNEED);
  pthread_mutex_lock(&pool_mu);
  if (pool_n < POOL_MAX) {
    r->next = pool;
    pool = r;
    pool_n++;
    r = NULL;
  } else {
    res_total--;
  }
  pthread_mutex_unlock(&pool_mu);
  if (r) {
    munmap(r->base, RES_BYTES);
    free(r);
  }
}

void dw_rt_call_leave(dw_rt_call *c) {
  dw_rt_thread *t = tls_thread;
  if (t && t->call == c) t->call = NULL;
}

void dw_rt_call_done(dw_rt_call *c) {
  dw_rt_thread *t = tls_thread;
  if (c->res) {
    res_release(c->res);
    c->res = NULL;
  }
  if (c->mem) c->mem->data = NULL;
  c->mem = NULL;
  for (int i = 0; i < 2; i++) {
    free(c->log[i]);
    c->log[i] = NULL;
  }
  if (t) t->call = NULL;
}

unsigned dw_rt_reservations(void) {
  pthread_mutex_lock(&pool_mu);
  unsigned n = res_total;
  pthread_mutex_unlock(&pool_mu);
  return n;
}

/* --------------------------------------------------------- the API */

static void api_fuel_out(void *ctx) {
  dw_rt_call *c = ctx;
  dw_rt_thread *t = tls_thread;
  t->in_guest = 0;
  if (c->deadline_ns && dw_rt_now_ns() >= c->deadline_ns) trap_now(t, DW_TRAP_TIMEOUT);
  if (c->cancel && atomic_load_explicit(c->cancel, memory_order_relaxed))
    trap_now(t, DW_TRAP_CANCEL);
  while (c->fuel < 0 && c->fuel_left > 0) {
    uint64_t s = c->fuel_left < DW_RT_FUEL_SLICE ? c->fuel_left : DW_RT_FUEL_SLICE;
    c->fuel_left -= s;
    c->fuel += (int64_t)s;
  }
  if (c->fuel < 0) trap_now(t, DW_TRAP_FUEL);
  t->in_guest = 1;
}

/* The same for a module that keeps the fuel in a register: it passes the
 * value and takes the refilled one back. */
static int64_t api_refuel(int64_t fuel) {
  dw_rt_call *c = tls_thread->call;
  c->fuel = fuel;
  api_fuel_out(c);
  return c->fuel;
}

static dw_rt_res *res_get(void) {
  pthread_mutex_lock(&pool_mu);
  dw_rt_res *r = pool;
  if (r) {
    pool = r->next;
    pool_n--;
  }
  pthread_mutex_unlock(&pool_mu);
  if (r) return r;
  r = calloc(1, sizeof *r);
  if (!r) return NULL;
  void *m = mmap(NULL, RES_BYTES, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) {
    free(r);
    return NULL;
  }
  r->base = m;
  pthread_mutex_lock(&pool_mu);
  res_total++;
  pthread_mutex_unlock(&pool_mu);
  return r;
}

static int res_set_rw(dw_rt_res *r, size_t bytes) {
  if (bytes > r->rw) {
    if (mprotect(r->base + r->rw, bytes - r->rw, PROT_READ | PROT_WRITE)) return -1;
  } else if (bytes < r->rw) {
    if (mprotect(r->base + bytes, r->rw - bytes, PROT_NONE)) return -1;
  }
  r->rw = bytes;
  return 0;
}

static void api_allocate_memory(wasm_rt_memory_t *m, uint32_t initial, uint32_t max) {
  dw_rt_thread *t = tls_thread;
  sig_atomic_t g = t->in_guest;
  t->in_guest = 0;
  dw_rt_call *c = t->call;
  memset(m, 0, sizeof *m);
  if (c->res) trap_now(t, DW_TRAP_NOMEM); /* one memory per instance */
  uint32_t cap = c->max_pages;
  if (max > cap) max = cap;
  if (initial > cap) {
    c->need_pages = initial;
    trap_now(t, DW_TRAP_MEMLIMIT);
  }
  dw_rt_res *r = res_get();
  if (!r) trap_now(t, DW_TRAP_NOMEM);
  if (res_set_rw(r, (size_t)initial * PAGE_BYTES)) {
    res_release(r);
    trap_now(t, DW_TRAP_NOMEM);
  }
  c->res = r;
  c->mem = m;
  m->data = r->base;
  m->pages = initial;
  m->max_pages = max;
  m->size = initial * PAGE_BYTES;
  t->in_guest = g;
}

static uint32_t api_grow_memory(wasm_rt_memory_t *m, uint32_t delta) {
  dw_rt_thread *t = tls_thread;
  sig_atomic_t g = t->in_guest;
  t->in_guest = 0;
  dw_rt_call *c = t->call;
  uint32_t old = m->pages, ret = old;
  uint64_t np = (uint64_t)old + delta;
  if (delta == 0) goto out;
  if (np > m->max_pages || !c->res || m->data != c->res->base) {
    if (np > c->max_pages) c->grow_refused = true;
    ret = UINT32_MAX;
    goto out;
  }
  if (res_set_rw(c->res, (size_t)np * PAGE_BYTES)) {
    ret = UINT32_MAX;
    goto out;
  }
  m->pages = (uint32_t)np;
  m->size = (uint32_t)np * PAGE_BYTES;
out:
  t->in_guest = g;
  return ret;
}

static void api_free_memory(wasm_rt_memory_t *m) {
  dw_rt_thread *t = tls_thread;
  sig_atomic_t g = t->in_guest;
  t->in_guest = 0;
  dw_rt_call *c = t->call;
  if (c && c->res && m->data == c->res->base) {
    res_release(c->res);
    c->res = NULL;
    c->mem = NULL;
  }
  m->data = NULL;
  m->size = m->pages = 0;
  t->in_guest = g;
}

static void *api_table_alloc(uint32_t n, uint32_t es) {
  dw_rt_thread *t = tls_thread;
  sig_atomic_t g = t->in_guest;
  t->in_guest = 0;
  void *p = n > DW_WASM_MAX_TABLE ? NULL : calloc(n ? n : 1, es);
  if (!p) trap_now(t, DW_TRAP_NOMEM);
  t->in_guest = g;
  return p;
}

static void *api_table_grow(void *data, uint32_t old_n, uint32_t new_n, uint32_t es) {
  dw_rt_thread *t = tls_thread;
  sig_atomic_t g = t->in_guest;
  t->in_guest = 0;
  void *p = NULL;
  if (new_n <= DW_WASM_MAX_TABLE && new_n >= old_n) {
    p = realloc(data, (size_t)(new_n ? new_n : 1) * es);
    if (p) memset((uint8_t *)p + (size_t)old_n * es, 0, (size_t)(new_n - old_n) * es);
  }
  t->in_guest = g;
  return p;
}

static void api_table_free(void *data) {
  dw_rt_thread *t = tls_thread;
  sig_atomic_t g = t ? t->in_guest : 0;
  if (t) t->in_guest = 0;
  free(data);
  if (t) t->in_guest = g;
}

static uint32_t api_wasi(void *ctx, uint32_t fn, const uint64_t *args) {
  dw_rt_thread *t = tls_thread;
  sig_atomic_t g = t->in_guest;
  t->in_guest = 0;
  int code = 0;
  uint32_t r = dw_wasi_dispatch(ctx, fn, args, &code);
  if (code) trap_now(t, code);
  t->in_guest = g;
  return r;
}

static const dw_guest_api api = {
    .abi = DW_GUEST_ABI,
    .trap = api_trap,
    .fuel_out = api_fuel_out,
    .refuel = api_refuel,
    .allocate_memory = api_allocate_memory,
    .grow_memory = api_grow_memory,
    .free_memory = api_free_memory,
    .table_alloc = api_table_alloc,
    .table_grow = api_table_grow,
    .table_free = api_table_free,
    .wasi = api_wasi,
};

const dw_guest_api *dw_rt_api(void) { return &api; }
