/* tests/unit/test_alloc_fail: allocation failures in the engine are reported,
 * not crashes (issue 6). This program defines malloc, calloc and realloc
 * itself (they forward to the next definition: glibc's, or the sanitizer's)
 * so that, in a forked child, the Nth allocation — or every allocation from
 * the Nth on — fails. For each N the child creates an engine, loads a
 * pipeline from a file and a broken one from a string, runs, and writes the
 * JSON, protobuf and trace reports; it must end by exiting (never a signal
 * or a hang), and whatever it gets back must be either a reported failure
 * (NULL, an error, a failed processor) or the right answer. A second test
 * caps the child's address space (RLIMIT_AS) under a large input; it is
 * skipped under ASan and TSan, whose shadow memory needs terabytes of it.
 * DW_ALLOC_FAIL_ALL=1 tries every N (the default samples the long tail);
 * DW_ALLOC_FAIL_N=N runs only that N, in the foreground, for a debugger;
 * DW_ALLOC_FAIL_STRICT=0 leaves out the checks of leaks on error paths
 * (ASan builds) and of dw_run_start when no thread can start. */
#include <dlfcn.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dagwood/dagwood.h"

#if defined(__SANITIZE_ADDRESS__)
#define DW_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define DW_UNDER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define DW_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define DW_UNDER_TSAN 1
#endif
#endif
#if defined(DW_UNDER_ASAN) || defined(DW_UNDER_TSAN)
#define DW_UNDER_SANITIZER 1
/* Under a sanitizer only the allocations made by code linked into this
 * program (the engine and this test) fail: the sanitizer's runtime allocates
 * through malloc too (e.g. pthread_getattr_np when a thread starts) and
 * treats a failure there as fatal. The normal build fails every call. */
extern char __executable_start[], etext[];
#define ELIGIBLE(ra) ((char *)(ra) >= __executable_start && (char *)(ra) < etext)
#else
#define ELIGIBLE(ra) ((void)(ra), 1)
#endif
#ifdef DW_UNDER_ASAN
#include <sanitizer/lsan_interface.h>
#endif

/* ------------------------------------------------- the failing allocator */

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static atomic_long ncalls;  /* allocations counted since arming */
static long fail_at;        /* 0: never fail */
static int fail_after;      /* fail every call from fail_at on, not just that one */
static atomic_long nfailed; /* allocations refused */

/* dlsym may allocate while the pointers are being looked up: serve those
 * few requests from a static block (never freed; the lookup happens once). */
static _Alignas(16) unsigned char boot[4096];
static size_t boot_used;
static int resolving;

static void *boot_alloc(size_t n) {
  n = (n + 15) & ~(size_t)15;
  if (boot_used + n > sizeof boot) return NULL;
  void *p = boot + boot_used;
  boot_used += n;
  return p;
}

static void resolve(void) {
  if (next_malloc || resolving) return;
  resolving = 1;
  next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
  next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
  next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
  resolving = 0;
  if (!next_malloc || !next_calloc || !next_realloc) abort();
}

static int should_fail(void *caller) {
  if (!fail_at || !ELIGIBLE(caller)) return 0;
  long k = atomic_fetch_add(&ncalls, 1) + 1;
  if (k == fail_at || (fail_after && k > fail_at)) {
    atomic_fetch_add(&nfailed, 1);
    errno = ENOMEM; /* as the real ones do; glibc's pthread_create asserts it */
    return 1;
  }
  return 0;
}

void *malloc(size_t n) {
  if (!next_malloc) {
    if (resolving) return boot_alloc(n);
    resolve();
  }
  return should_fail(__builtin_return_address(0)) ? NULL : next_malloc(n);
}

void *calloc(size_t n, size_t size) {
  if (!next_calloc) {
    if (resolving) return boot_alloc(n * size); /* zeroed: static storage */
    resolve();
  }
  return should_fail(__builtin_return_address(0)) ? NULL : next_calloc(n, size);
}

void *realloc(void *p, size_t n) {
  if (!next_realloc) resolve();
  return should_fail(__builtin_return_address(0)) ? NULL : next_realloc(p, n);
}

/* --------------------------------------------------------- the workload */

static const char *const BROKEN =
    "strategy: fastest\n"
    "processors:\n"
    "  - {id: a, type: local, processor: change_text_case_uper}\n"
    "  - {id: a, type: local, processor: reverse_text, depends_on: [b]}\n";
static const char INPUT[] = "the lord of the rings";
static const char EXPECTED[] = "<< The Lord of the Rings >>";

enum {                       /* the child's exit status (ASan exits with 1, LSan with 23) */
       GOT_RIGHT_ANSWER = 0, /* everything worked (the failure hit nothing vital) */
       GOT_REPORTED = 3,     /* a NULL or an error somewhere: reported */
       BROKEN_LOADED = 20,   /* contract broken: a broken pipeline loaded */
       WRONG_OUTPUT = 21,    /* contract broken: "succeeded" with the wrong output */
       WRONG_JSON = 22,      /* contract broken: JSON report says otherwise */
       NO_DIAGNOSTIC = 24,   /* contract broken: refused without any error */
       LEAKED = 25           /* an error path leaked (ASan builds) */
};

static char demo_path[1024];
/* DW_ALLOC_FAIL_STRICT=1: also check what is still open (docs/HARDENING.md):
 * leaks on error paths (ASan builds) and dw_run_start, whose run hangs when
 * the pool cannot start a single thread. */
static int strict;

static int has_kv(const dw_kv *kv, size_t n, const char *key, const char *value) {
  for (size_t i = 0; i < n; i++)
    if (kv[i].key && !strcmp(kv[i].key, key)) return kv[i].value && !strcmp(kv[i].value, value);
  return 0;
}

/* What a result says, against what the demo pipeline must produce: the right
 * answer, a reported failure, or a broken contract. Frees r. */
static int check_result(dw_result *r) {
  int rc = GOT_RIGHT_ANSWER;
  size_t n;
  const uint8_t *out = dw_result_output(r, &n);
  int ok = dw_result_status(r) == DW_RUN_SUCCEEDED;
  if (!ok)
    rc = GOT_REPORTED;
  else if (n != strlen(EXPECTED) || memcmp(out, EXPECTED, n) != 0)
    rc = WRONG_OUTPUT;
  for (size_t i = 0; i < dw_result_count(r); i++) {
    const dw_proc_report *pr = dw_result_processor(r, i);
    if (pr->status == DW_PROC_FAILED && (!pr->error_message || pr->error_code == 0))
      rc = NO_DIAGNOSTIC;
    /* a succeeded analyzer has all of its metadata: none silently lost */
    if (pr->status == DW_PROC_SUCCEEDED && !strcmp(pr->id, "count") &&
        !(has_kv(pr->metadata, pr->metadata_count, "char_count", "21") &&
          has_kv(pr->metadata, pr->metadata_count, "word_count", "5") &&
          has_kv(pr->metadata, pr->metadata_count, "line_count", "1")))
      rc = WRONG_OUTPUT;
    if (pr->status == DW_PROC_SUCCEEDED && !strcmp(pr->id, "frequencies") &&
        !(has_kv(pr->metadata, pr->metadata_count, "word_freq_the", "2") &&
          has_kv(pr->metadata, pr->metadata_count, "total_unique_words", "4")))
      rc = WRONG_OUTPUT;
  }
  if (!has_kv(dw_result_context(r), dw_result_context_count(r), "input_text", INPUT))
    rc = WRONG_OUTPUT;
  char *j = dw_result_to_json(r);
  if (j && ok && (!strstr(j, "\"status\":\"succeeded\"") || !strstr(j, EXPECTED))) rc = WRONG_JSON;
  if (!j && rc == GOT_RIGHT_ANSWER) rc = GOT_REPORTED;
  free(j);
  uint8_t *pb = NULL;
  size_t pblen = 0;
  if (dw_result_to_protobuf(r, &pb, &pblen) != 0 && rc == GOT_RIGHT_ANSWER) rc = GOT_REPORTED;
  free(pb);
  FILE *f = fopen("/dev/null", "w");
  if (f) {
    (void)dw_result_write_trace(r, f);
    fclose(f);
  }
  dw_result_free(r);
  return rc;
}

/* One engine life: load, run, report, free. Returns one of the codes above. */
static int workload(void) {
  int rc = GOT_RIGHT_ANSWER;
  dw_engine_options eo = {2, "/nonexistent/dw-alloc-cache"};
  dw_engine *e = dw_engine_new(&eo);
  if (!e) return GOT_REPORTED;

  dw_diags *d = NULL;
  dw_pipeline *bad = dw_pipeline_load_string(e, "broken.yaml", BROKEN, strlen(BROKEN), NULL, &d);
  if (bad) rc = BROKEN_LOADED;
  dw_pipeline_free(bad);
  dw_diags_free(d);
  if (rc) goto out_engine;

  d = NULL;
  dw_pipeline *p = dw_pipeline_load_file(e, demo_path, NULL, &d);
  if (!p) {
    /* refused: there must be an error, unless even the list could not be made */
    if (d && dw_diags_errors(d) == 0 && dw_diags_count(d) > 0)
      rc = NO_DIAGNOSTIC;
    else
      rc = GOT_REPORTED;
    dw_diags_free(d);
    goto out_engine;
  }
  dw_diags_free(d);

  dw_run_options o;
  dw_run_options_init(&o);
  o.hostname = "alloc-host";
  o.seed = 1;
  o.retry_base_ms = 1;
  if (strict) {
    /* the background form first, while the pool has no thread yet: all of
     * its workers must come from the pool */
    dw_run *run = dw_run_start(e, p, INPUT, strlen(INPUT), &o);
    dw_result *r = run ? dw_run_wait(run) : NULL;
    rc = r ? check_result(r) : GOT_REPORTED;
  }
  if (rc < BROKEN_LOADED) {
    dw_result *r = dw_pipeline_run(e, p, INPUT, strlen(INPUT), &o);
    int rc2 = r ? check_result(r) : GOT_REPORTED;
    if (rc2 > rc) rc = rc2;
  }
  dw_pipeline_free(p);
out_engine:
  dw_engine_free(e);
  return rc;
}

/* Run the workload in a child with allocation N failing (and, with `after`,
 * every one after it). Returns the child's wait status; *refused gets how
 * many allocations were refused (through a pipe). */
static int child_run(long n, int after, long *refused, long *total) {
  int fds[2];
  assert_int_equal(pipe(fds), 0);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    close(fds[0]);
    alarm(20); /* a hang shows up as SIGALRM */
    atomic_store(&ncalls, 0);
    atomic_store(&nfailed, 0);
    fail_after = after;
    fail_at = n ? n : -1; /* -1: count only */
    int rc = workload();
    fail_at = 0;
#ifdef DW_UNDER_ASAN
    if (strict && __lsan_do_recoverable_leak_check()) rc = LEAKED;
#endif
    long msg[2] = {atomic_load(&nfailed), atomic_load(&ncalls)};
    if (write(fds[1], msg, sizeof msg) != (ssize_t)sizeof msg) rc = 99;
    _exit(rc);
  }
  close(fds[1]);
  long msg[2] = {0, 0};
  ssize_t got = read(fds[0], msg, sizeof msg);
  close(fds[0]);
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  if (refused) *refused = got == (ssize_t)sizeof msg ? msg[0] : -1;
  if (total) *total = got == (ssize_t)sizeof msg ? msg[1] : -1;
  return st;
}

static const char *describe(int st, char *buf, size_t size) {
  if (WIFSIGNALED(st))
    snprintf(buf, size, "killed by signal %d%s", WTERMSIG(st),
             WTERMSIG(st) == SIGALRM ? " (hung for 20 s)" : "");
  else
    snprintf(buf, size, "exit %d", WEXITSTATUS(st));
  return buf;
}

/* How many allocations one workload makes when none fails. */
static long count_allocations(void) {
  long refused, total;
  int st = child_run(0, 0, &refused, &total);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), GOT_RIGHT_ANSWER);
  return total;
}

static void sweep(int after) {
  const char *one = getenv("DW_ALLOC_FAIL_N");
  if (one) { /* a single N, in this process: for gdb */
    fail_after = after;
    fail_at = atol(one);
    int rc = workload();
    fail_at = 0;
    print_message("N=%s: workload returned %d\n", one, rc);
    assert_true(rc < BROKEN_LOADED);
    return;
  }
  long total = count_allocations();
  print_message("one load + run + reports: %ld allocations\n", total);
  assert_true(total > 50);
  int all = getenv("DW_ALLOC_FAIL_ALL") != NULL;
  long tried = 0, right = 0, reported = 0, bad = 0;
  /* every N up to 400, then a step so that about 400 more are spread
   * over the rest (and a few past the end, where nothing fails) */
  long step = all || total <= 400 ? 1 : (total - 400) / 400 + 1;
  for (long n = 1; n <= total + 20; n += n < 400 ? 1 : step) {
    long refused;
    int st = child_run(n, after, &refused, NULL);
    tried++;
    char buf[96];
    if (WIFEXITED(st) && WEXITSTATUS(st) == GOT_RIGHT_ANSWER)
      right++;
    else if (WIFEXITED(st) && WEXITSTATUS(st) == GOT_REPORTED)
      reported++;
    else {
      bad++;
      print_message(
          "allocation %ld%s failing: %s (%ld refused); rerun with DW_ALLOC_FAIL_N=%ld%s\n", n,
          after ? " and every later one" : "", describe(st, buf, sizeof buf), refused, n,
          after ? " (after mode)" : "");
    }
  }
  print_message("%ld runs: %ld right answers, %ld reported failures, %ld broken\n", tried, right,
                reported, bad);
  assert_int_equal(bad, 0);
}

static void test_fail_one_allocation(void **state) {
  (void)state;
  sweep(0);
}

static void test_fail_from_n_on(void **state) {
  (void)state;
  sweep(1);
}

/* A capped address space and an input larger than what is left: the run
 * reports failures (or NULL) and the process goes on. */
/* Not under a sanitizer: its shadow memory needs the address space a
 * capped RLIMIT_AS takes away (the case is not listed there). */
#ifndef DW_UNDER_SANITIZER
static void test_address_space_limit(void **state) {
  (void)state;
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    alarm(60);
    size_t big = 64u << 20;
    char *in = malloc(big);
    if (!in) _exit(3);
    for (size_t i = 0; i < big; i++) in[i] = "abc de"[i % 6];
    struct rlimit rl;
    getrlimit(RLIMIT_AS, &rl);
    /* what is mapped now, plus 160 MiB: enough to start, not to finish */
    FILE *f = fopen("/proc/self/statm", "r");
    unsigned long pages = 0;
    if (!f || fscanf(f, "%lu", &pages) != 1) _exit(4);
    fclose(f);
    rl.rlim_cur = pages * (unsigned long)sysconf(_SC_PAGESIZE) + (160ul << 20);
    if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(5);
    dw_engine_options eo = {8, "/nonexistent/dw-alloc-cache"};
    dw_engine *e = dw_engine_new(&eo);
    if (!e) _exit(GOT_REPORTED);
    dw_pipeline *p = dw_pipeline_load_file(e, demo_path, NULL, NULL);
    if (!p) {
      dw_engine_free(e);
      _exit(GOT_REPORTED);
    }
    dw_run_options o;
    dw_run_options_init(&o);
    o.max_concurrency = 4;
    dw_result *r = dw_pipeline_run(e, p, in, big, &o);
    int rc = GOT_REPORTED;
    if (r) {
      int failed = 0;
      for (size_t i = 0; i < dw_result_count(r); i++) {
        const dw_proc_report *pr = dw_result_processor(r, i);
        if (pr->status == DW_PROC_FAILED) {
          failed++;
          if (!pr->error_message) rc = NO_DIAGNOSTIC;
        }
      }
      if (dw_result_status(r) == DW_RUN_SUCCEEDED)
        rc = GOT_RIGHT_ANSWER;
      else if (!failed && dw_result_status(r) == DW_RUN_FAILED)
        rc = GOT_REPORTED;
      char *j = dw_result_to_json(r);
      free(j);
      dw_result_free(r);
    }
    dw_pipeline_free(p);
    dw_engine_free(e);
    free(in);
    _exit(rc);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  char buf[96];
  print_message("64 MiB input under a 160 MiB address-space margin: %s\n",
                describe(st, buf, sizeof buf));
  assert_true(WIFEXITED(st));
  assert_true(WEXITSTATUS(st) == GOT_REPORTED || WEXITSTATUS(st) == GOT_RIGHT_ANSWER);
}
#endif

int main(void) {
  const char *src = getenv("DW_SOURCE_DIR");
  snprintf(demo_path, sizeof demo_path, "%s/examples/pipelines/demo.yaml", src ? src : ".");
  const char *st = getenv("DW_ALLOC_FAIL_STRICT");
  strict = !st || strcmp(st, "0") != 0; /* on unless DW_ALLOC_FAIL_STRICT=0 */
  if (!strict)
    print_message(
        "DW_ALLOC_FAIL_STRICT=0: leaks on error paths and dw_run_start without threads "
        "are not checked\n");
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fail_one_allocation),
      cmocka_unit_test(test_fail_from_n_on),
#ifndef DW_UNDER_SANITIZER
      cmocka_unit_test(test_address_space_limit),
#endif
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
