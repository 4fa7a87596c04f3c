/* wasm/compile: see compile.h. */
#include "wasm/compile.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wasm/cursor.h"
#include "wasm/guest.h"
#include "wasm/parse.h"
#include "wasm/rt.h"
#include "wasm/sha256.h"
#include "wasm/wasi.h"
#include "wasm/wrapper.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Flags for the module's C (its own, not the project's -Werror set). */
static const char *const cflags[] = {"-fPIC",
                                     "-shared",
                                     "-fvisibility=hidden",
                                     "-fno-strict-aliasing",
                                     "-fstack-clash-protection",
                                     "-fno-semantic-interposition",
#if DW_RT_BOUNDS_CHECKED
                                     "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0",
                                     "-DWASM_RT_USE_STACK_DEPTH_COUNT=1",
                                     "-DWASM_RT_MAX_CALL_STACK_DEPTH=2000",
#else
                                     "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1",
                                     "-DWASM_RT_USE_STACK_DEPTH_COUNT=0",
#endif
                                     "-DNDEBUG",
                                     "-w",
                                     "-g0",
                                     "-Wl,-z,defs",
                                     "-Wl,-z,now"};
static const char *const optflags[] = {
    "--log-execution",         "--enable-bulk-memory",     "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",       "--enable-mutable-globals", "--enable-multivalue",
    "--enable-reference-types"};

enum {
  COMPILE_TIMEOUT_S = 300,
  TOOL_TIMEOUT_S = 120,
};
#define COMPILE_MEM_BYTES ((rlim_t)4 << 30)

static atomic_uint compiles;
unsigned dw_wasm_compile_count(void) { return atomic_load(&compiles); }

__attribute__((format(printf, 3, 4))) static int failf(char *err, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err, n, fmt, ap);
  va_end(ap);
  return -1;
}

/* ------------------------------------------------------------ files */

static int mkdir_p(const char *path) {
  char tmp[4096];
  size_t n = strlen(path);
  if (n >= sizeof tmp) return -1;
  memcpy(tmp, path, n + 1);
  for (size_t i = 1; i <= n; i++) {
    if (tmp[i] == '/' || tmp[i] == 0) {
      char c = tmp[i];
      tmp[i] = 0;
      if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
      tmp[i] = c;
    }
  }
  return 0;
}

static int write_file(const char *path, const void *data, size_t len, bool sync) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  const uint8_t *p = data;
  while (len) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      close(fd);
      return -1;
    }
    p += w, len -= (size_t)w;
  }
  if (sync && fsync(fd) != 0) {
    close(fd);
    return -1;
  }
  return close(fd);
}

static char *read_file(const char *path, size_t *len, size_t max) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0 || (size_t)st.st_size > max) {
    close(fd);
    return NULL;
  }
  char *buf = malloc((size_t)st.st_size + 1);
  size_t got = 0;
  while (buf && got < (size_t)st.st_size) {
    ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!buf || got != (size_t)st.st_size) {
    free(buf);
    return NULL;
  }
  buf[got] = 0;
  *len = got;
  return buf;
}

static int hash_file(const char *path, char hex[65]) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  dw_sha256 s;
  dw_sha256_init(&s);
  uint8_t buf[65536];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      close(fd);
      return -1;
    }
    if (r == 0) break;
    dw_sha256_update(&s, buf, (size_t)r);
  }
  close(fd);
  uint8_t d[32];
  dw_sha256_final(&s, d);
  dw_sha256_hex(d, hex);
  return 0;
}

static void rm_rf_flat(const char *dir) {
  static const char *const names[] = {"m.wasm", "mi.wasm", "m.c", "m.h", "w.c", "m.so", "log.txt"};
  char p[4400];
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    snprintf(p, sizeof p, "%s/%s", dir, names[i]);
    unlink(p);
  }
  rmdir(dir);
}

/* ------------------------------------------------------------ tools */

static int find_tool(const char *name, char *out, size_t size) {
  if (strchr(name, '/')) {
    if (access(name, X_OK) != 0) return -1;
    snprintf(out, size, "%s", name);
    return 0;
  }
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  while (*path) {
    const char *e = strchr(path, ':');
    size_t n = e ? (size_t)(e - path) : strlen(path);
    if (n && (size_t)snprintf(out, size, "%.*s/%s", (int)n, path, name) < size &&
        access(out, X_OK) == 0)
      return 0;
    path += n + (e ? 1 : 0);
  }
  return -1;
}

typedef struct tools {
  char opt[4096], w2c[4096], cc[4096];
  char ident[1024]; /* identities for the key */
  int ok;
  char err[512];
} tools;

static tools T;
static pthread_once_t tools_once = PTHREAD_ONCE_INIT;

static void tools_init(void) {
  const char *cc = getenv("DAGWOOD_WASM_CC");
  if (!cc || !*cc) cc = "gcc";
  const char *missing = NULL;
  if (find_tool("wasm-opt", T.opt, sizeof T.opt))
    missing = "wasm-opt (Debian package binaryen)";
  else if (find_tool("wasm2c", T.w2c, sizeof T.w2c))
    missing = "wasm2c (Debian package wabt)";
  else if (find_tool(cc, T.cc, sizeof T.cc))
    missing = cc;
  if (missing) {
    snprintf(T.err, sizeof T.err, "%s is not installed or not on PATH (run scripts/deps.sh)",
             missing);
    return;
  }
  size_t n = 0;
  const char *paths[] = {T.opt, T.w2c, T.cc, "/usr/include/wasm-rt.h"};
  for (size_t i = 0; i < 4; i++) {
    struct stat st;
    char real[PATH_MAX];
    const char *p = realpath(paths[i], real) ? real : paths[i];
    if (stat(p, &st) != 0) {
      snprintf(T.err, sizeof T.err, "cannot stat %.400s", p);
      return;
    }
    n += (size_t)snprintf(T.ident + n, n < sizeof T.ident ? sizeof T.ident - n : 0, "%s:%lld:%lld;",
                          p, (long long)st.st_size, (long long)st.st_mtime);
  }
  T.ok = 1;
}

/* Run argv[0] (absolute) with limits; its output goes to log. Returns 0 on
 * exit status 0; else -1 with the reason and the log's tail in err. */
static int run_child(char *const argv[], const char *log, unsigned timeout_s, char *err,
                     size_t errlen) {
  pid_t pid = fork();
  if (pid < 0) return failf(err, errlen, "fork failed: %s", strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    struct rlimit r = {COMPILE_MEM_BYTES, COMPILE_MEM_BYTES};
    setrlimit(RLIMIT_AS, &r);
    r.rlim_cur = r.rlim_max = timeout_s + 5;
    setrlimit(RLIMIT_CPU, &r);
    r.rlim_cur = r.rlim_max = 0;
    setrlimit(RLIMIT_CORE, &r);
    int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    int nul = open("/dev/null", O_RDONLY);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
    if (nul >= 0) dup2(nul, 0);
    /* A clean signal state for the tool. */
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[0], argv);
    _exit(127);
  }
  uint64_t deadline = dw_rt_now_ns() + (uint64_t)timeout_s * 1000000000u;
  long sleep_ns = 200000;
  int status = 0;
  /* a pidfd wakes us the moment the child ends; else poll with backoff */
  int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) {
      status = -1;
      break;
    }
    uint64_t now = dw_rt_now_ns();
    if (now > deadline) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      if (pfd >= 0) close(pfd);
      return failf(err, errlen, "%s took longer than %u s and was stopped", argv[0], timeout_s);
    }
    if (pfd >= 0) {
      struct pollfd pf = {.fd = pfd, .events = POLLIN};
      uint64_t left_ms = (deadline - now) / 1000000u + 1;
      poll(&pf, 1, left_ms > 1000 ? 1000 : (int)left_ms);
    } else {
      struct timespec ts = {0, sleep_ns};
      nanosleep(&ts, NULL);
      if (sleep_ns < 20000000) sleep_ns *= 2;
    }
  }
  if (pfd >= 0) close(pfd);
  if (status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;
  size_t ll = 0;
  char *text = read_file(log, &ll, 1 << 20);
  const char *tail = text ? text : "";
  if (ll > 600) tail = text + ll - 600;
  char *nl;
  char one[700];
  snprintf(one, sizeof one, "%s", tail);
  while ((nl = strchr(one, '\n'))) *nl = ' ';
  if (status != -1 && WIFSIGNALED(status))
    failf(err, errlen, "%s was killed by signal %d (compile limits: %u s, 4 GiB): %s", argv[0],
          WTERMSIG(status), timeout_s, one);
  else
    failf(err, errlen, "%s failed (status %d): %s", argv[0],
          status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1, one);
  free(text);
  return -1;
}

/* ------------------------------------------------------------- cache */

int dw_wasm_cache_dir(const char *given, char *out, size_t size) {
  const char *e;
  if (given && *given)
    snprintf(out, size, "%s", given);
  else if ((e = getenv("DAGWOOD_CACHE_DIR")) && *e)
    snprintf(out, size, "%s", e);
  else if ((e = getenv("XDG_CACHE_HOME")) && *e)
    snprintf(out, size, "%s/dagwood", e);
  else if ((e = getenv("HOME")) && *e)
    snprintf(out, size, "%s/.cache/dagwood", e);
  else
    return -1;
  return 0;
}

/* A copy of the module without its custom sections (names, producers): they
 * do not change the code, and a name section may clash with binaryen's hook. */
static uint8_t *strip_custom(const uint8_t *b, size_t len, size_t *out_len) {
  uint8_t *o = malloc(len);
  if (!o) return NULL;
  memcpy(o, b, 8);
  size_t n = 8, pos = 8;
  while (pos < len) {
    size_t start = pos;
    uint8_t id = b[pos++];
    uint32_t size;
    pos = dw_leb_u32_at(b, pos, len, &size);
    if (size > len - pos) break; /* checked by the parser already */
    pos += size;
    if (id != 0) {
      memcpy(o + n, b + start, pos - start);
      n += pos - start;
    }
  }
  *out_len = n;
  return o;
}

static void compute_key(const uint8_t *wasm, size_t len, char key[65]) {
  dw_sha256 s;
  dw_sha256_init(&s);
  const char *hdr = DW_RT_VERSION "|abi=" STR(DW_GUEST_ABI) "|";
  dw_sha256_update(&s, hdr, strlen(hdr));
  for (size_t i = 0; i < dw_wasi_nfns; i++) {
    dw_sha256_update(&s, dw_wasi_fns[i].name, strlen(dw_wasi_fns[i].name));
    dw_sha256_update(&s, ",", 1);
  }
  for (size_t i = 0; i < sizeof cflags / sizeof *cflags; i++)
    dw_sha256_update(&s, cflags[i], strlen(cflags[i]) + 1);
  for (size_t i = 0; i < sizeof optflags / sizeof *optflags; i++)
    dw_sha256_update(&s, optflags[i], strlen(optflags[i]) + 1);
  dw_sha256_update(&s, T.ident, strlen(T.ident));
  const char *guest = STR(DW_GUEST_DEFS);
  dw_sha256_update(&s, guest, strlen(guest));
  uint8_t d[32];
  dw_sha256 m;
  dw_sha256_init(&m);
  dw_sha256_update(&m, wasm, len);
  dw_sha256_final(&m, d);
  dw_sha256_update(&s, d, 32);
  dw_sha256_final(&s, d);
  dw_sha256_hex(d, key);
}

static bool cached_ok(const char *so, const char *sum) {
  size_t n;
  char *want = read_file(sum, &n, 256);
  if (!want) return false;
  char have[65];
  bool ok = n >= 64 && hash_file(so, have) == 0 && memcmp(want, have, 64) == 0;
  free(want);
  return ok;
}

static int do_compile(const uint8_t *wasm, size_t len, const char *dir, const char *key,
                      const char *so_final, const char *sum_final, char *err, size_t errlen) {
  char tmp[4200], p_wasm[4300], p_inst[4300], p_c[4300], p_h[4300], p_w[4300], p_so[4300],
      p_log[4300];
  snprintf(tmp, sizeof tmp, "%s/tmp-%.16s-XXXXXX", dir, key);
  if (!mkdtemp(tmp)) return failf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
  snprintf(p_wasm, sizeof p_wasm, "%s/m.wasm", tmp);
  snprintf(p_inst, sizeof p_inst, "%s/mi.wasm", tmp);
  snprintf(p_c, sizeof p_c, "%s/m.c", tmp);
  snprintf(p_h, sizeof p_h, "%s/m.h", tmp);
  snprintf(p_w, sizeof p_w, "%s/w.c", tmp);
  snprintf(p_so, sizeof p_so, "%s/m.so", tmp);
  snprintf(p_log, sizeof p_log, "%s/log.txt", tmp);
  int rc = -1;
  char *hdr = NULL;
  size_t slen;
  uint8_t *stripped = strip_custom(wasm, len, &slen);
  if (!stripped || write_file(p_wasm, stripped, slen, false)) {
    free(stripped);
    failf(err, errlen, "cannot write %s", p_wasm);
    goto out;
  }
  free(stripped);
  {
    char *argv[16];
    size_t k = 0;
    argv[k++] = T.opt;
    for (size_t i = 0; i < sizeof optflags / sizeof *optflags; i++) argv[k++] = (char *)optflags[i];
    argv[k++] = p_wasm;
    argv[k++] = "-o";
    argv[k++] = p_inst;
    argv[k] = NULL;
    if (run_child(argv, p_log, TOOL_TIMEOUT_S, err, errlen)) goto out;
  }
  {
    char *argv[] = {T.w2c, "-n", "m", p_inst, "-o", p_c, NULL};
    if (run_child(argv, p_log, TOOL_TIMEOUT_S, err, errlen)) goto out;
  }
  size_t hl, cl;
  hdr = read_file(p_h, &hl, 64 << 20);
  if (!hdr) {
    failf(err, errlen, "wasm2c wrote no header");
    goto out;
  }
  struct stat st;
  cl = stat(p_c, &st) == 0 ? (size_t)st.st_size : 0;
  /* weighted fuel: without costs (not expected), every hook counts 1 */
  size_t il;
  uint8_t *inst = (uint8_t *)read_file(p_inst, &il, 256u << 20);
  uint32_t *cost = NULL, ncost = 0;
  if (inst) dw_wasm_fuel_costs(inst, il, &cost, &ncost);
  free(inst);
  size_t wlen = 0;
  dw_wasm_unit unit = {.cost = cost, .ncost = ncost, .mode = DW_EXPORTS_ABI};
  char *wtext = dw_wasm_wrapper(hdr, key, &unit, &wlen, err, errlen);
  free(cost);
  if (!wtext || write_file(p_w, wtext, wlen, false)) {
    if (!*err) failf(err, errlen, "cannot write %s", p_w);
    free(wtext);
    goto out;
  }
  free(wtext);
  {
    /* Very large modules: a lower optimisation level keeps gcc bounded. */
    const char *olevel = cl > (64u << 20) ? "-O0" : cl > (8u << 20) ? "-O1" : "-O2";
    char inc[4300];
    snprintf(inc, sizeof inc, "-I%s", tmp);
    char *argv[40];
    size_t k = 0;
    argv[k++] = T.cc;
    argv[k++] = (char *)olevel;
    for (size_t i = 0; i < sizeof cflags / sizeof *cflags; i++) argv[k++] = (char *)cflags[i];
    argv[k++] = inc;
    argv[k++] = p_w;
    argv[k++] = "-o";
    argv[k++] = p_so;
    argv[k++] = "-lm";
    argv[k] = NULL;
    if (run_child(argv, p_log, COMPILE_TIMEOUT_S, err, errlen)) goto out;
  }
  char hex[65], sum_tmp[4300], so_tmp[4300];
  if (hash_file(p_so, hex)) {
    failf(err, errlen, "cannot read the compiled module");
    goto out;
  }
  snprintf(sum_tmp, sizeof sum_tmp, "%s/m.sha256", tmp);
  snprintf(so_tmp, sizeof so_tmp, "%s", p_so);
  /* fsync the object, then publish the checksum and the object, each by an
   * atomic rename. A reader that sees the new object sees its checksum. */
  int fd = open(p_so, O_RDONLY | O_CLOEXEC);
  if (fd >= 0) fsync(fd), close(fd);
  if (write_file(sum_tmp, hex, 64, true) || rename(sum_tmp, sum_final) ||
      rename(so_tmp, so_final)) {
    unlink(sum_tmp);
    failf(err, errlen, "cannot write to the cache %s: %s", dir, strerror(errno));
    goto out;
  }
  atomic_fetch_add(&compiles, 1);
  rc = 0;
out:
  free(hdr);
  if (getenv("DAGWOOD_KEEP_WASM_BUILD") == NULL) rm_rf_flat(tmp);
  return rc;
}

/* <cache folder>/wasm, where the compiled modules are. 0, or -1 when there
 * is no cache folder. */
static int objects_dir(const char *cache_dir, char *dir, size_t size) {
  char base[3000];
  if (dw_wasm_cache_dir(cache_dir, base, sizeof base)) return -1;
  snprintf(dir, size, "%s/wasm", base);
  return 0;
}

int dw_wasm_compile(const uint8_t *wasm, size_t len, const char *cache_dir, dw_wasm_compiled *out,
                    char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  pthread_once(&tools_once, tools_init);
  if (!T.ok) return failf(err, errlen, "cannot compile WebAssembly: %s", T.err);
  char dir[3100];
  if (objects_dir(cache_dir, dir, sizeof dir))
    return failf(err, errlen, "no cache folder: set DAGWOOD_CACHE_DIR or HOME");
  if (mkdir_p(dir))
    return failf(err, errlen, "cannot create the cache folder %s: %s", dir, strerror(errno));
  compute_key(wasm, len, out->key);
  char sum[4300], lock[4300];
  snprintf(out->so_path, sizeof out->so_path, "%s/%s.so", dir, out->key);
  snprintf(sum, sizeof sum, "%s/%s.sha256", dir, out->key);
  snprintf(lock, sizeof lock, "%s/%s.lock", dir, out->key);
  if (cached_ok(out->so_path, sum)) {
    out->from_cache = true;
    return 0;
  }
  int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lfd < 0) return failf(err, errlen, "cannot create %s: %s", lock, strerror(errno));
  while (flock(lfd, LOCK_EX) != 0 && errno == EINTR) {
  }
  int rc = 0;
  if (cached_ok(out->so_path, sum)) {
    out->from_cache = true;
  } else {
    uint64_t t0 = dw_rt_now_ns();
    rc = do_compile(wasm, len, dir, out->key, out->so_path, sum, err, errlen);
    out->seconds = (double)(dw_rt_now_ns() - t0) / 1e9;
  }
  flock(lfd, LOCK_UN);
  close(lfd);
  return rc;
}

/* ------------------------------------------------------ list and clear */

int dw_wasm_cache_list(const char *cache_dir,
                       void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                       void *user) {
  char dir[3100], path[3400];
  if (objects_dir(cache_dir, dir, sizeof dir)) return -1;
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t l = strlen(e->d_name);
    if (l != 67 || strcmp(e->d_name + 64, ".so") != 0) continue;
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    struct stat st;
    if (stat(path, &st) != 0) continue;
    if (fn) fn(user, path, (uint64_t)st.st_size, (int64_t)st.st_mtime);
    n++;
  }
  closedir(d);
  return n;
}

int dw_wasm_cache_clear(const char *cache_dir) {
  char dir[3100], path[3400];
  if (objects_dir(cache_dir, dir, sizeof dir)) return -1;
  DIR *d = opendir(dir);
  if (!d) return errno == ENOENT ? 0 : -1;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *nm = e->d_name;
    size_t l = strlen(nm);
    bool ours = (l == 67 && !strcmp(nm + 64, ".so")) || (l == 71 && !strcmp(nm + 64, ".sha256")) ||
                (l == 69 && !strcmp(nm + 64, ".lock"));
    snprintf(path, sizeof path, "%s/%s", dir, nm);
    if (ours) {
      if (unlink(path) == 0 && nm[l - 1] == 'o' && nm[l - 2] == 's') n++;
    } else if (!strncmp(nm, "tmp-", 4)) {
      rm_rf_flat(path); /* a compile left behind by a killed process */
    }
  }
  closedir(d);
  rmdir(dir);
  return n;
}
