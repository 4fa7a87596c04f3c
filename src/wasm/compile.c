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

/* ------------------------------------------------------- the wrapper */

typedef struct sbuf {
  char *p;
  size_t n, cap;
  int oom;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_printf(sbuf *b, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->cap - b->n;
    int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? room : 0, fmt, ap);
    va_end(ap);
    if (k < 0) {
      b->oom = 1;
      return;
    }
    if (b->p && (size_t)k < room) {
      b->n += (size_t)k;
      return;
    }
    size_t nc = (b->cap ? b->cap * 2 : 8192) + (size_t)k;
    char *np = realloc(b->p, nc);
    if (!np) {
      b->oom = 1;
      return;
    }
    b->p = np;
    b->cap = nc;
  }
}

/* The declaration line that follows `marker` in the header, or NULL. */
static int decl_after(const char *h, const char *marker, char *out, size_t size) {
  const char *m = strstr(h, marker);
  if (!m) return -1;
  const char *l = strchr(m, '\n');
  if (!l) return -1;
  l++;
  const char *e = strchr(l, '\n');
  size_t n = e ? (size_t)(e - l) : strlen(l);
  if (n + 1 > size) return -1;
  memcpy(out, l, n);
  out[n] = 0;
  return 0;
}

/* From "u32 Z_mZ_process(Z_m_instance_t*, u32);" the function name. */
static int decl_name(const char *decl, char *out, size_t size) {
  const char *par = strchr(decl, '(');
  if (!par) return -1;
  const char *s = par;
  while (s > decl && s[-1] != ' ' && s[-1] != '*') s--;
  size_t n = (size_t)(par - s);
  if (!n || n + 1 > size) return -1;
  memcpy(out, s, n);
  out[n] = 0;
  return 0;
}

static int gen_wrapper(const char *hdr, const char *key, const uint32_t *cost, uint32_t ncost,
                       sbuf *b, char *err, size_t errlen) {
  sb_printf(b,
            "/* generated by dagwood: wrapper around wasm2c output */\n"
            "#include <stdarg.h>\n#include <stdint.h>\n#include <stdlib.h>\n"
            "#include <string.h>\n#include <wasm-rt.h>\n"
            "struct Z_env_instance_t { int64_t fuel; uint32_t depth; };\n"
            "#if WASM_RT_USE_STACK_DEPTH_COUNT\n"
            "/* per call, not wasm-rt.h's process-wide counter */\n"
            "#define wasm_rt_call_stack_depth (instance->Z_env_instance->depth)\n"
            "#endif\n"
            "#if defined(__x86_64__) && !defined(__clang__)\n"
            "/* The fuel counter lives in r15 while guest code runs: a register\n"
            "   decrement per hook instead of a load and a store that the\n"
            "   byte-wide stores to linear memory would force to reload. r15 is\n"
            "   callee-saved, so host functions called from the guest keep it;\n"
            "   the entry points below save the caller's value and restore it. */\n"
            "register int64_t dw_fuel __asm__(\"r15\");\n"
            "#define DW_ENTER(E) int64_t dw_saved = dw_fuel; dw_fuel = (E)->fuel\n"
            "#define DW_LEAVE(E) (E)->fuel = dw_fuel, dw_fuel = dw_saved\n"
            "/* the slow path finds the call through the host's thread state: the\n"
            "   hot path never loads the env pointer */\n"
            "static inline __attribute__((always_inline)) int dw_burn(int64_t n) {\n"
            "  int neg; /* sub + js: gcc would go through a scratch register */\n"
            "  __asm__(\"sub %%2, %%0\" : \"+r\"(dw_fuel), \"=@ccs\"(neg) : \"re\"(n));\n"
            "  return neg;\n}\n"
            "#define DW_HOOK(E, N) \\\n"
            "  if (__builtin_expect(dw_burn(N), 0)) dw_fuel = dw_api->refuel(dw_fuel)\n"
            "#else\n"
            "#define DW_ENTER(E) (void)0\n"
            "#define DW_LEAVE(E) (void)0\n"
            "#define DW_HOOK(E, N) \\\n"
            "  if (__builtin_expect(((E)->fuel -= (N)) < 0, 0)) dw_api->fuel_out(E)\n"
            "#endif\n"
            "#include \"m.c\"\n"
            "%s\n"
            "static const dw_guest_api *dw_api;\n",
            STR(DW_GUEST_DEFS));
  /* the fuel cost of each hook site (wasm instructions it stands for) */
  sb_printf(b, "static const uint32_t dw_cost[%u] = {", ncost ? ncost : 1);
  for (uint32_t i = 0; i < ncost; i++)
    sb_printf(b, "%s%u", i == 0 ? "\n  " : i % 16 ? "," : ",\n  ", cost[i]);
  sb_printf(b, "%s};\n", ncost ? "" : "1");
  /* imports */
  const char *p = hdr;
  while ((p = strstr(p, "/* import: '"))) {
    char mod[256], nm[256], decl[1024], fname[512];
    if (sscanf(p, "/* import: '%255[^']' '%255[^']' */", mod, nm) != 2)
      return failf(err, errlen, "cannot read wasm2c's import list");
    char marker[600];
    snprintf(marker, sizeof marker, "/* import: '%s' '%s' */", mod, nm);
    if (decl_after(p, marker, decl, sizeof decl) || decl_name(decl, fname, sizeof fname))
      return failf(err, errlen, "cannot read wasm2c's declaration of %s.%s", mod, nm);
    p += strlen(marker);
    if (!strcmp(mod, "env") && !strcmp(nm, "log_execution")) {
      sb_printf(b,
                "void %s(struct Z_env_instance_t *e, u32 site) {\n"
                "  /* site is a constant where this is inlined: so is its cost */\n"
                "  DW_HOOK(e, site < %u ? dw_cost[site] : 1);\n}\n",
                fname, ncost);
      continue;
    }
    int fi = strcmp(mod, DW_WASI_MODULE) ? -1 : dw_wasi_lookup(nm);
    if (fi < 0) return failf(err, errlen, "import %s.%s is not provided by dagwood", mod, nm);
    /* rebuild the parameter list with names */
    const char *par = strchr(decl, '(');
    const char *close = strrchr(decl, ')');
    if (!par || !close) return failf(err, errlen, "cannot read wasm2c's declaration of %s", nm);
    char ret[64];
    size_t rl = (size_t)(strstr(decl, fname) - decl);
    if (rl >= sizeof ret) return failf(err, errlen, "odd declaration %s", decl);
    memcpy(ret, decl, rl);
    ret[rl] = 0;
    char params[1024];
    size_t pl = (size_t)(close - par - 1);
    if (pl >= sizeof params) return failf(err, errlen, "odd declaration %s", decl);
    memcpy(params, par + 1, pl);
    params[pl] = 0;
    sbuf defs = {0}, args = {0};
    int k = 0;
    for (char *tok = strtok(params, ","); tok; tok = strtok(NULL, ","), k++) {
      while (*tok == ' ') tok++;
      if (k == 0) {
        sb_printf(&defs, "%s ctx", tok);
        continue;
      }
      sb_printf(&defs, ", %s a%d", tok, k);
      sb_printf(&args, "%s(uint64_t)a%d", k > 1 ? ", " : "", k);
    }
    if (!args.p) sb_printf(&args, "0");
    bool is_void = strstr(ret, "void") != NULL;
    sb_printf(b,
              "%s%s(%s) {\n  const uint64_t args[] = {%s};\n  %sdw_api->wasi((void *)ctx, %d, "
              "args);\n}\n",
              ret, fname, defs.p ? defs.p : "", args.p, is_void ? "(void)" : "return (u32)", fi);
    free(defs.p);
    free(args.p);
  }
  /* the wasm_rt_* functions the generated code may call */
  sb_printf(
      b,
      "static char *dw_sigs[65536]; static uint32_t dw_nsigs;\n"
      "void wasm_rt_init(void) {}\n"
      "bool wasm_rt_is_initialized(void) { return true; }\n"
      "void wasm_rt_free(void) {}\n"
      "void wasm_rt_trap(wasm_rt_trap_t t) { dw_api->trap((int)t); __builtin_unreachable(); }\n"
      "const char *wasm_rt_strerror(wasm_rt_trap_t t) { (void)t; return \"trap\"; }\n"
      "uint32_t wasm_rt_register_func_type(uint32_t np, uint32_t nr, ...) {\n"
      "  char s[4096]; uint32_t n = 0; va_list ap; va_start(ap, nr);\n"
      "  for (uint32_t i = 0; i < np + nr && n < sizeof s - 2; i++) {\n"
      "    s[n++] = (char)('a' + va_arg(ap, int)); if (i + 1 == np) s[n++] = '|'; }\n"
      "  va_end(ap); if (np == 0) s[n++] = '|'; s[n] = 0;\n"
      "  for (uint32_t i = 0; i < dw_nsigs; i++) if (!strcmp(dw_sigs[i], s)) return i;\n"
      "  /* no room: a type no table entry can match (call_indirect traps) */\n"
      "  if (dw_nsigs == 65536 || !(dw_sigs[dw_nsigs] = strdup(s)))\n"
      "    return 0x80000000u + dw_nsigs;\n"
      "  return dw_nsigs++;\n}\n"
      "static void dw_sigs_free(void) {\n"
      "  for (uint32_t i = 0; i < dw_nsigs; i++) free(dw_sigs[i]);\n"
      "  dw_nsigs = 0;\n}\n"
      "uint32_t wasm_rt_register_tag(uint32_t size) { (void)size; return 0; }\n"
      "void wasm_rt_load_exception(uint32_t tag, uint32_t size, const void *v) {\n"
      "  (void)tag, (void)size, (void)v; }\n"
      "void wasm_rt_throw(void) { dw_api->trap(WASM_RT_TRAP_UNCAUGHT_EXCEPTION); "
      "__builtin_unreachable(); }\n"
      "static WASM_RT_UNWIND_TARGET *dw_unwind;\n"
      "WASM_RT_UNWIND_TARGET *wasm_rt_get_unwind_target(void) { return dw_unwind; }\n"
      "void wasm_rt_set_unwind_target(WASM_RT_UNWIND_TARGET *t) { dw_unwind = t; }\n"
      "uint32_t wasm_rt_exception_tag(void) { return 0; }\n"
      "uint32_t wasm_rt_exception_size(void) { return 0; }\n"
      "void *wasm_rt_exception(void) { return NULL; }\n"
      "void wasm_rt_allocate_memory(wasm_rt_memory_t *m, uint32_t i, uint32_t x) {\n"
      "  dw_api->allocate_memory(m, i, x); }\n"
      "uint32_t wasm_rt_grow_memory(wasm_rt_memory_t *m, uint32_t d) {\n"
      "  return dw_api->grow_memory(m, d); }\n"
      "void wasm_rt_free_memory(wasm_rt_memory_t *m) { dw_api->free_memory(m); }\n"
      "#define DW_TABLE(T)                                                           \\\n"
      "  void wasm_rt_allocate_##T##_table(wasm_rt_##T##_table_t *t, uint32_t n,        \\\n"
      "                                    uint32_t max) {                             \\\n"
      "    t->data = dw_api->table_alloc(n, sizeof *t->data); t->size = n;             \\\n"
      "    t->max_size = max; }                                                        \\\n"
      "  void wasm_rt_free_##T##_table(wasm_rt_##T##_table_t *t) {                     \\\n"
      "    dw_api->table_free(t->data); t->data = NULL; t->size = 0; }                 \\\n"
      "  uint32_t wasm_rt_grow_##T##_table(wasm_rt_##T##_table_t *t, uint32_t d,       \\\n"
      "                                    wasm_rt_##T##_t init) {                     \\\n"
      "    uint32_t old = t->size; uint64_t nn = (uint64_t)old + d;                    \\\n"
      "    if (d == 0) return old;                                                     \\\n"
      "    if (nn > t->max_size) return UINT32_MAX;                                    \\\n"
      "    void *p = dw_api->table_grow(t->data, old, (uint32_t)nn, sizeof *t->data);  \\\n"
      "    if (!p) return UINT32_MAX;                                                  \\\n"
      "    t->data = p; for (uint32_t i = old; i < nn; i++) t->data[i] = init;         \\\n"
      "    t->size = (uint32_t)nn; return old; }\n"
      "DW_TABLE(funcref)\nDW_TABLE(externref)\n");
  /* the descriptor */
  char inst_decl[1024], mem_fn[512], alloc_fn[512], proc_fn[512], init_fn[512] = "";
  char decl[1024];
  const char *ip = strstr(hdr, "void Z_m_instantiate(");
  if (!ip) return failf(err, errlen, "cannot find wasm2c's instantiate function");
  const char *ie = strchr(ip, '\n');
  snprintf(inst_decl, sizeof inst_decl, "%.*s", (int)(ie ? ie - ip : (long)strlen(ip)), ip);
  if (decl_after(hdr, "/* export: 'memory' */", decl, sizeof decl) ||
      decl_name(decl, mem_fn, sizeof mem_fn) ||
      decl_after(hdr, "/* export: 'allocate' */", decl, sizeof decl) ||
      decl_name(decl, alloc_fn, sizeof alloc_fn) ||
      decl_after(hdr, "/* export: 'process' */", decl, sizeof decl) ||
      decl_name(decl, proc_fn, sizeof proc_fn))
    return failf(err, errlen, "wasm2c's output lacks an export of the C-style ABI");
  if (!decl_after(hdr, "/* export: '_initialize' */", decl, sizeof decl))
    decl_name(decl, init_fn, sizeof init_fn);
  sb_printf(b,
            "static void dw_inst(void *i, void *ctx) {\n"
            "  struct Z_env_instance_t *e = ctx;\n  DW_ENTER(e);\n  Z_m_instantiate(i");
  /* one argument per imported module: all of them are the call context */
  const char *q = strchr(inst_decl, ',');
  while (q) {
    const char *s = strstr(q, "struct ");
    const char *e = s ? strchr(s, '*') : NULL;
    if (!s || !e) break;
    sb_printf(b, ", (%.*s *)ctx", (int)(e - s), s);
    q = strchr(e, ',');
  }
  sb_printf(b,
            ");\n  DW_LEAVE(e);\n}\n"
            "#define DW_ENV(i) (((Z_m_instance_t *)(i))->Z_env_instance)\n"
            "/* the type registry is only needed while init_module numbers the types:\n"
            "   the same order gives the same numbers on every bind */\n"
            "static void dw_bind(const dw_guest_api *a) {\n"
            "  if (dw_api) return; /* once per load: modules sharing this file share it */\n"
            "  dw_api = a; Z_m_init_module(); dw_sigs_free(); }\n"
            "static void dw_free(void *i) { Z_m_free(i); }\n"
            "static wasm_rt_memory_t *dw_mem(void *i) { return %s(i); }\n"
            "static uint32_t dw_alloc(void *i, uint32_t n) {\n"
            "  DW_ENTER(DW_ENV(i)); uint32_t r = %s(i, n); DW_LEAVE(DW_ENV(i)); return r; }\n"
            "static uint32_t dw_proc(void *i, uint32_t a, uint32_t b, uint32_t c) {\n"
            "  DW_ENTER(DW_ENV(i)); uint32_t r = %s(i, a, b, c); DW_LEAVE(DW_ENV(i));\n"
            "  return r; }\n",
            mem_fn, alloc_fn, proc_fn);
  if (*init_fn)
    sb_printf(b,
              "static void dw_init(void *i) {\n"
              "  DW_ENTER(DW_ENV(i)); %s(i); DW_LEAVE(DW_ENV(i)); }\n",
              init_fn);
  sb_printf(b,
            "__attribute__((visibility(\"default\"))) const dw_guest_desc dw_guest = {\n"
            "  %d, \"%s\", sizeof(Z_m_instance_t), dw_bind, dw_inst, dw_free, dw_mem,\n"
            "  dw_alloc, dw_proc, %s};\n",
            DW_GUEST_ABI, key, *init_fn ? "dw_init" : "NULL");
  if (b->oom) return failf(err, errlen, "out of memory");
  return 0;
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
  sbuf w = {0};
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
  int gw = gen_wrapper(hdr, key, cost, ncost, &w, err, errlen);
  free(cost);
  if (gw || write_file(p_w, w.p, w.n, false)) {
    if (!*err) failf(err, errlen, "cannot write %s", p_w);
    goto out;
  }
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
  free(w.p);
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
