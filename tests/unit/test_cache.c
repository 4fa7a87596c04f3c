/* tests/unit/test_cache: the trusted compile cache and the confined
 * compiler (issue 12). A cache folder (or its wasm/) that is writable by
 * others, owned by another user or a link is refused with its message; a
 * planted object (another owner, writable by others, a link, or swapped in
 * after the check) never runs: its constructor would create a marker file;
 * failures that do not depend on the deadline are remembered (the fake
 * compiler is not run again) until dagwood cache clear; a compile past its
 * deadline is stopped with the timeout message and leaves no process or
 * build folder; two threads compiling one module compile it once. The fake
 * compilers are shell scripts written here (DAGWOOD_WASM_CC); gcc builds
 * the planted object. */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "wasm/cache.h"
#include "wasm/compile.h"
#include "wasm/invoke.h"
#include "wasm/rt.h"

/* the test's paths are short; gcc cannot know it */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static char base[PATH_MAX]; /* this run's folder */
static char marker[8192];   /* the planted object's constructor creates it */
static char planted[8192];  /* the planted object */
static dw_wasm_unit module; /* the rle example, as it is compiled */

static void sh(const char *fmt, ...) {
  char cmd[40000];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cmd, sizeof cmd, fmt, ap);
  va_end(ap);
  if (system(cmd) != 0) fail_msg("command failed: %s", cmd);
}

static void write_text(const char *path, const char *text, mode_t mode) {
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  chmod(path, mode);
}

static bool exists(const char *path) {
  struct stat st;
  return lstat(path, &st) == 0;
}

/* A fresh cache folder for one case: base/NAME (removed first). */
static const char *cache_for(const char *name) {
  static char path[8192];
  snprintf(path, sizeof path, "%s/%s", base, name);
  sh("rm -rf '%s'", path);
  return path;
}

/* A fake C compiler: answers the version probes, then runs BODY; every
 * real call appends a line to base/NAME.calls. */
static const char *fake_cc(const char *name, const char *body) {
  static char path[16][8192];
  static int k;
  char *p = path[k++ % 16];
  snprintf(p, 8192, "%s/%s.sh", base, name);
  char text[20000];
  snprintf(text, sizeof text,
           "#!/bin/bash\n"
           "case \"$1\" in --version) echo 'fake %s 1.0'; exit 0;; -dumpmachine) "
           "echo x86_64-linux-gnu; exit 0;; esac\n"
           "echo call >> '%s/%s.calls'\n%s\n",
           name, base, name, body);
  write_text(p, text, 0755);
  return p;
}

static int calls(const char *name) {
  char path[8192], line[64];
  snprintf(path, sizeof path, "%s/%s.calls", base, name);
  FILE *f = fopen(path, "r");
  int n = 0;
  while (f && fgets(line, sizeof line, f)) n++;
  if (f) fclose(f);
  return n;
}

static int compile_with(const char *dir, const char *cc, const char *cpu_s,
                        const dw_compile_deadline *dl, dw_wasm_compiled *out, char *err,
                        size_t errlen) {
  if (cc)
    setenv("DAGWOOD_WASM_CC", cc, 1);
  else
    unsetenv("DAGWOOD_WASM_CC");
  if (cpu_s)
    setenv("DAGWOOD_WASM_CPU_SECONDS", cpu_s, 1);
  else
    unsetenv("DAGWOOD_WASM_CPU_SECONDS");
  int rc = dw_wasm_compile(&module, dir, dl, out, err, errlen);
  unsetenv("DAGWOOD_WASM_CC");
  unsetenv("DAGWOOD_WASM_CPU_SECONDS");
  return rc;
}

/* The number of build folders (tmp-*) left in dir/wasm. */
static int build_folders(const char *dir) {
  char w[8192];
  snprintf(w, sizeof w, "%s/wasm", dir);
  DIR *d = opendir(w);
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (!strncmp(e->d_name, "tmp-", 4)) n++;
  if (d) closedir(d);
  return n;
}

static void expect_refused(const char *dir, const char *want) {
  dw_wasm_compiled cc;
  char err[2048];
  unsigned before = dw_wasm_compile_count();
  assert_int_equal(compile_with(dir, NULL, NULL, NULL, &cc, err, sizeof err), -1);
  if (!strstr(err, want)) fail_msg("expected [%s] in [%s]", want, err);
  assert_int_equal(cc.fd, -1);
  assert_int_equal(dw_wasm_compile_count(), before);
  assert_false(exists(marker));
}

/* A genuine entry in dir: its key and the object's path. */
static void genuine(const char *dir, char key[65], char so[8192]) {
  dw_wasm_compiled cc;
  char err[2048];
  if (compile_with(dir, NULL, NULL, NULL, &cc, err, sizeof err)) fail_msg("compile: %s", err);
  memcpy(key, cc.key, 65);
  snprintf(so, 8192, "%s", cc.so_path);
  dw_wasm_compiled_close(&cc);
  assert_int_equal(build_folders(dir), 0);
}

/* Put the planted object at `so` with a checksum that matches it. */
static void plant(const char *so) {
  char sum[8192];
  snprintf(sum, sizeof sum, "%.*s.sha256", (int)(strlen(so) - 3), so);
  sh("cp '%s' '%s.new' && mv '%s.new' '%s' && sha256sum '%s' | cut -c1-64 | tr -d '\\n' > '%s'",
     planted, so, so, so, so, sum);
}

/* ------------------------------------------------------------ folders */

static void test_folder_writable_by_others(void **state) {
  (void)state;
  const char *dir = cache_for("writable");
  mkdir(dir, 0700);
  chmod(dir, 0777);
  char want[8192];
  snprintf(want, sizeof want,
           "cache folder %s is writable by others (mode 0777); use a private folder (chmod 700) "
           "or set DAGWOOD_CACHE_DIR",
           dir);
  expect_refused(dir, want);
  chmod(dir, 0770);
  snprintf(want, sizeof want, "cache folder %s is writable by its group (mode 0770)", dir);
  expect_refused(dir, want);
  /* the folder itself is fine, its wasm/ is not */
  chmod(dir, 0700);
  char w[8192];
  snprintf(w, sizeof w, "%s/wasm", dir);
  mkdir(w, 0700);
  chmod(w, 0757);
  snprintf(want, sizeof want, "cache folder %s is writable by others (mode 0757)", w);
  expect_refused(dir, want);
  char err[512];
  assert_int_equal(dw_wasm_cache_check(dir, err, sizeof err), -1);
  assert_non_null(strstr(err, want));
  assert_int_equal(dw_wasm_cache_list(dir, NULL, NULL), -1);
  assert_int_equal(dw_wasm_cache_clear(dir), -1);
}

static void test_folder_created_private(void **state) {
  (void)state;
  const char *dir = cache_for("fresh/deeper");
  dw_wasm_compiled cc;
  char err[2048];
  assert_int_equal(compile_with(dir, NULL, NULL, NULL, &cc, err, sizeof err), 0);
  dw_wasm_compiled_close(&cc);
  char w[8192];
  snprintf(w, sizeof w, "%s/wasm", dir);
  struct stat st;
  assert_int_equal(stat(dir, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
  assert_int_equal(stat(w, &st), 0);
  assert_int_equal(st.st_mode & 0777, 0700);
}

static void test_folder_of_another_user(void **state) {
  (void)state;
  if (geteuid() != 0) {
    /* no chown without root: a folder root owns and nobody else may write
     * is another user's folder all the same */
    char want[128];
    snprintf(want, sizeof want, "(uid 0), not to you (uid %u); use a folder of your own",
             (unsigned)geteuid());
    expect_refused("/usr/share", "cache folder /usr/share belongs to ");
    expect_refused("/usr/share", want);
    return;
  }
  const char *dir = cache_for("other-owner");
  mkdir(dir, 0700);
  assert_int_equal(chown(dir, 65534, 65534), 0);
  char want[8192];
  snprintf(want, sizeof want, "cache folder %s belongs to ", dir);
  expect_refused(dir, want);
  expect_refused(dir, "(uid 65534), not to you (uid 0); use a folder of your own");
  /* wasm/ of another user inside a folder of ours */
  assert_int_equal(chown(dir, 0, 0), 0);
  char w[8192];
  snprintf(w, sizeof w, "%s/wasm", dir);
  mkdir(w, 0700);
  assert_int_equal(chown(w, 65534, 65534), 0);
  snprintf(want, sizeof want, "cache folder %s belongs to ", w);
  expect_refused(dir, want);
}

static void test_folder_links(void **state) {
  (void)state;
  const char *dir = cache_for("link");
  char real[8192], want[8192];
  snprintf(real, sizeof real, "%s-real", dir);
  sh("rm -rf '%s' && mkdir -m 700 '%s' && ln -s '%s' '%s'", real, real, real, dir);
  snprintf(want, sizeof want, "cache folder %s is a symbolic link", dir);
  expect_refused(dir, want);
  /* a real folder whose wasm/ is a link */
  sh("rm -f '%s' && mkdir -m 700 '%s' && mkdir -p -m 700 '%s/w' && ln -s '%s/w' '%s/wasm'", dir,
     dir, real, real, dir);
  snprintf(want, sizeof want, "cache folder %s/wasm is a symbolic link", dir);
  expect_refused(dir, want);
}

/* ------------------------------------------------------ planted objects */

static void test_planted_objects(void **state) {
  (void)state;
  const char *dir = cache_for("planted");
  char key[65], so[8192], want[8192];
  genuine(dir, key, so);

  /* writable by others, with a checksum that matches it */
  plant(so);
  chmod(so, 0666);
  snprintf(want, sizeof want,
           "cached file %s is writable by others (mode 0666); remove it (dagwood cache clear)", so);
  expect_refused(dir, want);

  /* a link to the planted object */
  sh("rm -f '%s' && ln -s '%s' '%s'", so, planted, so);
  snprintf(want, sizeof want, "cached file %s is a symbolic link", so);
  expect_refused(dir, want);

  /* another user's object (root only) */
  if (geteuid() == 0) {
    sh("rm -f '%s'", so);
    plant(so);
    assert_int_equal(chown(so, 65534, 65534), 0);
    snprintf(want, sizeof want, "cached file %s belongs to ", so);
    expect_refused(dir, want);
  } else {
    print_message("SKIPPED (one case): an object owned by another user needs root to chown\n");
  }

  /* dagwood cache clear removes what was planted; the next compile is
   * genuine and still never runs the planted code */
  assert_true(dw_wasm_cache_clear(dir) >= 0);
  assert_false(exists(so));
  char key2[65], so2[8192];
  genuine(dir, key2, so2);
  assert_string_equal(key, key2);
  assert_false(exists(marker));
}

/* The object is checked and loaded through one descriptor: swapping the
 * file (and its checksum) after the check changes nothing. */
static void test_swap_after_check(void **state) {
  (void)state;
  const char *dir = cache_for("swap");
  char key[65], so[8192];
  genuine(dir, key, so);
  dw_wasm_compiled cc;
  char err[2048];
  assert_int_equal(compile_with(dir, NULL, NULL, NULL, &cc, err, sizeof err), 0);
  assert_true(cc.from_cache);
  assert_true(cc.fd >= 0);
  plant(so); /* between the check and the load */
  void *dl = NULL;
  const dw_guest_desc *desc = NULL;
  int rc = dw_guest_load(&cc, "WASM module", "swap", &dl, &desc, err, sizeof err);
  assert_false(exists(marker));
  if (rc) fail_msg("load: %s", err);
  assert_int_equal(cc.fd, -1);
  assert_string_equal(desc->key, key); /* the genuine object */
  assert_null(dlsym(dl, "dw_planted"));
  dlclose(dl);
}

/* Two loads through descriptors with the same number, of different
 * objects, must give different objects (glibc matches dlopen names). */
static void test_fd_names_not_reused(void **state) {
  (void)state;
  const char *d1 = cache_for("names1");
  char key[65], so[8192], err[2048];
  genuine(d1, key, so);
  dw_wasm_compiled a, b;
  assert_int_equal(compile_with(d1, NULL, NULL, NULL, &a, err, sizeof err), 0);
  void *dla, *dlb;
  const dw_guest_desc *da, *db;
  int fd_a = a.fd;
  assert_int_equal(dw_guest_load(&a, "WASM module", "a", &dla, &da, err, sizeof err), 0);
  /* another module (the appender), loaded through the same descriptor
   * number */
  char path[8192];
  snprintf(path, sizeof path, "%s/wasm_components/wasm_appender.wasm",
           getenv("DW_BUILD_DIR") ? getenv("DW_BUILD_DIR") : "build");
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  uint8_t *buf = malloc(1 << 20);
  size_t n = fread(buf, 1, 1 << 20, f);
  fclose(f);
  dw_wasm_unit appender;
  assert_int_equal(dw_wasm_encode_bytes(buf, n, DW_EXPORTS_ABI, NULL, &appender, err, sizeof err),
                   0);
  free(buf);
  assert_int_equal(dw_wasm_compile(&appender, d1, NULL, &b, err, sizeof err), 0);
  dw_wasm_unit_free(&appender);
  if (b.fd != fd_a) { /* the same number as the first load's */
    assert_int_equal(dup2(b.fd, fd_a), fd_a);
    close(b.fd);
    b.fd = fd_a;
  }
  assert_int_equal(dw_guest_load(&b, "WASM module", "b", &dlb, &db, err, sizeof err), 0);
  assert_ptr_not_equal(dla, dlb);
  assert_string_not_equal(da->key, db->key);
  dlclose(dla);
  dlclose(dlb);
}

/* ------------------------------------------------- remembered failures */

typedef struct fail_case {
  const char *name, *body, *cpu_s, *want;
} fail_case;

static void test_remembered_failures(void **state) {
  (void)state;
  const fail_case cases[] = {
      {"cc-error", "echo 'fake: error: no' >&2; exit 1", NULL,
       "cc-error.sh failed (exit status 1): fake: error: no"},
      {"cc-segv", "kill -SEGV $$", NULL, "cc-segv.sh crashed (signal 11, segmentation fault)"},
      {"cc-loop", "while :; do :; done", "1",
       "cc-loop.sh exceeded dagwood's compile limit of 1 s CPU time"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const fail_case *c = &cases[i];
    const char *dir = cache_for(c->name);
    const char *cc = fake_cc(c->name, c->body);
    dw_wasm_compiled out;
    char err[2048], again[2048];
    assert_int_equal(compile_with(dir, cc, c->cpu_s, NULL, &out, err, sizeof err), -1);
    if (strcmp(err, c->want)) fail_msg("%s: expected [%s], got [%s]", c->name, c->want, err);
    assert_int_equal(calls(c->name), 1);
    assert_int_equal(build_folders(dir), 0);
    /* the second try fails at once with the same message: the compiler
     * does not run again */
    assert_int_equal(compile_with(dir, cc, c->cpu_s, NULL, &out, again, sizeof again), -1);
    assert_int_equal(calls(c->name), 1);
    assert_true(!strncmp(again, c->want, strlen(c->want)));
    assert_non_null(strstr(again, "dagwood cache clear"));
    assert_int_equal(dw_wasm_cache_list(dir, NULL, NULL), 0);
    /* cleared, it is tried again */
    assert_int_equal(dw_wasm_cache_clear(dir), 0);
    assert_int_equal(compile_with(dir, cc, c->cpu_s, NULL, &out, err, sizeof err), -1);
    assert_int_equal(calls(c->name), 2);
    assert_string_equal(err, c->want);
  }
  /* a failure remembered under other limits is tried again */
  const char *dir = cache_for("limits");
  const char *cc = fake_cc("limits", "echo 'fake: error: no' >&2; exit 1");
  dw_wasm_compiled out;
  char err[2048];
  assert_int_equal(compile_with(dir, cc, NULL, NULL, &out, err, sizeof err), -1);
  assert_int_equal(compile_with(dir, cc, "7", NULL, &out, err, sizeof err), -1);
  assert_int_equal(calls("limits"), 2);
  assert_int_equal(compile_with(dir, cc, "7", NULL, &out, err, sizeof err), -1);
  assert_int_equal(calls("limits"), 2);
}

/* A failure for want of system resources is not the module's: not
 * remembered. */
static void test_system_failure_not_remembered(void **state) {
  (void)state;
  const char *dir = cache_for("nofork");
  const char *cc =
      fake_cc("nofork",
              "echo 'gcc: fatal error: cannot fork: Resource temporarily unavailable' >&2; exit 1");
  dw_wasm_compiled out;
  char err[2048];
  assert_int_equal(compile_with(dir, cc, NULL, NULL, &out, err, sizeof err), -1);
  assert_non_null(strstr(err, "nofork.sh failed for want of system resources (not remembered)"));
  assert_int_equal(compile_with(dir, cc, NULL, NULL, &out, err, sizeof err), -1);
  assert_int_equal(calls("nofork"), 2);
}

static void test_bad_cpu_setting(void **state) {
  (void)state;
  dw_wasm_compiled out;
  char err[2048];
  assert_int_equal(compile_with(cache_for("bad-cpu"), NULL, "lots", NULL, &out, err, sizeof err),
                   -1);
  assert_string_equal(err,
                      "DAGWOOD_WASM_CPU_SECONDS must be a whole number of seconds from 1 to "
                      "86400, got 'lots'");
}

/* ----------------------------------------------------------- deadline */

static bool alive(pid_t pid) {
  char path[64], buf[256];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  FILE *f = fopen(path, "r");
  if (!f) return false;
  bool live = fgets(buf, sizeof buf, f) && strrchr(buf, ')') && strrchr(buf, ')')[2] != 'Z';
  fclose(f);
  return live;
}

static void test_deadline(void **state) {
  (void)state;
  const char *dir = cache_for("deadline");
  char pids[8192], body[20000];
  snprintf(pids, sizeof pids, "%s/hang.pids", base);
  unlink(pids);
  snprintf(body, sizeof body, "sleep 60 & echo $! >> '%s'; echo $$ >> '%s'; wait", pids, pids);
  const char *cc = fake_cc("hang", body);
  dw_compile_deadline dl = {dw_rt_now_ns() + 1000000000ull, 1};
  dw_wasm_compiled out;
  char err[2048];
  uint64_t t0 = dw_rt_now_ns();
  assert_int_equal(compile_with(dir, cc, NULL, &dl, &out, err, sizeof err), -1);
  uint64_t took = dw_rt_now_ns() - t0;
  assert_string_equal(err, "compile did not finish within the processor's timeout of 1 s");
  if (took > 10000000000ull) fail_msg("stopped after %llu ms", (unsigned long long)took / 1000000);
  /* nothing left: no process of the compiler, no build folder, and the
   * timeout is not remembered */
  FILE *f = fopen(pids, "r");
  assert_non_null(f);
  int pid, n = 0;
  while (fscanf(f, "%d", &pid) == 1) {
    n++;
    if (alive(pid)) fail_msg("compiler process %d is still running", pid);
  }
  fclose(f);
  assert_int_equal(n, 2);
  assert_int_equal(build_folders(dir), 0);
  assert_int_equal(calls("hang"), 1);
  /* a deadline already past: nothing runs */
  dl.at_ns = dw_rt_now_ns() - 1;
  dl.timeout_s = 0.5;
  assert_int_equal(compile_with(dir, cc, NULL, &dl, &out, err, sizeof err), -1);
  assert_string_equal(err, "compile did not finish within the processor's timeout of 0.5 s");
  assert_int_equal(calls("hang"), 1);
}

/* Waiting for another compile of the same module counts too. */
static void test_deadline_while_locked(void **state) {
  (void)state;
  const char *dir = cache_for("locked");
  char key[65], so[8192], lock[8192];
  genuine(dir, key, so);
  unlink(so);
  snprintf(lock, sizeof lock, "%s/wasm/%s.lock", dir, key);
  int fd = open(lock, O_RDWR | O_CLOEXEC);
  assert_true(fd >= 0);
  assert_int_equal(flock(fd, LOCK_EX), 0); /* "another process" compiles it */
  dw_compile_deadline dl = {dw_rt_now_ns() + 300000000ull, 0.3};
  dw_wasm_compiled out;
  char err[2048];
  assert_int_equal(compile_with(dir, NULL, NULL, &dl, &out, err, sizeof err), -1);
  assert_string_equal(err, "compile did not finish within the processor's timeout of 0.3 s");
  close(fd);
}

/* --------------------------------------------------------- concurrency */

typedef struct race {
  const char *dir;
  int rc;
  dw_wasm_compiled out;
  char err[2048];
} race;

static void *race_one(void *arg) {
  race *r = arg;
  r->rc = dw_wasm_compile(&module, r->dir, NULL, &r->out, r->err, sizeof r->err);
  return NULL;
}

static void test_one_compile_for_two_threads(void **state) {
  (void)state;
  const char *dir = cache_for("race");
  unsetenv("DAGWOOD_WASM_CC");
  race r[2] = {{.dir = dir}, {.dir = dir}};
  unsigned before = dw_wasm_compile_count();
  pthread_t t[2];
  for (int i = 0; i < 2; i++) pthread_create(&t[i], NULL, race_one, &r[i]);
  for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < 2; i++) {
    if (r[i].rc) fail_msg("thread %d: %s", i, r[i].err);
    assert_true(r[i].out.fd >= 0);
    dw_wasm_compiled_close(&r[i].out);
  }
  assert_int_equal(dw_wasm_compile_count(), before + 1);
  assert_true(r[0].out.from_cache != r[1].out.from_cache);
  assert_int_equal(build_folders(dir), 0);
}

/* ------------------------------------------------------------------ */

static int setup(void **state) {
  (void)state;
  const char *build = getenv("DW_BUILD_DIR") ? getenv("DW_BUILD_DIR") : "build";
  snprintf(base, sizeof base, "%s/test-cache-unit/%ld", build, (long)getpid());
  sh("rm -rf '%s' && mkdir -p '%s'", base, base);
  char abs[PATH_MAX]; /* the fake compilers run in their build folders */
  if (!realpath(base, abs)) return -1;
  memcpy(base, abs, sizeof base);
  snprintf(marker, sizeof marker, "%s/PLANTED-CODE-RAN", base);
  snprintf(planted, sizeof planted, "%s/planted.so", base);
  char src[8192], text[20000];
  snprintf(src, sizeof src, "%s/planted.c", base);
  snprintf(text, sizeof text,
           "#include <fcntl.h>\n#include <unistd.h>\n"
           "int dw_planted = 1;\n"
           "__attribute__((constructor)) static void ran(void) {\n"
           "  int fd = open(\"%s\", O_WRONLY | O_CREAT, 0644);\n"
           "  if (fd >= 0) close(fd);\n}\n",
           marker);
  write_text(src, text, 0644);
  sh("gcc -shared -fPIC -o '%s' '%s'", planted, src);
  char path[8192];
  snprintf(path, sizeof path, "%s/wasm_components/rle.wasm", build);
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "cannot read %s (build the examples)\n", path);
    return -1;
  }
  uint8_t *bytes = malloc(1 << 20);
  size_t len = bytes ? fread(bytes, 1, 1 << 20, f) : 0;
  fclose(f);
  char err[512];
  int rc =
      bytes ? dw_wasm_encode_bytes(bytes, len, DW_EXPORTS_ABI, NULL, &module, err, sizeof err) : -1;
  free(bytes);
  if (rc) fprintf(stderr, "cannot encode %s\n", path);
  return rc;
}

static int teardown(void **state) {
  (void)state;
  dw_wasm_unit_free(&module);
  if (!exists(marker)) sh("rm -rf '%s'", base);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_folder_writable_by_others),
      cmocka_unit_test(test_folder_created_private),
      cmocka_unit_test(test_folder_of_another_user),
      cmocka_unit_test(test_folder_links),
      cmocka_unit_test(test_planted_objects),
      cmocka_unit_test(test_swap_after_check),
      cmocka_unit_test(test_fd_names_not_reused),
      cmocka_unit_test(test_remembered_failures),
      cmocka_unit_test(test_system_failure_not_remembered),
      cmocka_unit_test(test_bad_cpu_setting),
      cmocka_unit_test(test_deadline),
      cmocka_unit_test(test_deadline_while_locked),
      cmocka_unit_test(test_one_compile_for_two_threads),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
