/* tests/spec/spectest: runs the official WebAssembly spec testsuite (the
 * .wast scripts of $DAGWOOD_WASM_TESTSUITE) through dagwood's exact path —
 * validation, canonical re-encoding, fuel instrumentation, compile, runtime
 * — by way of wasm/inst.h. Each script is turned into JSON + binaries by
 * wast2json.mjs (node + jco's assembler), cached in the work folder by the
 * content hash of the script and the converter; then every command is run
 * and counted as passed, failed, blocked (its module failed) or not
 * applicable (a feature outside the accepted set, an import outside the
 * embedding), text-format modules the assembler refuses apart. Exits 0 when
 * nothing failed, 1 otherwise, 77 (after a "SKIPPED:" line) when the suite,
 * node or jco is missing. See README.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wasm/inst.h"
#include "wasm/sha256.h"

extern char **environ;

/* ---- what is counted */

enum kind {
  K_MODULE,
  K_DEFINITION,
  K_REGISTER,
  K_ACTION,
  K_RETURN,
  K_TRAP,
  K_EXHAUSTION,
  K_INVALID,
  K_MALFORMED_BIN,
  K_MALFORMED_TEXT,
  K_UNLINKABLE,
  K_UNINSTANTIABLE,
  K_OTHER,
  K_COUNT
};
static const char *const kind_names[K_COUNT] = {"module",
                                                "module definition",
                                                "register",
                                                "action",
                                                "assert_return",
                                                "assert_trap",
                                                "assert_exhaustion",
                                                "assert_invalid",
                                                "assert_malformed",
                                                "assert_malformed (text)",
                                                "assert_unlinkable",
                                                "assert_trap (module)",
                                                "other"};

/* ASM: a text module the assembler refused (dagwood reads only binaries). */
enum outcome { O_PASS, O_FAIL, O_BLOCKED, O_NA, O_ASM, O_COUNT };
static const char *const outcome_names[O_COUNT] = {"pass", "fail", "blocked", "n/a", "asm-refused"};

/* A tally of strings (n/a reasons, trap message pairs). */
typedef struct tally {
  char **key;
  int *n;
  size_t len, cap;
} tally;

static void tally_add(tally *t, const char *k, int n) {
  for (size_t i = 0; i < t->len; i++)
    if (!strcmp(t->key[i], k)) {
      t->n[i] += n;
      return;
    }
  if (t->len == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 16;
    t->key = realloc(t->key, t->cap * sizeof *t->key);
    t->n = realloc(t->n, t->cap * sizeof *t->n);
    if (!t->key || !t->n) abort();
  }
  t->key[t->len] = strdup(k);
  if (!t->key[t->len]) abort();
  t->n[t->len++] = n;
}

static void tally_free(tally *t) {
  for (size_t i = 0; i < t->len; i++) free(t->key[i]);
  free(t->key);
  free(t->n);
  memset(t, 0, sizeof *t);
}

/* Prints the entries, most frequent first. */
static void tally_print(const tally *t, const char *indent, size_t max) {
  bool *done = calloc(t->len + 1, 1);
  if (!done) abort();
  for (size_t k = 0; k < t->len && k < max; k++) {
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < t->len; i++)
      if (!done[i] && (best == SIZE_MAX || t->n[i] > t->n[best])) best = i;
    done[best] = true;
    printf("%s%6d  %s\n", indent, t->n[best], t->key[best]);
  }
  if (t->len > max) printf("%s   ...  (%zu more)\n", indent, t->len - max);
  free(done);
}

/* One script's results. */
typedef struct file_result {
  const char *path;
  const char *name; /* base name */
  int count[K_COUNT][O_COUNT];
  int msg_differs; /* traps whose text differs from the expected message */
  tally na;        /* n/a reasons */
  tally trap_msgs; /* "expected" -> "dagwood's" */
  char **fails;    /* "file:line: ..." */
  size_t nfails, capfails;
  char *error; /* the script could not be converted */
  double seconds;
  int compiled, cached;
} file_result;

/* ---- options */

typedef struct options {
  const char *suite, *work, *converter, *node;
  int jobs, max_fails;
  bool verbose;
} options;

static options opt = {.max_fails = 40};

/* ---- small helpers */

static void fail_add(file_result *r, int line, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  char *s = NULL;
  if (asprintf(&s, "%s:%d: %s", r->name, line, msg) < 0) abort();
  if (r->nfails == r->capfails) {
    r->capfails = r->capfails ? 2 * r->capfails : 16;
    r->fails = realloc(r->fails, r->capfails * sizeof *r->fails);
    if (!r->fails) abort();
  }
  r->fails[r->nfails++] = s;
  if (opt.verbose) printf("FAIL %s\n", s);
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  size_t cap = 1 << 16, n = 0;
  char *b = malloc(cap + 1);
  for (size_t got; b && (got = fread(b + n, 1, cap - n, f)) > 0;) {
    n += got;
    if (n == cap) {
      cap *= 2;
      char *nb = realloc(b, cap + 1);
      if (!nb) free(b);
      b = nb;
    }
  }
  bool bad = ferror(f);
  fclose(f);
  if (!b || bad) {
    free(b);
    return NULL;
  }
  b[n] = 0;
  *len = n;
  return b;
}

static bool is_dir(const char *p) {
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool mkdirs(const char *path) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return false;
  for (char *p = buf + 1; *p; p++)
    if (*p == '/') {
      *p = 0;
      if (mkdir(buf, 0755) != 0 && errno != EEXIST) return false;
      *p = '/';
    }
  return mkdir(buf, 0755) == 0 || errno == EEXIST;
}

/* Removes a converter output folder: plain files, no subfolders. */
static void rm_flat(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    for (struct dirent *e; (e = readdir(d));) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      char p[4400];
      snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
      unlink(p);
    }
    closedir(d);
  }
  rmdir(dir);
}

/* The first line of a file, for an error message. */
static void first_line(const char *path, char *out, size_t n) {
  out[0] = 0;
  size_t len;
  char *b = read_all(path, &len);
  if (!b) return;
  char *nl = strchr(b, '\n');
  if (nl) *nl = 0;
  snprintf(out, n, "%s", b);
  free(b);
}

/* Runs argv with stdout and stderr into `log`; the exit status, or -1. */
static int run_logged(char *const argv[], const char *log) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  posix_spawn_file_actions_addclose(&fa, 0);
  pid_t pid;
  int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return -1;
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- conversion, cached by content */

static uint8_t conv_key[32]; /* hash of the converter and jco's version */
static atomic_int tmp_counter;

/* Removes the conversions of `name` other than `keep` (older scripts or
 * converters): <work>/<name>-<16 hex digits>. */
static void rm_stale(const char *name, const char *keep) {
  DIR *d = opendir(opt.work);
  if (!d) return;
  size_t n = strlen(name);
  for (struct dirent *e; (e = readdir(d));) {
    const char *s = e->d_name;
    if (strlen(s) != n + 17 || strncmp(s, name, n) || s[n] != '-' || !strcmp(s, keep)) continue;
    if (strspn(s + n + 1, "0123456789abcdef") != 16) continue;
    char p[4400];
    snprintf(p, sizeof p, "%s/%s", opt.work, s);
    rm_flat(p);
  }
  closedir(d);
}

/* The JSON of the script (malloc'd path), converting it unless a cached
 * conversion of the same bytes exists; NULL with r->error set on failure. */
static char *convert(file_result *r, char **dir_out) {
  size_t len;
  char *src = read_all(r->path, &len);
  if (!src) {
    if (asprintf(&r->error, "cannot read %s: %s", r->path, strerror(errno)) < 0) abort();
    return NULL;
  }
  dw_sha256 h;
  dw_sha256_init(&h);
  dw_sha256_update(&h, conv_key, sizeof conv_key);
  dw_sha256_update(&h, src, len);
  free(src);
  uint8_t d[32];
  char hex[65];
  dw_sha256_final(&h, d);
  dw_sha256_hex(d, hex);
  hex[16] = 0;
  char *dir = NULL, *json = NULL, *tmp = NULL, *log = NULL;
  if (asprintf(&dir, "%s/%s-%s", opt.work, r->name, hex) < 0 ||
      asprintf(&json, "%s/%s.json", dir, r->name) < 0 ||
      asprintf(&tmp, "%s.tmp.%d.%d", dir, (int)getpid(), atomic_fetch_add(&tmp_counter, 1)) < 0 ||
      asprintf(&log, "%s.log", tmp) < 0)
    abort();
  if (access(json, R_OK) != 0) {
    rm_flat(tmp);
    if (!mkdirs(tmp)) {
      if (asprintf(&r->error, "cannot create %s: %s", tmp, strerror(errno)) < 0) abort();
    } else {
      char *argv[] = {(char *)opt.node, (char *)opt.converter, (char *)r->path, tmp, NULL};
      int rc = run_logged(argv, log);
      if (rc != 0) {
        char line[512];
        first_line(log, line, sizeof line);
        if (asprintf(&r->error, "the converter failed (exit %d): %s", rc, line) < 0) abort();
      } else if (rename(tmp, dir) != 0 && access(json, R_OK) != 0) {
        if (asprintf(&r->error, "cannot rename %s: %s", tmp, strerror(errno)) < 0) abort();
      }
      rm_flat(tmp); /* left over when another run renamed first */
      if (!r->error) rm_stale(r->name, strrchr(dir, '/') + 1);
    }
    unlink(log);
  }
  free(tmp);
  free(log);
  if (r->error) {
    free(dir);
    free(json);
    return NULL;
  }
  *dir_out = dir;
  return json;
}

/* ---- values */

static uint8_t type_of(const char *t) {
  static const struct {
    const char *n;
    uint8_t t;
  } tab[] = {{"i32", 0x7f},     {"i64", 0x7e},       {"f32", 0x7d}, {"f64", 0x7c},
             {"funcref", 0x70}, {"externref", 0x6f}, {"refnull", 1}};
  for (size_t i = 0; t && i < sizeof tab / sizeof *tab; i++)
    if (!strcmp(t, tab[i].n)) return tab[i].t;
  return 0;
}

static bool is_ref(uint8_t t) { return t == 0x70 || t == 0x6f; }
static bool is32(uint8_t t) { return t == 0x7f || t == 0x7d; }

/* An argument: false when it is outside the accepted set. */
static bool arg_of(json_t *v, dw_wasm_val *out) {
  out->type = type_of(json_string_value(json_object_get(v, "type")));
  const char *s = json_string_value(json_object_get(v, "value"));
  if (!out->type || out->type == 1 || !s) return false;
  if (!strcmp(s, "null")) {
    out->bits = 0;
    return is_ref(out->type);
  }
  out->bits = strtoull(s, NULL, 10);
  if (out->type == 0x6f) out->bits++; /* ref.extern N: the handle N + 1 */
  return out->type != 0x70;
}

enum { M_EXACT, M_CANON, M_ARITH, M_NONNULL, M_ANYNULL, M_EITHER, M_BAD };

typedef struct expect {
  uint8_t type, mode;
  uint64_t bits;
  struct expect *alt;
  size_t nalt;
} expect;

static void expect_free(expect *e) {
  for (size_t i = 0; i < e->nalt; i++) expect_free(&e->alt[i]);
  free(e->alt);
}

static void expect_of(json_t *v, expect *e) {
  memset(e, 0, sizeof *e);
  const char *t = json_string_value(json_object_get(v, "type"));
  if (t && !strcmp(t, "either")) {
    json_t *vs = json_object_get(v, "values");
    e->mode = M_EITHER;
    e->nalt = json_array_size(vs);
    e->alt = calloc(e->nalt + 1, sizeof *e->alt);
    if (!e->alt) abort();
    for (size_t i = 0; i < e->nalt; i++) expect_of(json_array_get(vs, i), &e->alt[i]);
    return;
  }
  e->type = type_of(t);
  const char *s = json_string_value(json_object_get(v, "value"));
  if (!e->type)
    e->mode = M_BAD;
  else if (e->type == 1)
    e->mode = M_ANYNULL;
  else if (!s)
    e->mode = is_ref(e->type) ? M_NONNULL : M_BAD;
  else if (!strcmp(s, "null"))
    e->mode = is_ref(e->type) ? M_EXACT : M_BAD;
  else if (!strcmp(s, "nan:canonical"))
    e->mode = M_CANON;
  else if (!strcmp(s, "nan:arithmetic"))
    e->mode = M_ARITH;
  else {
    e->bits = strtoull(s, NULL, 10);
    if (e->type == 0x6f) e->bits++;
    if (e->type == 0x70) e->mode = M_BAD; /* a funcref by index: not in these scripts */
  }
}

static bool expect_bad(const expect *e) {
  if (e->mode == M_BAD) return true;
  for (size_t i = 0; i < e->nalt; i++)
    if (expect_bad(&e->alt[i])) return true;
  return false;
}

static bool matches(const expect *e, const dw_wasm_val *v) {
  switch (e->mode) {
    case M_EITHER:
      for (size_t i = 0; i < e->nalt; i++)
        if (matches(&e->alt[i], v)) return true;
      return false;
    case M_ANYNULL:
      return is_ref(v->type) && v->bits == 0;
    case M_NONNULL:
      return v->type == e->type && v->bits != 0;
  }
  if (v->type != e->type) return false;
  uint64_t b = is32(v->type) ? (uint32_t)v->bits : v->bits;
  if (e->mode == M_EXACT) return b == (is32(e->type) ? (uint32_t)e->bits : e->bits);
  /* canonical NaN: exponent all ones, only the top mantissa bit, either
   * sign; arithmetic NaN: exponent all ones and the top mantissa bit */
  bool canon = e->mode == M_CANON;
  if (v->type == 0x7d) return (b & (canon ? 0x7fffffffu : 0x7fc00000u)) == 0x7fc00000u;
  if (v->type == 0x7c)
    return (b & (canon ? 0x7fffffffffffffffull : 0x7ff8000000000000ull)) == 0x7ff8000000000000ull;
  return false;
}

static const char *type_name(uint8_t t) {
  switch (t) {
    case 0x7f:
      return "i32";
    case 0x7e:
      return "i64";
    case 0x7d:
      return "f32";
    case 0x7c:
      return "f64";
    case 0x70:
      return "funcref";
    case 0x6f:
      return "externref";
  }
  return "?";
}

static void fmt_val(const dw_wasm_val *v, char *out, size_t n) {
  switch (v->type) {
    case 0x7f:
      snprintf(out, n, "i32:%" PRId32 " (0x%08" PRIx32 ")", (int32_t)v->bits, (uint32_t)v->bits);
      return;
    case 0x7e:
      snprintf(out, n, "i64:%" PRId64 " (0x%016" PRIx64 ")", (int64_t)v->bits, v->bits);
      return;
    case 0x7d: {
      float f;
      uint32_t b = (uint32_t)v->bits;
      memcpy(&f, &b, 4);
      snprintf(out, n, "f32:%a (0x%08" PRIx32 ")", (double)f, b);
      return;
    }
    case 0x7c: {
      double f;
      memcpy(&f, &v->bits, 8);
      snprintf(out, n, "f64:%a (0x%016" PRIx64 ")", f, v->bits);
      return;
    }
  }
  if (v->bits == 0)
    snprintf(out, n, "%s:null", type_name(v->type));
  else
    snprintf(out, n, "%s:0x%" PRIx64, type_name(v->type), v->bits);
}

static void fmt_expect(const expect *e, char *out, size_t n) {
  dw_wasm_val v = {e->type, e->bits};
  switch (e->mode) {
    case M_EXACT:
      fmt_val(&v, out, n);
      return;
    case M_CANON:
      snprintf(out, n, "%s:nan:canonical", type_name(e->type));
      return;
    case M_ARITH:
      snprintf(out, n, "%s:nan:arithmetic", type_name(e->type));
      return;
    case M_NONNULL:
      snprintf(out, n, "%s:non-null", type_name(e->type));
      return;
    case M_ANYNULL:
      snprintf(out, n, "ref:null");
      return;
    case M_EITHER: {
      size_t k = (size_t)snprintf(out, n, "either(");
      for (size_t i = 0; i < e->nalt && k < n; i++) {
        fmt_expect(&e->alt[i], out + k, n - k);
        k += strlen(out + k);
        if (k < n) k += (size_t)snprintf(out + k, n - k, i + 1 < e->nalt ? ", " : ")");
      }
      return;
    }
  }
  snprintf(out, n, "(a value outside the set)");
}

/* The value rules checked against cases whose answers are known (the
 * instances needed to run the suite proper may be missing). */
static int selftest(void) {
  static const struct {
    const char *exp;
    uint8_t type;
    uint64_t bits;
    bool want;
  } cases[] = {
      {"{\"type\":\"i32\",\"value\":\"4294967295\"}", 0x7f, 0xffffffffu, true},
      {"{\"type\":\"i32\",\"value\":\"4294967295\"}", 0x7f, 0x12345678ffffffffull, true},
      {"{\"type\":\"i32\",\"value\":\"4294967295\"}", 0x7f, 0x7fffffff, false},
      {"{\"type\":\"i32\",\"value\":\"1\"}", 0x7e, 1, false},
      {"{\"type\":\"i64\",\"value\":\"18446744073709551615\"}", 0x7e, UINT64_MAX, true},
      {"{\"type\":\"i64\",\"value\":\"4294967295\"}", 0x7e, UINT64_MAX, false},
      {"{\"type\":\"f32\",\"value\":\"0\"}", 0x7d, 0x80000000u, false},
      {"{\"type\":\"f32\",\"value\":\"2147483648\"}", 0x7d, 0x80000000u, true},
      {"{\"type\":\"f32\",\"value\":\"2143289344\"}", 0x7d, 0x7fc00001u, false},
      {"{\"type\":\"f32\",\"value\":\"nan:canonical\"}", 0x7d, 0x7fc00000u, true},
      {"{\"type\":\"f32\",\"value\":\"nan:canonical\"}", 0x7d, 0xffc00000u, true},
      {"{\"type\":\"f32\",\"value\":\"nan:canonical\"}", 0x7d, 0x7fc00001u, false},
      {"{\"type\":\"f32\",\"value\":\"nan:canonical\"}", 0x7d, 0x7fa00000u, false},
      {"{\"type\":\"f32\",\"value\":\"nan:canonical\"}", 0x7d, 0x7f800000u, false},
      {"{\"type\":\"f32\",\"value\":\"nan:canonical\"}", 0x7c, 0x7ff8000000000000ull, false},
      {"{\"type\":\"f32\",\"value\":\"nan:arithmetic\"}", 0x7d, 0x7fc00001u, true},
      {"{\"type\":\"f32\",\"value\":\"nan:arithmetic\"}", 0x7d, 0xffe00000u, true},
      {"{\"type\":\"f32\",\"value\":\"nan:arithmetic\"}", 0x7d, 0x7fa00000u, false},
      {"{\"type\":\"f64\",\"value\":\"nan:canonical\"}", 0x7c, 0xfff8000000000000ull, true},
      {"{\"type\":\"f64\",\"value\":\"nan:canonical\"}", 0x7c, 0x7ff8000000000001ull, false},
      {"{\"type\":\"f64\",\"value\":\"nan:arithmetic\"}", 0x7c, 0x7ff8000000000001ull, true},
      {"{\"type\":\"f64\",\"value\":\"nan:arithmetic\"}", 0x7c, 0x7ff4000000000000ull, false},
      {"{\"type\":\"f64\",\"value\":\"nan:arithmetic\"}", 0x7c, 0x7ff0000000000000ull, false},
      {"{\"type\":\"externref\",\"value\":\"1\"}", 0x6f, 2, true},
      {"{\"type\":\"externref\",\"value\":\"1\"}", 0x6f, 1, false},
      {"{\"type\":\"externref\",\"value\":\"1\"}", 0x70, 2, false},
      {"{\"type\":\"externref\",\"value\":\"null\"}", 0x6f, 0, true},
      {"{\"type\":\"externref\",\"value\":\"null\"}", 0x70, 0, false},
      {"{\"type\":\"externref\"}", 0x6f, 9, true},
      {"{\"type\":\"externref\"}", 0x6f, 0, false},
      {"{\"type\":\"funcref\"}", 0x70, 7, true},
      {"{\"type\":\"funcref\"}", 0x70, 0, false},
      {"{\"type\":\"refnull\"}", 0x70, 0, true},
      {"{\"type\":\"refnull\"}", 0x6f, 0, true},
      {"{\"type\":\"refnull\"}", 0x70, 5, false},
      {"{\"type\":\"refnull\"}", 0x7f, 0, false},
      {"{\"type\":\"either\",\"values\":[{\"type\":\"i32\",\"value\":\"1\"},"
       "{\"type\":\"f32\",\"value\":\"nan:canonical\"}]}",
       0x7d, 0xffc00000u, true},
      {"{\"type\":\"either\",\"values\":[{\"type\":\"i32\",\"value\":\"1\"},"
       "{\"type\":\"i32\",\"value\":\"2\"}]}",
       0x7f, 3, false},
  };
  int bad = 0;
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    json_t *j = json_loads(cases[i].exp, 0, NULL);
    expect e;
    expect_of(j, &e);
    dw_wasm_val v = {cases[i].type, cases[i].bits};
    bool got = !expect_bad(&e) && matches(&e, &v);
    if (got != cases[i].want) {
      char vs[128];
      fmt_val(&v, vs, sizeof vs);
      printf("selftest: %s against %s: %s, expected %s\n", cases[i].exp, vs,
             got ? "match" : "no match", cases[i].want ? "match" : "no match");
      bad++;
    }
    expect_free(&e);
    json_decref(j);
  }
  static const struct {
    const char *arg;
    bool ok;
    uint8_t type;
    uint64_t bits;
  } args[] = {
      {"{\"type\":\"i32\",\"value\":\"4294967295\"}", true, 0x7f, 0xffffffffu},
      {"{\"type\":\"f64\",\"value\":\"9221120237041090561\"}", true, 0x7c, 0x7ff8000000000001ull},
      {"{\"type\":\"externref\",\"value\":\"0\"}", true, 0x6f, 1},
      {"{\"type\":\"externref\",\"value\":\"null\"}", true, 0x6f, 0},
      {"{\"type\":\"funcref\",\"value\":\"null\"}", true, 0x70, 0},
      {"{\"type\":\"funcref\",\"value\":\"3\"}", false, 0, 0},
      {"{\"type\":\"i32\",\"value\":\"null\"}", false, 0, 0},
      {"{\"type\":\"v128\",\"value\":\"0\"}", false, 0, 0},
      {"{\"type\":\"unsupported\",\"text\":\"ref.host\"}", false, 0, 0},
  };
  for (size_t i = 0; i < sizeof args / sizeof *args; i++) {
    json_t *j = json_loads(args[i].arg, 0, NULL);
    dw_wasm_val v = {0, 0};
    bool ok = arg_of(j, &v);
    if (ok != args[i].ok || (ok && (v.type != args[i].type || v.bits != args[i].bits))) {
      printf("selftest: argument %s read as %s type 0x%02x bits 0x%" PRIx64 "\n", args[i].arg,
             ok ? "valid" : "invalid", v.type, v.bits);
      bad++;
    }
    json_decref(j);
  }
  size_t total = sizeof cases / sizeof *cases + sizeof args / sizeof *args;
  printf("selftest: %zu of %zu value checks right\n", total - (size_t)bad, total);
  return bad ? 1 : 0;
}

/* ---- modules and instances */

enum { S_OK, S_NA, S_FAILED };

/* A module as later commands see it: an instance, or why there is none. */
typedef struct modref {
  int state, refs;
  dw_wasm_inst *in;
  char *why;
  /* a module dagwood does not link imported from this one: had it been
   * linked, its segments and start function could have changed this
   * instance's tables, memory or globals, so later results are unknown */
  bool touched;
} modref;

static modref *modref_new(int state, dw_wasm_inst *in, const char *why) {
  modref *m = calloc(1, sizeof *m);
  if (!m) abort();
  m->state = state;
  m->in = in;
  m->why = strdup(why ? why : "");
  if (!m->why) abort();
  return m;
}

static void modref_drop(modref *m) {
  if (m && --m->refs <= 0) {
    dw_wasm_inst_free(m->in);
    free(m->why);
    free(m);
  }
}

typedef struct named {
  char *name;
  modref *m;     /* instances ($name) */
  char *defpath; /* module definitions: the binary */
} named;

/* The state of one script's run. */
typedef struct script {
  file_result *r;
  const char *dir;
  modref *cur;
  named *names;
  size_t nnames, capnames;
  char **registered;
  modref **registered_m; /* the instance registered under each name */
  size_t nregistered;
  char *last_def;
} script;

static named *name_slot(script *s, const char *name) {
  for (size_t i = 0; i < s->nnames; i++)
    if (!strcmp(s->names[i].name, name)) return &s->names[i];
  if (s->nnames == s->capnames) {
    s->capnames = s->capnames ? 2 * s->capnames : 8;
    s->names = realloc(s->names, s->capnames * sizeof *s->names);
    if (!s->names) abort();
  }
  named *n = &s->names[s->nnames++];
  memset(n, 0, sizeof *n);
  n->name = strdup(name);
  if (!n->name) abort();
  return n;
}

static void set_current(script *s, modref *m, const char *name) {
  m->refs++;
  modref_drop(s->cur);
  s->cur = m;
  if (name) {
    named *n = name_slot(s, name);
    m->refs++;
    modref_drop(n->m);
    n->m = m;
  }
}

static void record(script *s, int kind, int outcome) { s->r->count[kind][outcome]++; }

/* The reason without byte offsets, so like reasons count together. */
static void plain_reason(const char *why, char *out, size_t n) {
  size_t k = 0;
  for (const char *p = why; *p && k + 1 < n;) {
    const char *q = NULL;
    if (!strncmp(p, " (byte ", 7))
      q = p + 7;
    else if (!strncmp(p, " at byte ", 9))
      q = p + 9;
    if (q && *q >= '0' && *q <= '9') {
      while (*q >= '0' && *q <= '9') q++;
      if (p[1] == '(' && *q == ')') q++;
      if (p[1] != '(' || q[-1] == ')') {
        p = q;
        continue;
      }
    }
    out[k++] = *p++;
  }
  out[k] = 0;
}

static void na(script *s, int kind, const char *why) {
  char plain[1024];
  plain_reason(why, plain, sizeof plain);
  record(s, kind, O_NA);
  tally_add(&s->r->na, plain, 1);
}

/* The spectest functions dagwood provides. */
static bool providable(const char *mod, const char *field, const char *kind) {
  static const char *const prints[] = {"print",     "print_i32",     "print_i64",    "print_f32",
                                       "print_f64", "print_i32_f32", "print_f64_f64"};
  if (strcmp(mod, "spectest") || strcmp(kind, "func")) return false;
  for (size_t i = 0; i < sizeof prints / sizeof *prints; i++)
    if (!strcmp(field, prints[i])) return true;
  return false;
}

/* Why the module's imports are outside the embedding, or NULL. Every
 * registered instance it imports from is marked touched. */
static const char *outside(script *s, json_t *cmd, char *buf, size_t n) {
  const char *why = NULL;
  json_t *imps = json_object_get(cmd, "imports");
  for (size_t i = 0; i < json_array_size(imps); i++) {
    json_t *e = json_array_get(imps, i);
    const char *mod = json_string_value(json_array_get(e, 0));
    const char *field = json_string_value(json_array_get(e, 1));
    const char *kind = json_string_value(json_array_get(e, 2));
    if (!mod || !field || !kind || providable(mod, field, kind)) continue;
    bool reg = false;
    for (size_t k = 0; k < s->nregistered; k++)
      if (!strcmp(s->registered[k], mod)) {
        reg = true;
        if (s->registered_m[k]) s->registered_m[k]->touched = true;
      }
    if (why) continue;
    if (reg)
      snprintf(buf, n, "imports from a registered module (modules are not linked to each other)");
    else if (!strcmp(mod, "spectest") && strcmp(kind, "func"))
      snprintf(buf, n, "imports the spectest %s %s (outside the embedding)", kind, field);
    else
      snprintf(buf, n, "imports %s.%s, a %s outside the embedding", mod, field, kind);
    why = buf;
  }
  return why;
}

/* The module binary of a command; NULL with a failure recorded. */
static uint8_t *module_bytes(script *s, json_t *cmd, const char *field, size_t *len) {
  const char *f = json_string_value(json_object_get(cmd, field));
  char path[4400];
  snprintf(path, sizeof path, "%s/%s", s->dir, f ? f : "(none)");
  uint8_t *b = (uint8_t *)read_all(path, len);
  return b;
}

/* The instance a module command leaves (state and reason). */
static modref *instantiate(script *s, json_t *cmd, int line, const uint8_t *b, size_t len) {
  dw_wasm_inst *in = NULL;
  int trap = 0;
  char err[512] = "", why[700], obuf[300];
  int rc = dw_wasm_inst_new(b, len, NULL, 0, 0, &in, &trap, err, sizeof err);
  const char *o = outside(s, cmd, obuf, sizeof obuf);
  switch (rc) {
    case DW_INST_OK:
      record(s, K_MODULE, O_PASS);
      s->r->compiled++;
      if (dw_wasm_inst_cached(in)) s->r->cached++;
      return modref_new(S_OK, in, NULL);
    case DW_INST_UNSUPPORTED:
      snprintf(why, sizeof why, "outside the accepted set: %s", err);
      na(s, K_MODULE, why);
      return modref_new(S_NA, NULL, why);
    case DW_INST_UNLINKABLE:
      if (o) {
        na(s, K_MODULE, o);
        return modref_new(S_NA, NULL, o);
      }
      snprintf(why, sizeof why, "refused as unlinkable: %s", err);
      break;
    case DW_INST_MALFORMED:
      snprintf(why, sizeof why, "a valid module refused at validation: %s", err);
      break;
    case DW_INST_TRAPPED:
      snprintf(why, sizeof why, "instantiation trapped: %s (%s)", dw_wasm_inst_trap_text(trap),
               err);
      break;
    default:
      snprintf(why, sizeof why, "not instantiated: %s", err);
  }
  record(s, K_MODULE, O_FAIL);
  fail_add(s->r, line, "module: %s", why);
  return modref_new(S_FAILED, NULL, why);
}

static void cmd_module(script *s, json_t *cmd, int line) {
  const char *name = json_string_value(json_object_get(cmd, "name"));
  const char *asm_err = json_string_value(json_object_get(cmd, "assembler_error"));
  modref *m;
  if (asm_err) {
    record(s, K_MODULE, O_FAIL);
    fail_add(s->r, line, "module: the assembler refused it: %s", asm_err);
    m = modref_new(S_FAILED, NULL, "the assembler refused it");
  } else {
    size_t len;
    uint8_t *b = module_bytes(s, cmd, "filename", &len);
    if (!b) {
      record(s, K_MODULE, O_FAIL);
      fail_add(s->r, line, "module: its binary is missing from the conversion");
      m = modref_new(S_FAILED, NULL, "missing binary");
    } else {
      m = instantiate(s, cmd, line, b, len);
      free(b);
    }
  }
  set_current(s, m, name);
}

static void cmd_definition(script *s, json_t *cmd, int line) {
  const char *name = json_string_value(json_object_get(cmd, "name"));
  const char *f = json_string_value(json_object_get(cmd, "filename"));
  size_t len;
  uint8_t *b = f ? module_bytes(s, cmd, "filename", &len) : NULL;
  if (!b) {
    record(s, K_DEFINITION, O_FAIL);
    fail_add(s->r, line, "module definition: no binary (%s)",
             json_string_value(json_object_get(cmd, "assembler_error")));
    return;
  }
  char err[512] = "", why[600];
  int rc = dw_wasm_inst_validate(b, len, err, sizeof err);
  free(b);
  if (rc == DW_INST_OK)
    record(s, K_DEFINITION, O_PASS);
  else if (rc == DW_INST_UNSUPPORTED) {
    snprintf(why, sizeof why, "outside the accepted set: %s", err);
    na(s, K_DEFINITION, why);
  } else {
    record(s, K_DEFINITION, O_FAIL);
    fail_add(s->r, line, "module definition: a valid module refused at validation: %s", err);
  }
  char *path = NULL;
  if (asprintf(&path, "%s/%s", s->dir, f) < 0) abort();
  free(s->last_def);
  s->last_def = strdup(path);
  if (name) {
    named *n = name_slot(s, name);
    free(n->defpath);
    n->defpath = path;
  } else {
    free(path);
  }
}

static void cmd_instance(script *s, json_t *cmd, int line) {
  const char *name = json_string_value(json_object_get(cmd, "name"));
  const char *def = json_string_value(json_object_get(cmd, "definition"));
  const char *path = def ? name_slot(s, def)->defpath : s->last_def;
  size_t len;
  uint8_t *b = path ? (uint8_t *)read_all(path, &len) : NULL;
  modref *m;
  if (!b) {
    record(s, K_MODULE, O_FAIL);
    fail_add(s->r, line, "module instance: no such definition %s", def ? def : "");
    m = modref_new(S_FAILED, NULL, "no definition");
  } else {
    m = instantiate(s, cmd, line, b, len);
    free(b);
  }
  set_current(s, m, name);
}

/* The module an action addresses; NULL (with the command counted) when
 * there is no usable instance. */
static modref *target(script *s, int kind, json_t *action, int line) {
  const char *mod = json_string_value(json_object_get(action, "module"));
  modref *m = mod ? name_slot(s, mod)->m : s->cur;
  if (!m) {
    record(s, kind, O_FAIL);
    fail_add(s->r, line, "%s: no module %s", kind_names[kind], mod ? mod : "before it");
    return NULL;
  }
  if (m->state == S_OK && m->touched) {
    na(s, kind,
       "reads state that a module importing from it, which dagwood does not link, would have "
       "changed");
    return NULL;
  }
  if (m->state == S_OK) return m;
  if (m->state == S_NA) {
    char why[800];
    snprintf(why, sizeof why, "depends on a module that is not applicable: %s", m->why);
    na(s, kind, why);
  } else {
    record(s, kind, O_BLOCKED);
  }
  return NULL;
}

/* Short text of an action, for failure messages. */
static void fmt_action(json_t *a, const dw_wasm_val *args, size_t nargs, char *out, size_t n) {
  size_t k = (size_t)snprintf(out, n, "%s \"%s\"(", json_string_value(json_object_get(a, "type")),
                              json_string_value(json_object_get(a, "field")));
  for (size_t i = 0; i < nargs && k < n; i++) {
    char v[96];
    fmt_val(&args[i], v, sizeof v);
    k += (size_t)snprintf(out + k, n - k, "%s%s", i ? ", " : "", v);
  }
  if (k < n) snprintf(out + k, n - k, ")");
}

#define MAX_VALS 64

/* Runs an action of a command of `kind`; returns false when the command
 * is already counted (no instance, bad arguments); else *rc is DW_INST_OK,
 * a trap code > 0 or DW_INST_ERROR. */
static bool run_action(script *s, int kind, json_t *cmd, int line, dw_wasm_val *res, size_t *nres,
                       int *rc, char *err, size_t errlen, char *what, size_t whatlen) {
  json_t *a = json_object_get(cmd, "action");
  json_t *jargs = json_object_get(a, "args");
  dw_wasm_val args[MAX_VALS];
  size_t nargs = json_array_size(jargs);
  *nres = 0;
  if (nargs > MAX_VALS) {
    record(s, kind, O_FAIL);
    fail_add(s->r, line, "%s: too many arguments", kind_names[kind]);
    return false;
  }
  for (size_t i = 0; i < nargs; i++)
    if (!arg_of(json_array_get(jargs, i), &args[i])) {
      na(s, kind, "an argument outside the accepted set");
      return false;
    }
  fmt_action(a, args, nargs, what, whatlen);
  modref *m = target(s, kind, a, line);
  if (!m) return false;
  const char *type = json_string_value(json_object_get(a, "type"));
  const char *field = json_string_value(json_object_get(a, "field"));
  if (!field) field = "";
  err[0] = 0;
  if (type && !strcmp(type, "get")) {
    *rc = dw_wasm_inst_global(m->in, field, &res[0], err, errlen);
    *nres = *rc == DW_INST_OK;
  } else {
    *rc = dw_wasm_inst_call(m->in, field, args, nargs, res, MAX_VALS, nres, err, errlen);
  }
  return true;
}

static void cmd_action(script *s, int kind, json_t *cmd, int line) {
  dw_wasm_val res[MAX_VALS];
  size_t nres;
  int rc;
  char err[512], what[600];
  if (!run_action(s, kind, cmd, line, res, &nres, &rc, err, sizeof err, what, sizeof what)) return;
  const char *text = json_string_value(json_object_get(cmd, "text"));
  if (!text) text = "";
  if (rc == DW_INST_ERROR) {
    record(s, kind, O_FAIL);
    fail_add(s->r, line, "%s %s: %s", kind_names[kind], what, err);
    return;
  }
  if (kind == K_ACTION) {
    if (rc == DW_INST_OK)
      record(s, kind, O_PASS);
    else {
      record(s, kind, O_FAIL);
      fail_add(s->r, line, "%s: trapped: %s", what, dw_wasm_inst_trap_text(rc));
    }
    return;
  }
  if (kind == K_TRAP || kind == K_EXHAUSTION) {
    if (rc <= 0) {
      char v[128] = "nothing";
      if (nres) fmt_val(&res[0], v, sizeof v);
      record(s, kind, O_FAIL);
      fail_add(s->r, line, "%s %s: returned %s instead of trapping (\"%s\")", kind_names[kind],
               what, v, text);
      return;
    }
    const char *got = dw_wasm_inst_trap_text(rc);
    /* Exhaustion of a resource: the call stack, or the fuel budget when the
     * C compiler turned the recursion into a loop (gcc does so for fac-rec's
     * n * fac(n - 1)); a deeper stack would have computed a result. */
    if (kind == K_EXHAUSTION && strcmp(got, "call stack exhausted") && strcmp(got, "out of fuel")) {
      record(s, kind, O_FAIL);
      fail_add(s->r, line, "assert_exhaustion %s: trapped with \"%s\"", what, got);
      return;
    }
    record(s, kind, O_PASS);
    if (!strstr(got, text)) {
      char pair[600];
      snprintf(pair, sizeof pair, "\"%s\" -> \"%s\"", text, got);
      tally_add(&s->r->trap_msgs, pair, 1);
      s->r->msg_differs++;
      if (opt.verbose) printf("%s:%d: trap \"%s\", expected \"%s\"\n", s->r->name, line, got, text);
    }
    return;
  }
  /* assert_return */
  if (rc > 0) {
    record(s, kind, O_FAIL);
    fail_add(s->r, line, "assert_return %s: trapped: %s", what, dw_wasm_inst_trap_text(rc));
    return;
  }
  json_t *jexp = json_object_get(cmd, "expected");
  size_t nexp = json_array_size(jexp);
  expect exps[MAX_VALS];
  if (nexp > MAX_VALS) nexp = MAX_VALS;
  bool bad = false, ok = nres == nexp;
  for (size_t i = 0; i < nexp; i++) {
    expect_of(json_array_get(jexp, i), &exps[i]);
    bad |= expect_bad(&exps[i]);
  }
  for (size_t i = 0; ok && !bad && i < nexp; i++) ok = matches(&exps[i], &res[i]);
  if (bad)
    na(s, kind, "an expected value outside the accepted set");
  else if (ok)
    record(s, kind, O_PASS);
  else {
    char want[400] = "", got[400] = "";
    for (size_t i = 0, k = 0; i < nexp && k < sizeof want; i++, k = strlen(want)) {
      if (i) k += (size_t)snprintf(want + k, sizeof want - k, ", ");
      if (k < sizeof want) fmt_expect(&exps[i], want + k, sizeof want - k);
    }
    for (size_t i = 0, k = 0; i < nres && k < sizeof got; i++, k = strlen(got)) {
      if (i) k += (size_t)snprintf(got + k, sizeof got - k, ", ");
      if (k < sizeof got) fmt_val(&res[i], got + k, sizeof got - k);
    }
    record(s, kind, O_FAIL);
    fail_add(s->r, line, "assert_return %s: got [%s], expected [%s]", what, got, want);
  }
  for (size_t i = 0; i < nexp; i++) expect_free(&exps[i]);
}

/* assert_invalid, assert_malformed: dagwood's validation must refuse. */
static void cmd_refuse(script *s, json_t *cmd, int line, bool malformed) {
  const char *mt = json_string_value(json_object_get(cmd, "module_type"));
  bool text = mt && !strcmp(mt, "text");
  int kind = malformed ? (text ? K_MALFORMED_TEXT : K_MALFORMED_BIN) : K_INVALID;
  const char *expected = json_string_value(json_object_get(cmd, "text"));
  if (json_object_get(cmd, "assembler_error")) {
    record(s, kind, O_ASM);
    return;
  }
  size_t len;
  uint8_t *b = module_bytes(s, cmd, text ? "wasm" : "filename", &len);
  if (!b) {
    record(s, kind, O_FAIL);
    fail_add(s->r, line, "%s: its binary is missing from the conversion", kind_names[kind]);
    return;
  }
  char err[512] = "";
  int rc = dw_wasm_inst_validate(b, len, err, sizeof err);
  free(b);
  if (rc != DW_INST_OK) {
    record(s, kind, O_PASS);
    if (opt.verbose)
      printf("%s:%d: %s refused: %s (expected \"%s\")\n", s->r->name, line, kind_names[kind], err,
             expected);
    return;
  }
  record(s, kind, O_FAIL);
  fail_add(s->r, line, "%s: accepted (%s%s, expected \"%s\")", kind_names[kind],
           json_string_value(json_object_get(cmd, text ? "wasm" : "filename")),
           text ? ", assembled from malformed text" : "", expected);
}

/* assert_unlinkable, assert_uninstantiable: instantiation must fail. */
static void cmd_no_instance(script *s, json_t *cmd, int line, int kind) {
  size_t len;
  uint8_t *b = module_bytes(s, cmd, "filename", &len);
  if (!b) {
    record(s, kind, O_FAIL);
    fail_add(s->r, line, "%s: its binary is missing from the conversion (%s)", kind_names[kind],
             json_string_value(json_object_get(cmd, "assembler_error")));
    return;
  }
  dw_wasm_inst *in = NULL;
  int trap = 0;
  char err[512] = "", obuf[300], why[700];
  int rc = dw_wasm_inst_new(b, len, NULL, 0, 0, &in, &trap, err, sizeof err);
  free(b);
  dw_wasm_inst_free(in);
  const char *o = outside(s, cmd, obuf, sizeof obuf);
  int want = kind == K_UNLINKABLE ? DW_INST_UNLINKABLE : DW_INST_TRAPPED;
  if (rc == want) {
    record(s, kind, O_PASS);
    return;
  }
  if (rc == DW_INST_UNSUPPORTED) {
    snprintf(why, sizeof why, "outside the accepted set: %s", err);
    na(s, kind, why);
    return;
  }
  if (rc == DW_INST_UNLINKABLE && o) {
    na(s, kind, o);
    return;
  }
  record(s, kind, O_FAIL);
  if (rc == DW_INST_OK)
    fail_add(s->r, line, "%s: instantiated", kind_names[kind]);
  else if (rc == DW_INST_TRAPPED)
    fail_add(s->r, line, "%s: trapped (%s) instead of failing to link", kind_names[kind],
             dw_wasm_inst_trap_text(trap));
  else
    fail_add(s->r, line, "%s: %s: %s", kind_names[kind],
             rc == DW_INST_MALFORMED    ? "refused at validation"
             : rc == DW_INST_UNLINKABLE ? "unlinkable"
                                        : "error",
             err);
}

static void cmd_register(script *s, json_t *cmd, int line) {
  const char *as = json_string_value(json_object_get(cmd, "as"));
  s->registered = realloc(s->registered, (s->nregistered + 1) * sizeof *s->registered);
  if (!s->registered) abort();
  s->registered_m = realloc(s->registered_m, (s->nregistered + 1) * sizeof *s->registered_m);
  if (!s->registered_m) abort();
  json_t *a = json_pack("{s:O?}", "module", json_object_get(cmd, "name"));
  modref *m = target(s, K_REGISTER, a, line);
  if (m) {
    record(s, K_REGISTER, O_PASS);
    m->refs++;
  }
  s->registered_m[s->nregistered] = m;
  s->registered[s->nregistered++] = strdup(as ? as : "");
  json_decref(a);
}

/* Runs every command of one converted script. */
static void run_script(file_result *r, const char *json, const char *dir) {
  json_error_t jerr;
  json_t *root = json_load_file(json, 0, &jerr);
  json_t *cmds = json_object_get(root, "commands");
  if (!json_is_array(cmds)) {
    if (asprintf(&r->error, "%s: %s", json, root ? "no commands" : jerr.text) < 0) abort();
    json_decref(root);
    return;
  }
  script s = {.r = r, .dir = dir};
  for (size_t i = 0; i < json_array_size(cmds); i++) {
    json_t *c = json_array_get(cmds, i);
    const char *type = json_string_value(json_object_get(c, "type"));
    int line = (int)json_integer_value(json_object_get(c, "line"));
    if (!type) type = "";
    if (!strcmp(type, "module"))
      cmd_module(&s, c, line);
    else if (!strcmp(type, "module_definition"))
      cmd_definition(&s, c, line);
    else if (!strcmp(type, "module_instance"))
      cmd_instance(&s, c, line);
    else if (!strcmp(type, "register"))
      cmd_register(&s, c, line);
    else if (!strcmp(type, "action"))
      cmd_action(&s, K_ACTION, c, line);
    else if (!strcmp(type, "assert_return"))
      cmd_action(&s, K_RETURN, c, line);
    else if (!strcmp(type, "assert_trap"))
      cmd_action(&s, K_TRAP, c, line);
    else if (!strcmp(type, "assert_exhaustion"))
      cmd_action(&s, K_EXHAUSTION, c, line);
    else if (!strcmp(type, "assert_invalid"))
      cmd_refuse(&s, c, line, false);
    else if (!strcmp(type, "assert_malformed"))
      cmd_refuse(&s, c, line, true);
    else if (!strcmp(type, "assert_unlinkable"))
      cmd_no_instance(&s, c, line, K_UNLINKABLE);
    else if (!strcmp(type, "assert_uninstantiable"))
      cmd_no_instance(&s, c, line, K_UNINSTANTIABLE);
    else if (!strcmp(type, "unsupported")) {
      char why[300];
      snprintf(why, sizeof why, "a command outside the accepted set: %s",
               json_string_value(json_object_get(c, "command")));
      na(&s, K_OTHER, why);
    } else {
      record(&s, K_OTHER, O_FAIL);
      fail_add(r, line, "the converter could not read a command: %s",
               json_string_value(json_object_get(c, "error")));
    }
  }
  modref_drop(s.cur);
  for (size_t i = 0; i < s.nnames; i++) {
    modref_drop(s.names[i].m);
    free(s.names[i].name);
    free(s.names[i].defpath);
  }
  free(s.names);
  for (size_t i = 0; i < s.nregistered; i++) {
    free(s.registered[i]);
    modref_drop(s.registered_m[i]);
  }
  free(s.registered);
  free(s.registered_m);
  free(s.last_def);
  json_decref(root);
}

/* ---- the files, in parallel */

static file_result *results;
static size_t nresults;
static atomic_size_t next_file;

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void *worker(void *arg) {
  (void)arg;
  for (size_t i; (i = atomic_fetch_add(&next_file, 1)) < nresults;) {
    file_result *r = &results[i];
    double t0 = now();
    char *dir = NULL;
    char *json = convert(r, &dir);
    if (json) run_script(r, json, dir);
    free(json);
    free(dir);
    r->seconds = now() - t0;
    if (opt.verbose) printf("done %s (%.1f s)\n", r->name, r->seconds);
  }
  return NULL;
}

/* ---- setup */

static int skip(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  printf("SKIPPED: ");
  vprintf(fmt, ap);
  printf("\n");
  va_end(ap);
  return 77;
}

/* `name` found on PATH, or NULL. */
static char *which(const char *name) {
  if (strchr(name, '/')) return access(name, X_OK) == 0 ? strdup(name) : NULL;
  const char *path = getenv("PATH");
  if (!path) path = "/usr/bin:/bin";
  for (const char *p = path; *p;) {
    size_t n = strcspn(p, ":");
    char *c = NULL;
    if (asprintf(&c, "%.*s/%s", (int)n, p, name) < 0) abort();
    if (n && access(c, X_OK) == 0) return c;
    free(c);
    p += n + (p[n] == ':');
  }
  return NULL;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const file_result *)a)->name, ((const file_result *)b)->name);
}

static void add_file(const char *path) {
  results = realloc(results, (nresults + 1) * sizeof *results);
  if (!results) abort();
  file_result *r = &results[nresults++];
  memset(r, 0, sizeof *r);
  r->path = strdup(path);
  const char *b = strrchr(path, '/');
  b = b ? b + 1 : path;
  r->name = strndup(b, strlen(b) - (strlen(b) > 5 && !strcmp(b + strlen(b) - 5, ".wast") ? 5 : 0));
  if (!r->path || !r->name) abort();
}

static void usage(void) {
  fprintf(stderr,
          "usage: spectest [--selftest] [-v] [-j N] [-n N] [--suite DIR] [--work DIR] [--converter "
          "FILE]\n"
          "                [--node PATH] [SCRIPT.wast|NAME ...]\n"
          "  --suite DIR      the testsuite (default: $DAGWOOD_WASM_TESTSUITE)\n"
          "  --work DIR       where conversions are cached (default: $DW_BUILD_DIR/spec-json)\n"
          "  --converter FILE wast2json.mjs (default: tests/spec/wast2json.mjs)\n"
          "  -j N             scripts in parallel (default: online CPUs)\n"
          "  -n N             failures to print (default 40)\n"
          "  -v               every failure, refusal and trap message as it happens\n"
          "  --selftest       check the value rules (NaN, references, either) and exit\n");
}

/* ---- the report */

static void print_counts(const int c[K_COUNT][O_COUNT], bool per_file) {
  for (int k = 0; k < K_COUNT; k++) {
    int total = 0;
    for (int o = 0; o < O_COUNT; o++) total += c[k][o];
    if (!total) continue;
    if (per_file) {
      char rest[200] = "";
      for (int o = 1, n = 0; o < O_COUNT; o++)
        if (c[k][o])
          n += snprintf(rest + n, sizeof rest - (size_t)n, "%s%d %s", n ? ", " : "   ", c[k][o],
                        outcome_names[o]);
      printf("  %-26s %5d/%d%s\n", kind_names[k], c[k][O_PASS], total, rest);
    } else {
      printf("  %-26s %7d", kind_names[k], total);
      for (int o = 0; o < O_COUNT; o++) printf(" %7d", c[k][o]);
      printf("\n");
    }
  }
}

/* What main allocates, freed on every way out (the sanitizer builds count
 * leaks even on a skip). */
static struct {
  char **only;
  char *conv, *work, *node, *cbytes;
} heap;

static void free_results(void) {
  for (size_t i = 0; i < nresults; i++) {
    file_result *r = &results[i];
    tally_free(&r->na);
    tally_free(&r->trap_msgs);
    for (size_t k = 0; k < r->nfails; k++) free(r->fails[k]);
    free(r->fails);
    free(r->error);
    free((char *)r->path);
    free((char *)r->name);
  }
  free(results);
  results = NULL;
  nresults = 0;
}

static int cleanup(int rc) {
  free_results();
  free(heap.only);
  free(heap.conv);
  free(heap.work);
  free(heap.node);
  free(heap.cbytes);
  memset(&heap, 0, sizeof heap);
  return rc;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  json_object_seed(0); /* before the threads parse anything */
  opt.suite = getenv("DAGWOOD_WASM_TESTSUITE");
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  opt.jobs = cpus > 0 ? (int)cpus : 1;
  const char *node_name = getenv("DW_NODE") ? getenv("DW_NODE") : "node";
  char **only = heap.only = calloc((size_t)argc + 1, sizeof *only);
  size_t nonly = 0;
  if (!only) abort();
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    bool has = i + 1 < argc;
    if (!strcmp(a, "-v"))
      opt.verbose = true;
    else if (!strcmp(a, "--selftest"))
      return cleanup(selftest());
    else if (!strcmp(a, "-j") && has)
      opt.jobs = atoi(argv[++i]);
    else if (!strcmp(a, "-n") && has)
      opt.max_fails = atoi(argv[++i]);
    else if (!strcmp(a, "--suite") && has)
      opt.suite = argv[++i];
    else if (!strcmp(a, "--work") && has)
      opt.work = argv[++i];
    else if (!strcmp(a, "--converter") && has)
      opt.converter = argv[++i];
    else if (!strcmp(a, "--node") && has)
      node_name = argv[++i];
    else if (a[0] == '-') {
      usage();
      return cleanup(2);
    } else
      only[nonly++] = argv[i];
  }
  if (opt.jobs < 1) opt.jobs = 1;

  /* the scripts: the suite's, or those named */
  bool all = nonly == 0;
  if (all && (!opt.suite || !*opt.suite))
    return cleanup(skip("the WebAssembly spec testsuite: DAGWOOD_WASM_TESTSUITE is not set"));
  if (all && !is_dir(opt.suite))
    return cleanup(skip("the WebAssembly spec testsuite: %s is not a folder", opt.suite));
  if (all) {
    DIR *d = opendir(opt.suite);
    if (!d) return cleanup(skip("cannot read %s: %s", opt.suite, strerror(errno)));
    for (struct dirent *e; (e = readdir(d));) {
      size_t n = strlen(e->d_name);
      if (n > 5 && !strcmp(e->d_name + n - 5, ".wast")) {
        char *p = NULL;
        if (asprintf(&p, "%s/%s", opt.suite, e->d_name) < 0) abort();
        add_file(p);
        free(p);
      }
    }
    closedir(d);
    if (!nresults) return cleanup(skip("no .wast scripts in %s", opt.suite));
  } else {
    for (size_t i = 0; i < nonly; i++) {
      char *p = NULL;
      if (access(only[i], R_OK) == 0)
        p = strdup(only[i]);
      else if (opt.suite && asprintf(&p, "%s/%s%s", opt.suite, only[i],
                                     strstr(only[i], ".wast") ? "" : ".wast") < 0)
        abort();
      if (!p || access(p, R_OK) != 0) {
        fprintf(stderr, "spectest: no script %s (in %s)\n", only[i], opt.suite ? opt.suite : "-");
        free(p);
        return cleanup(2);
      }
      add_file(p);
      free(p);
    }
  }
  qsort(results, nresults, sizeof *results, by_name);

  /* node, the converter, jco */
  char *conv = NULL, *work = NULL;
  if (!opt.converter) {
    const char *src = getenv("DW_SOURCE_DIR");
    if (asprintf(&conv, "%s/tests/spec/wast2json.mjs", src ? src : ".") < 0) abort();
    opt.converter = heap.conv = conv;
  }
  if (!opt.work) {
    const char *b = getenv("DW_BUILD_DIR");
    if (b) {
      if (asprintf(&work, "%s/spec-json", b) < 0) abort();
    } else if (asprintf(&work, "/tmp/dagwood-spec-%d", (int)getuid()) < 0)
      abort();
    opt.work = heap.work = work;
  }
  char *node = heap.node = which(node_name);
  if (!node)
    return cleanup(
        skip("node (%s) is not on PATH: the .wast scripts cannot be converted", node_name));
  opt.node = node;
  size_t clen;
  char *cbytes = heap.cbytes = read_all(opt.converter, &clen);
  if (!cbytes) return cleanup(skip("the converter %s cannot be read", opt.converter));
  if (!mkdirs(opt.work)) {
    fprintf(stderr, "spectest: cannot create %s: %s\n", opt.work, strerror(errno));
    return cleanup(1);
  }
  char log[4200];
  snprintf(log, sizeof log, "%s/check.%d.log", opt.work, (int)getpid());
  char *check_argv[] = {node, (char *)opt.converter, "--check", NULL};
  int crc = run_logged(check_argv, log);
  if (crc != 0) {
    char line[512];
    first_line(log, line, sizeof line);
    unlink(log);
    if (!strncmp(line, "SKIPPED: ", 9)) return cleanup(skip("%s", line + 9));
    return cleanup(skip("the converter cannot run (exit %d): %s", crc, line));
  }
  unlink(log);
  /* the cache key: the converter's text and jco's version */
  dw_sha256 h;
  dw_sha256_init(&h);
  dw_sha256_update(&h, cbytes, clen);
  char *jpkg = NULL;
  const char *slash = strrchr(opt.converter, '/');
  if (asprintf(&jpkg,
               "%.*s../../examples/components/node_modules/@bytecodealliance/jco/package.json",
               slash ? (int)(slash - opt.converter + 1) : 0, opt.converter) < 0)
    abort();
  size_t jlen;
  char *jbytes = read_all(jpkg, &jlen);
  if (jbytes) dw_sha256_update(&h, jbytes, jlen);
  free(jbytes);
  free(jpkg);
  dw_sha256_final(&h, conv_key);

  printf("spec testsuite: %s, %zu script(s), %d in parallel; conversions in %s\n",
         all ? opt.suite : "(named scripts)", nresults, opt.jobs, opt.work);
  printf(
      "each module goes through dagwood's path: validation, canonical re-encoding, fuel, "
      "compile, runtime\n");
  double t0 = now();
  int nthreads = opt.jobs < (int)nresults ? opt.jobs : (int)nresults;
  pthread_t *th = calloc((size_t)nthreads, sizeof *th);
  if (!th) abort();
  for (int i = 0; i < nthreads; i++)
    if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
      nthreads = i;
      break;
    }
  if (nthreads == 0) worker(NULL);
  for (int i = 0; i < nthreads; i++) pthread_join(th[i], NULL);
  free(th);
  double secs = now() - t0;

  /* per script, then the totals */
  int tot[K_COUNT][O_COUNT] = {{0}};
  int by_outcome[O_COUNT] = {0}, errors = 0, msg_differs = 0, compiled = 0, cached = 0;
  size_t nfails = 0;
  tally na_all = {0}, msgs_all = {0};
  printf("\nper script (pass/total; then the rest by outcome):\n");
  for (size_t i = 0; i < nresults; i++) {
    file_result *r = &results[i];
    printf("%s.wast (%.1f s)%s%s\n", r->name, r->seconds, r->error ? ": ERROR: " : "",
           r->error ? r->error : "");
    if (r->error) errors++;
    print_counts((const int(*)[O_COUNT])r->count, true);
    for (int k = 0; k < K_COUNT; k++)
      for (int o = 0; o < O_COUNT; o++) {
        tot[k][o] += r->count[k][o];
        by_outcome[o] += r->count[k][o];
      }
    for (size_t k = 0; k < r->na.len; k++) tally_add(&na_all, r->na.key[k], r->na.n[k]);
    for (size_t k = 0; k < r->trap_msgs.len; k++)
      tally_add(&msgs_all, r->trap_msgs.key[k], r->trap_msgs.n[k]);
    msg_differs += r->msg_differs;
    compiled += r->compiled;
    cached += r->cached;
    nfails += r->nfails;
  }
  printf("\ntotal over %zu script(s):\n  %-26s %7s", nresults, "command", "total");
  for (int o = 0; o < O_COUNT; o++) printf(" %7s", outcome_names[o]);
  printf("\n");
  print_counts((const int(*)[O_COUNT])tot, false);
  if (na_all.len) {
    printf("\nnot applicable, by reason:\n");
    tally_print(&na_all, "  ", 40);
  }
  if (msgs_all.len) {
    printf("\ntraps that passed with a text other than the expected one (%d):\n", msg_differs);
    tally_print(&msgs_all, "  ", 25);
  }
  if (nfails) {
    printf("\nfailures (%zu; the first %d):\n", nfails, opt.max_fails);
    int shown = 0;
    for (size_t i = 0; i < nresults && shown < opt.max_fails; i++)
      for (size_t k = 0; k < results[i].nfails && shown < opt.max_fails; k++, shown++)
        printf("  %s\n", results[i].fails[k]);
  }
  bool failed = by_outcome[O_FAIL] > 0 || by_outcome[O_BLOCKED] > 0 || errors > 0;
  printf(
      "\n%s: %d passed, %d failed, %d blocked by a failed module, %d not applicable, "
      "%d text modules refused by the assembler; %d script(s) not converted; %d module(s) "
      "instantiated (%d from the cache); %.1f s\n",
      failed ? "FAILED" : "PASSED", by_outcome[O_PASS], by_outcome[O_FAIL], by_outcome[O_BLOCKED],
      by_outcome[O_NA], by_outcome[O_ASM], errors, compiled, cached, secs);

  tally_free(&na_all);
  tally_free(&msgs_all);
  return cleanup(failed ? 1 : 0);
}
