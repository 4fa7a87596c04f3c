/* tests/unit/test_wasm_stress: the sandbox's process-wide promises — 20 000
 * fresh instances in one process with flat address-space use (whole
 * reservations returned and reused); a host NULL dereference after guest
 * traps still crashes (checked in a child process, with a time limit so an
 * endless fault loop is caught); a stack overflow on a fresh thread with a
 * small stack is a clean trap. */
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "test_wasm_util.h"
#include "wasm/rt.h"

static long vm_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, "VmSize:", 7)) v = strtol(line + 7, NULL, 10);
  if (f) fclose(f);
  return v;
}

static void test_many_instances(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "echo", tw_fixture("ok_echo"), NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  tw_pipe t2;
  tw_init(&t2, "oob", tw_fixture("oob_store"), NULL);
  dw_wasm_module *bad = tw_prepare(&t2);
  assert_non_null(bad);
  dw_call c;
  /* warm up, then measure */
  for (int i = 0; i < 100; i++) {
    assert_int_equal(tw_call(m, &c, "echo", "warm", NULL, 0), 0);
    dw_call_clear(&c);
  }
  long vm0 = vm_kib();
  unsigned res0 = dw_rt_reservations();
  for (int i = 0; i < 20000; i++) {
    if (i % 10 == 9) {
      assert_int_equal(tw_call(bad, &c, "oob", "x", NULL, 0), -1);
    } else {
      assert_int_equal(tw_call(m, &c, "echo", "some payload", NULL, 0), 0);
      assert_int_equal(c.out_len, 12);
    }
    dw_call_clear(&c);
  }
  long vm1 = vm_kib();
  fprintf(stderr, "20000 instances: VmSize %ld -> %ld KiB, reservations %u -> %u\n", vm0, vm1, res0,
          dw_rt_reservations());
  assert_true(dw_rt_reservations() <= res0 + 1);
  /* each reservation is 8 GiB: flat means no growth beyond a few MiB */
  assert_true(vm1 - vm0 < 64 * 1024);
  dw_wasm_module_free(m);
  dw_wasm_module_free(bad);
  tw_free(&t);
  tw_free(&t2);
}

static void test_host_fault_still_crashes(void **state) {
  (void)state;
  tw_pipe t, t2;
  tw_init(&t, "div0", tw_fixture("div0"), NULL);
  tw_init(&t2, "oob", tw_fixture("oob_load"), NULL);
  dw_wasm_module *m = tw_prepare(&t), *m2 = tw_prepare(&t2);
  assert_non_null(m);
  assert_non_null(m2);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* cmocka's own handlers would turn the crash into a test report */
    signal(SIGSEGV, SIG_DFL);
    dw_wasm_module *again = dw_wasm_prepare(&t.spec, &t.proc, NULL, (char[256]){0}, 256);
    dw_call c;
    if (tw_call(again ? again : m, &c, "div0", "x", NULL, 0) != -1) _exit(3);
    dw_call_clear(&c);
    if (tw_call(m2, &c, "oob", "x", NULL, 0) != -1) _exit(4); /* a fault-based trap */
    dw_call_clear(&c);
    volatile int *volatile null = NULL;
    *null = 1; /* host code: must crash */
    _exit(5);
  }
  int status = 0;
  uint64_t t0 = dw_rt_now_ns();
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (dw_rt_now_ns() - t0 > 20000000000ull) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      fail_msg("the child did not crash within 20 s (a fault loop?)");
    }
    struct timespec ts = {0, 5000000};
    nanosleep(&ts, NULL);
  }
#if defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer reports the SEGV and exits with status 1 */
  assert_true((WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV) ||
              (WIFEXITED(status) && WEXITSTATUS(status) == 1));
#else
  if (!WIFSIGNALED(status))
    fail_msg("child exited with %d instead of crashing",
             WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  assert_int_equal(WTERMSIG(status), SIGSEGV);
#endif
  dw_wasm_module_free(m);
  dw_wasm_module_free(m2);
  tw_free(&t);
  tw_free(&t2);
}

typedef struct rec {
  dw_wasm_module *m;
  int rc;
  char err[512];
} rec;

static void *small_stack_thread(void *arg) {
  rec *r = arg;
  dw_call c;
  r->rc = tw_call(r->m, &c, "recurse", "x", NULL, 0);
  snprintf(r->err, sizeof r->err, "%s", c.err_msg ? c.err_msg : "");
  dw_call_clear(&c);
  /* the thread is still usable afterwards */
  dw_call_clear(&c);
  return NULL;
}

static void test_overflow_on_fresh_thread(void **state) {
  (void)state;
  tw_pipe t;
  tw_init(&t, "recurse", tw_fixture("recurse"), "fuel_level", "100000000", NULL);
  dw_wasm_module *m = tw_prepare(&t);
  assert_non_null(m);
  for (int i = 0; i < 4; i++) {
    rec r = {.m = m};
    pthread_attr_t a;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, (size_t)(256 + 256 * i) << 10);
    pthread_t th;
    assert_int_equal(pthread_create(&th, &a, small_stack_thread, &r), 0);
    pthread_join(th, NULL);
    pthread_attr_destroy(&a);
    assert_int_equal(r.rc, -1);
    assert_non_null(strstr(r.err, "call stack exhausted"));
  }
  dw_wasm_module_free(m);
  tw_free(&t);
}

/* Several processes compile the same module into an empty cache at once:
 * all succeed (the lock makes one compile, the others wait and load it),
 * one entry remains, no temporary files are left behind. */
static void test_cache_concurrent_processes(void **state) {
  (void)state;
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/test-wasm/cache-procs", tw_dir("DW_BUILD_DIR", "."));
  dw_wasm_cache_clear(dir);
  tw_pipe t;
  tw_init(&t, "rle", tw_fixture("stack_only"), NULL);
  fflush(NULL);
  pid_t kids[4];
  for (int i = 0; i < 4; i++) {
    kids[i] = fork();
    assert_true(kids[i] >= 0);
    if (kids[i] == 0) {
      char err[2048];
      dw_wasm_module *m = dw_wasm_prepare(&t.spec, &t.proc, dir, err, sizeof err);
      if (!m) {
        fprintf(stderr, "child %d: %s\n", i, err);
        _exit(1);
      }
      dw_call c;
      int rc = tw_call(m, &c, "rle", "abc", NULL, 0);
      _exit(rc == 0 && c.out_len == 3 ? 0 : 2);
    }
  }
  for (int i = 0; i < 4; i++) {
    int status;
    waitpid(kids[i], &status, 0);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
  }
  assert_int_equal(dw_wasm_cache_list(dir, NULL, NULL), 1);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "ls '%s/wasm' | grep -c tmp- > /dev/null", dir);
  assert_int_not_equal(system(cmd), 0); /* grep found nothing */
  tw_free(&t);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_many_instances),
      cmocka_unit_test(test_host_fault_still_crashes),
      cmocka_unit_test(test_overflow_on_fresh_thread),
      cmocka_unit_test(test_cache_concurrent_processes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
