/* wasm/compile: see compile.h. Three parts: the tools (found once per C
 * compiler name, identified by their files and their version output), what
 * is compiled (the input, the steps and the text the C compiler sees: the
 * only part that looks inside the module), and the machinery around it
 * (key, cache lookup, lock, the build, publishing, remembered failures). */
#include "wasm/compile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/errf.h"
#include "wasm/cache.h"
#include "wasm/cursor.h"
#include "wasm/guest.h"
#include "wasm/parse.h"
#include "wasm/rt.h"
#include "wasm/sha256.h"
#include "wasm/spawn.h"
#include "wasm/wasi.h"
#include "wasm/wrapper.h"

#define STR_(x) #x
#define STR(x) STR_(x)

#define WASM_RT_H "/usr/include/wasm-rt.h"

/* Flags for the module's C (its own, not the project's -Werror set). */
static const char *const cflags[] = {
    "-fPIC", "-shared", "-fvisibility=hidden", "-fno-strict-aliasing", "-fstack-clash-protection",
    "-fno-semantic-interposition",
    /* WebAssembly quiets a signalling NaN in x - 0, x * 1,
       x / 1...: gcc folds those away unless told NaNs
       may signal */
    "-fsignaling-nans",
#if DW_RT_BOUNDS_CHECKED
    "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0", "-DWASM_RT_USE_STACK_DEPTH_COUNT=1",
    "-DWASM_RT_MAX_CALL_STACK_DEPTH=2000",
#else
    "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1", "-DWASM_RT_USE_STACK_DEPTH_COUNT=0",
#endif
    "-DNDEBUG", "-w", "-g0", "-Wl,-z,defs", "-Wl,-z,now"};
/* The fixed limits of each step (wasm/spawn). */
enum {
  STEP_CPU_S = 120,  /* DAGWOOD_WASM_CPU_SECONDS changes it */
  STEP_WALL_S = 300, /* at least twice the CPU limit */
  PROBE_MS = 10000,  /* a tool's --version */
};
#define STEP_MEM_BYTES ((uint64_t)4 << 30)  /* gcc needs 1 to 4 GiB on big inputs */
#define STEP_FILE_BYTES ((uint64_t)1 << 30) /* wasm2c's C of a 16 MiB module fits */

static atomic_uint compiles;
unsigned dw_wasm_compile_count(void) { return atomic_load(&compiles); }

/* ------------------------------------------------------- build files */

static int write_at(int dirfd, const char *name, const void *data, size_t len) {
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
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
  return close(fd);
}

/* File `name` of dirfd whole, NUL-terminated (malloc'd); NULL when absent
 * or larger than max. */
static char *read_at(int dirfd, const char *name, size_t *len, size_t max) {
  int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  return fd < 0 ? NULL : dw_read_fd(fd, max, len);
}

/* ------------------------------------------------------------ tools */

/* An absolute path: the steps run in their build folder. */
static int absolute(const char *path, char *out, size_t size) {
  if (path[0] == '/') return (size_t)snprintf(out, size, "%s", path) < size ? 0 : -1;
  char cwd[PATH_MAX];
  if (!getcwd(cwd, sizeof cwd)) return -1;
  return (size_t)snprintf(out, size, "%s/%s", cwd, path) < size ? 0 : -1;
}

static int find_tool(const char *name, char *out, size_t size) {
  if (strchr(name, '/')) return access(name, X_OK) == 0 ? absolute(name, out, size) : -1;
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  char cand[PATH_MAX];
  while (*path) {
    const char *e = strchr(path, ':');
    size_t n = e ? (size_t)(e - path) : strlen(path);
    if (n && (size_t)snprintf(cand, sizeof cand, "%.*s/%s", (int)n, path, name) < sizeof cand &&
        access(cand, X_OK) == 0)
      return absolute(cand, out, size);
    path += n + (e ? 1 : 0);
  }
  return -1;
}

typedef struct toolset {
  char cc_name[512]; /* DAGWOOD_WASM_CC as it was read ("gcc" by default) */
  char w2c[4096], cc[4096];
  uint8_t ident[32]; /* SHA-256 of their identities and versions, and wasm-rt.h */
  bool ok;
  char err[700];
} toolset;

/* The tools of the last C compiler name asked for: probing costs a few
 * process starts, so it is done once per name. */
static pthread_mutex_t tools_mu = PTHREAD_MUTEX_INITIALIZER;
static toolset *tools_singleton;

/* A file's identity: the path, where it really is and what is there. */
static void hash_identity(dw_sha256 *s, const char *path) {
  char real[PATH_MAX], line[PATH_MAX * 2 + 200];
  const char *p = realpath(path, real) ? real : path;
  struct stat st;
  memset(&st, 0, sizeof st);
  stat(p, &st);
  int n = snprintf(line, sizeof line, "%s|%s|%llu|%llu|%lld|%lld.%09ld;", path, p,
                   (unsigned long long)st.st_dev, (unsigned long long)st.st_ino,
                   (long long)st.st_size, (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
  dw_sha256_update(s, line, n > 0 && (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

static void probe_tools(toolset *t) {
  const char *missing = NULL;
  if (find_tool("wasm2c", t->w2c, sizeof t->w2c))
    missing = "wasm2c (Debian package wabt)";
  else if (find_tool(t->cc_name, t->cc, sizeof t->cc))
    missing = t->cc_name;
  if (missing) {
    snprintf(t->err, sizeof t->err, "%s is not installed or not on PATH (run scripts/deps.sh)",
             missing);
    return;
  }
  size_t hlen = 0;
  char *rt_h = read_at(AT_FDCWD, WASM_RT_H, &hlen, 1 << 20);
  if (!rt_h) {
    snprintf(t->err, sizeof t->err, "%s cannot be read (Debian package wabt)", WASM_RT_H);
    return;
  }
  dw_sha256 s;
  dw_sha256_init(&s);
  dw_sha256_update(&s, rt_h, hlen);
  free(rt_h);
  const char *paths[] = {t->w2c, t->cc};
  for (size_t i = 0; i < 2; i++) hash_identity(&s, paths[i]);
  /* the versions too: a wrapper script or an alternatives link may change
   * the compiler behind an unchanged file */
  char *const a0[] = {t->cc, "--version", NULL}, *const a1[] = {t->cc, "-dumpmachine", NULL},
              *const a2[] = {t->w2c, "--version", NULL};
  char *const *const argvs[] = {a0, a1, a2};
  enum { NPROBES = 3, OUT = 2048 };
  char bufs[NPROBES][OUT];
  char *outs[NPROBES] = {bufs[0], bufs[1], bufs[2]};
  int status[NPROBES];
  dw_spawn_probe(NPROBES, argvs, outs, OUT, status, PROBE_MS);
  for (size_t i = 0; i < NPROBES; i++) {
    char st[32];
    snprintf(st, sizeof st, "|%d|", status[i]);
    dw_sha256_update(&s, outs[i], strlen(outs[i]));
    dw_sha256_update(&s, st, strlen(st));
  }
  if (status[0] < 0) {
    snprintf(t->err, sizeof t->err, "%.600s --version did not run", t->cc);
    return;
  }
  dw_sha256_final(&s, t->ident);
  t->ok = true;
}

/* A copy of the current tools into *t: 0, or -1 with t->err. */
static int tools_get(toolset *t) {
  const char *cc = getenv("DAGWOOD_WASM_CC");
  if (!cc || !*cc) cc = "gcc";
  pthread_mutex_lock(&tools_mu);
  toolset *cur = tools_singleton;
  if (!cur || strcmp(cur->cc_name, cc) != 0) {
    toolset *n = calloc(1, sizeof *n);
    if (n) {
      snprintf(n->cc_name, sizeof n->cc_name, "%s", cc);
      probe_tools(n);
      free(tools_singleton);
      tools_singleton = cur = n;
    }
  }
  if (cur)
    *t = *cur;
  else
    memset(t, 0, sizeof *t), snprintf(t->err, sizeof t->err, "out of memory");
  pthread_mutex_unlock(&tools_mu);
  return t->ok ? 0 : -1;
}

static int compile_limits(dw_limits *l, char *err, size_t errlen) {
  *l = (dw_limits){STEP_CPU_S, STEP_WALL_S, STEP_MEM_BYTES, STEP_FILE_BYTES};
  const char *e = getenv("DAGWOOD_WASM_CPU_SECONDS");
  if (e && *e) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(e, &end, 10);
    if (errno || *end || end == e || v < 1 || v > 86400)
      return dw_errf(err, errlen,
                     "DAGWOOD_WASM_CPU_SECONDS must be a whole number of seconds from 1 to 86400, "
                     "got '%.40s'",
                     e);
    l->cpu_s = (uint32_t)v;
  }
  if (l->wall_s < 2 * l->cpu_s) l->wall_s = 2 * l->cpu_s;
  return 0;
}

/* ----------------------------------------------- what is compiled
 * The input, the steps and the text the C compiler sees. key_input must
 * cover everything here that can change the object; the machinery below
 * does not look inside. */

static void key_input(dw_sha256 *s, const dw_wasm_unit *u) {
  /* the canonical module says everything else: the cost table and the
   * exports follow from it and the mode */
  uint8_t d[32], mode = (uint8_t)u->mode;
  dw_sha256 m;
  dw_sha256_init(&m);
  dw_sha256_update(&m, u->wasm, u->len);
  dw_sha256_update(&m, &mode, 1);
  dw_sha256_final(&m, d);
  dw_sha256_update(s, d, 32);
}

/* Build m.so in the private folder of b from the canonical module: nothing
 * in it was named by the guest (wasm/encode). */
static dw_step_end compile_input(dw_build *b, const toolset *t, const dw_wasm_unit *u,
                                 const char *key, char *err, size_t errlen) {
  int dir = dw_build_dirfd(b);
  if (write_at(dir, "m.wasm", u->wasm, u->len)) {
    dw_errf(err, errlen, "cannot write the module into the build folder: %s", strerror(errno));
    return DW_STEP_TRANSIENT;
  }
  dw_step_end e;
  {
    char *argv[] = {(char *)t->w2c, "-n", "m", "m.wasm", "-o", "m.c", NULL};
    if ((e = dw_build_run(b, argv, err, errlen))) return e;
  }
  size_t hl;
  char *hdr = read_at(dir, "m.h", &hl, 64 << 20);
  if (!hdr) {
    dw_errf(err, errlen, "wasm2c wrote no header");
    return DW_STEP_TRANSIENT;
  }
  struct stat st;
  size_t cl = fstatat(dir, "m.c", &st, AT_SYMLINK_NOFOLLOW) == 0 ? (size_t)st.st_size : 0;
  size_t wlen = 0;
  err[0] = 0;
  char *wtext = dw_wasm_wrapper(hdr, key, u, &wlen, err, errlen);
  free(hdr);
  if (!wtext || write_at(dir, "w.c", wtext, wlen)) {
    if (!*err) dw_errf(err, errlen, "cannot write the wrapper into the build folder");
    free(wtext);
    return DW_STEP_TRANSIENT;
  }
  free(wtext);
  /* Very large modules: a lower optimisation level keeps gcc bounded. */
  const char *olevel = cl > (64u << 20) ? "-O0" : cl > (8u << 20) ? "-O1" : "-O2";
  char *argv[40];
  size_t k = 0;
  argv[k++] = (char *)t->cc;
  argv[k++] = (char *)olevel;
  for (size_t i = 0; i < sizeof cflags / sizeof *cflags; i++) argv[k++] = (char *)cflags[i];
  argv[k++] = "-I.";
  argv[k++] = "w.c";
  argv[k++] = "-o";
  argv[k++] = "m.so";
  argv[k++] = "-lm";
  argv[k] = NULL;
  return dw_build_run(b, argv, err, errlen);
}

/* ------------------------------------------------------------- cache */

static void compute_key(const toolset *t, const dw_wasm_unit *u, char key[65]) {
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
  dw_sha256_update(&s, t->ident, sizeof t->ident);
  const char *guest = STR(DW_GUEST_DEFS);
  dw_sha256_update(&s, guest, strlen(guest));
  key_input(&s, u);
  uint8_t d[32];
  dw_sha256_final(&s, d);
  dw_sha256_hex(d, key);
}

/* A remembered failure holds the limits it was hit under: it is used only
 * while they stay the same. */
#define FAIL_HEADER "dagwood-compile-failure cpu=%u mem=%llu file=%llu\n"

typedef enum { LOOK_MISS, LOOK_HIT, LOOK_FAILED, LOOK_REFUSED } look;

static look lookup(const dw_cache *c, const dw_limits *lim, dw_wasm_compiled *out, char *err,
                   size_t errlen) {
  char name[80];
  snprintf(name, sizeof name, "%s.so", out->key);
  int fd = dw_cache_open_file(c, name, err, errlen);
  if (fd < 0 && err[0]) return LOOK_REFUSED;
  if (fd >= 0) {
    snprintf(name, sizeof name, "%s.sha256", out->key);
    size_t n = 0;
    char *want = dw_cache_read(c, name, 256, &n, err, errlen);
    if (!want && err[0]) {
      close(fd);
      return LOOK_REFUSED;
    }
    char have[65];
    bool ok = want && n >= 64 && dw_fd_sha256(fd, have) == 0 && !memcmp(want, have, 64);
    free(want);
    if (ok) {
      out->fd = fd;
      return LOOK_HIT;
    }
    close(fd); /* damaged or half-written: compiled again */
  }
  snprintf(name, sizeof name, "%s.fail", out->key);
  char *text = dw_cache_read(c, name, 65536, NULL, err, errlen);
  if (!text) return err[0] ? LOOK_REFUSED : LOOK_MISS;
  char want[160];
  snprintf(want, sizeof want, FAIL_HEADER, lim->cpu_s, (unsigned long long)lim->mem_bytes,
           (unsigned long long)lim->file_bytes);
  look r = LOOK_MISS;
  if (!strncmp(text, want, strlen(want))) {
    dw_errf(err, errlen, "%s (as when it was tried before: dagwood cache clear forgets it)",
            text + strlen(want));
    r = LOOK_FAILED;
  }
  free(text);
  return r;
}

static void remember_failure(const dw_cache *c, const dw_limits *lim, const char *key,
                             const char *msg) {
  char text[2400], name[80], ignored[200];
  int n = snprintf(text, sizeof text, FAIL_HEADER "%s", lim->cpu_s,
                   (unsigned long long)lim->mem_bytes, (unsigned long long)lim->file_bytes, msg);
  snprintf(name, sizeof name, "%s.fail", key);
  if (n > 0) dw_cache_put(c, name, text, strlen(text), ignored, sizeof ignored);
}

/* Move the built m.so into the cache, its checksum first, and keep it open
 * in out->fd: the descriptor that was hashed is the one loaded. */
static int publish(const dw_cache *c, dw_build *b, dw_wasm_compiled *out, char *err,
                   size_t errlen) {
  int dir = dw_build_dirfd(b);
  int fd = openat(dir, "m.so", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  struct stat st;
  char hex[65], name[80];
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fchmod(fd, 0644) != 0 ||
      fsync(fd) != 0 || dw_fd_sha256(fd, hex) != 0) {
    if (fd >= 0) close(fd);
    return dw_errf(err, errlen, "the C compiler wrote no readable object");
  }
  snprintf(name, sizeof name, "%s.sha256", out->key);
  if (dw_cache_put(c, name, hex, 64, err, errlen)) {
    close(fd);
    return -1;
  }
  snprintf(name, sizeof name, "%s.so", out->key);
  if (renameat(dir, "m.so", c->dirfd, name) != 0) {
    close(fd);
    return dw_errf(err, errlen, "cannot write to the cache %s: %s", c->path, strerror(errno));
  }
  snprintf(name, sizeof name, "%s.fail", out->key);
  dw_cache_remove(c, name); /* one from other limits */
  out->fd = fd;
  return 0;
}

static int build(const dw_cache *c, const toolset *t, const dw_limits *lim,
                 const dw_compile_deadline *dl, const dw_wasm_unit *u, dw_wasm_compiled *out,
                 char *err, size_t errlen) {
  char prefix[32];
  snprintf(prefix, sizeof prefix, "tmp-%.16s-", out->key);
  dw_build *b;
  if (dw_build_open(&b, c->dirfd, c->path, prefix, lim, dl ? dl->at_ns : 0, err, errlen)) return -1;
  int rc = -1;
  switch (compile_input(b, t, u, out->key, err, errlen)) {
    case DW_STEP_OK:
      rc = publish(c, b, out, err, errlen);
      break;
    case DW_STEP_FAILED:
      remember_failure(c, lim, out->key, err);
      break;
    case DW_STEP_DEADLINE:
      dw_errf(err, errlen, "compile did not finish within the processor's timeout of %g s",
              dl ? dl->timeout_s : 0.0);
      break;
    case DW_STEP_TRANSIENT:
      break;
  }
  dw_build_close(b, getenv("DAGWOOD_KEEP_WASM_BUILD") != NULL);
  if (rc == 0) atomic_fetch_add(&compiles, 1);
  return rc;
}

int dw_wasm_compile(const dw_wasm_unit *u, const char *cache_dir,
                    const dw_compile_deadline *deadline, dw_wasm_compiled *out, char *err,
                    size_t errlen) {
  memset(out, 0, sizeof *out);
  out->fd = -1;
  err[0] = 0;
  toolset *t = malloc(sizeof *t);
  if (!t) return dw_errf(err, errlen, "out of memory");
  int rc = -1;
  dw_limits lim;
  dw_cache c = {.dirfd = -1};
  if (tools_get(t)) {
    dw_errf(err, errlen, "cannot compile WebAssembly: %s", t->err);
    goto out;
  }
  if (compile_limits(&lim, err, errlen) || dw_cache_open(cache_dir, true, &c, err, errlen))
    goto out;
  compute_key(t, u, out->key);
  snprintf(out->so_path, sizeof out->so_path, "%.3900s/%s.so", c.path, out->key);
  look r = lookup(&c, &lim, out, err, errlen);
  if (r == LOOK_MISS) {
    char name[80];
    snprintf(name, sizeof name, "%s.lock", out->key);
    int lfd = dw_cache_lock(&c, name, deadline ? deadline->at_ns : 0, err, errlen);
    if (lfd == -2)
      dw_errf(err, errlen, "compile did not finish within the processor's timeout of %g s",
              deadline->timeout_s);
    if (lfd < 0) goto out;
    /* another process may have compiled it while this one waited */
    r = lookup(&c, &lim, out, err, errlen);
    if (r == LOOK_MISS) {
      uint64_t t0 = dw_rt_now_ns();
      rc = build(&c, t, &lim, deadline, u, out, err, errlen);
      out->seconds = (double)(dw_rt_now_ns() - t0) / 1e9;
    }
    close(lfd);
  }
  if (r == LOOK_HIT) {
    out->from_cache = true;
    rc = 0;
  }
out:
  dw_cache_close(&c);
  free(t);
  return rc;
}

void dw_wasm_compiled_close(dw_wasm_compiled *c) {
  if (c->fd >= 0) close(c->fd);
  c->fd = -1;
}

/* ------------------------------------------------------ list and clear */

int dw_wasm_cache_check(const char *cache_dir, char *err, size_t errlen) {
  dw_cache c;
  int r = dw_cache_open(cache_dir, false, &c, err, errlen);
  dw_cache_close(&c);
  return r < 0 ? -1 : 0;
}

int dw_wasm_cache_list(const char *cache_dir,
                       void (*fn)(void *user, const char *path, uint64_t bytes, int64_t mtime),
                       void *user) {
  char err[512];
  return dw_cache_list(cache_dir, fn, user, err, sizeof err);
}

int dw_wasm_cache_clear(const char *cache_dir) {
  char err[512];
  return dw_cache_clear(cache_dir, err, sizeof err);
}
