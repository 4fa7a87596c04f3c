/*
 * test_property: the property test of issue 3. Seeded random DAGs (up to 200
 * processors; layered, random-edge, forest and fan shapes; transforms and
 * analyzers; some input_from, intent and retry overrides; a few failing
 * processors) run by every executor at max_concurrency 1, 2 and 8 under every
 * failure strategy (half of the seeds asking for the run's output alone,
 * DW_KEEP_RUN_OUTPUT). Each result must equal the one computed by the sequential
 * reference implementation of PIPELINES sections 3 and 4 written below, in every
 * field but the timings, with one freedom the sequential order cannot
 * decide: under fail_fast, a processor ranked after the first failure that
 * succeeded before the failure came keeps its result (PIPELINES 4.2) — it
 * must then be exactly what it would have been had it run (the
 * continue_on_error reference), else it is cancelled. Reasons of skipped
 * and cancelled processors are the same text on every executor. Only the
 * public API is used; the processors are registered with dw_engine_register.
 *
 * Environment: DW_PROPERTY_CASES=N (default 500), DW_PROPERTY_SEED=S (run
 * only the case of seed S, as printed by a failure), DW_PROPERTY_DUMP=1
 * (print the pipeline of every failing case).
 */
/* DW_TSAN_LABEL */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "dagwood/dagwood.h"

#define MAX_NODES 200
#define MAX_MD 4
#define DEFAULT_CASES 500
#define HOSTNAME "prop-host"

/* ------------------------------------------------------------ utilities */

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t rng_next(rng *r) { /* splitmix64 */
  uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
static unsigned rng_below(rng *r, unsigned n) { return n ? (unsigned)(rng_next(r) % n) : 0; }
static int rng_pct(rng *r, unsigned pct) { return rng_below(r, 100) < pct; }

static uint64_t fnv(uint64_t h, const void *p, size_t n) {
  const unsigned char *b = p;
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ULL;
  return h;
}
#define FNV0 0xcbf29ce484222325ULL

typedef struct sbuf {
  char *p;
  size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
  for (;;) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) abort();
    if (b->p && b->len + (size_t)n < b->cap) {
      b->len += (size_t)n;
      return;
    }
    size_t nc = b->cap ? b->cap * 2 : 4096;
    while (nc < b->len + (size_t)n + 1) nc *= 2;
    b->p = realloc(b->p, nc);
    if (!b->p) abort();
    b->cap = nc;
  }
}

static void *xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size);
  if (!p) abort();
  return p;
}

static char *xmemdup(const void *p, size_t len) {
  char *d = malloc(len + 1);
  if (!d) abort();
  if (len) memcpy(d, p, len);
  d[len] = 0;
  return d;
}

/* ------------------------------------------- the test processors' logic */

/* Two processors are registered, "prop_t" (transform) and "prop_a"
 * (analyzer), both running compute() below on their options:
 *   tag   the processor's id (checked against dw_call_processor_id)
 *   mode  "hash": the transform's payload is a hash of tag and input instead
 *         of input + "+" + tag
 *   fail  "always" (error 422), "bare" (non-zero return without
 *         dw_call_fail: error 500), "mod" (error 409 when the input's hash is
 *         a multiple of k), "flaky" (error 503 on attempts below k)
 * Every payload depends on the input, and every successful call records the
 * input's length and hash as metadata, so a wrong input choice shows. An
 * analyzer also returns a payload (which the engine must ignore, unless the
 * pipeline overrides its intent to transform). */
enum { FAIL_NONE, FAIL_ALWAYS, FAIL_BARE, FAIL_MOD, FAIL_FLAKY };
static const char *const FAIL_NAMES[] = {"none", "always", "bare", "mod", "flaky"};

typedef struct popts {
  const char *tag;
  int hash;
  int fail;
  unsigned k;
} popts;

typedef struct kv {
  char key[16];
  char value[40];
} kv;

typedef struct outcome {
  int ok;
  int code; /* when !ok */
  int bare; /* when !ok: return 1 without dw_call_fail */
  char *payload;
  size_t len;
  size_t nmd;
  kv md[MAX_MD];
} outcome;

static void md_add(outcome *r, const char *k, const char *v) {
  snprintf(r->md[r->nmd].key, sizeof r->md[r->nmd].key, "%s", k);
  snprintf(r->md[r->nmd].value, sizeof r->md[r->nmd].value, "%s", v);
  r->nmd++;
}

static void compute(const popts *o, dw_intent kind, const uint8_t *in, size_t len, unsigned attempt,
                    outcome *r) {
  memset(r, 0, sizeof *r);
  uint64_t h = fnv(FNV0, in, len);
  if (o->fail == FAIL_FLAKY && attempt < o->k) {
    r->code = 503;
    return;
  }
  if (o->fail == FAIL_ALWAYS) {
    r->code = 422;
    return;
  }
  if (o->fail == FAIL_BARE) {
    r->code = 500;
    r->bare = 1;
    return;
  }
  if (o->fail == FAIL_MOD && h % o->k == 0) {
    r->code = 409;
    return;
  }
  r->ok = 1;
  char tmp[40];
  snprintf(tmp, sizeof tmp, "%zu", len);
  md_add(r, "in_len", tmp);
  snprintf(tmp, sizeof tmp, "%016" PRIx64, h);
  md_add(r, "in_hash", tmp);
  md_add(r, "tag", o->tag);
  if (o->fail == FAIL_FLAKY) {
    snprintf(tmp, sizeof tmp, "%u", attempt);
    md_add(r, "attempt", tmp);
  }
  size_t tl = strlen(o->tag);
  if (kind == DW_INTENT_ANALYZE) {
    r->payload = xcalloc(tl + 20, 1);
    r->len = (size_t)snprintf(r->payload, tl + 20, "A%s:%016" PRIx64, o->tag, h);
  } else if (o->hash) {
    r->payload = xcalloc(20, 1);
    r->len = (size_t)snprintf(r->payload, 20, "#%016" PRIx64, fnv(fnv(FNV0, o->tag, tl), in, len));
  } else {
    r->payload = xcalloc(len + tl + 2, 1);
    if (len) memcpy(r->payload, in, len);
    r->payload[len] = '+';
    memcpy(r->payload + len + 1, o->tag, tl);
    r->len = len + 1 + tl;
  }
}

static int parse_fail(const char *s) {
  if (!s) return FAIL_NONE;
  for (int i = 1; i <= FAIL_FLAKY; i++)
    if (!strcmp(s, FAIL_NAMES[i])) return i;
  return -1;
}

/* The registered callback: user is the registered intent. */
static int prop_process(dw_call *c, void *user) {
  dw_intent kind = (dw_intent)(intptr_t)user;
  popts o = {0};
  o.tag = dw_call_option(c, "tag");
  const char *id = dw_call_processor_id(c);
  if (!o.tag || !id || strcmp(o.tag, id) != 0)
    return dw_call_fail(c, 999, "tag option %s does not match id %s", o.tag ? o.tag : "(none)",
                        id ? id : "(none)");
  const char *mode = dw_call_option(c, "mode");
  o.hash = mode && !strcmp(mode, "hash");
  o.fail = parse_fail(dw_call_option(c, "fail"));
  const char *k = dw_call_option(c, "k");
  o.k = k ? (unsigned)strtoul(k, NULL, 10) : 0;
  if (o.fail < 0 || ((o.fail == FAIL_MOD || o.fail == FAIL_FLAKY) && o.k == 0))
    return dw_call_fail(c, 998, "bad options");
  size_t len;
  const uint8_t *in = dw_call_input(c, &len);
  if (!in && len) return dw_call_fail(c, 997, "NULL input");
  outcome r;
  compute(&o, kind, in, len, dw_call_attempt(c), &r);
  if (!r.ok) {
    if (r.bare) return 1;
    return dw_call_fail(c, r.code, "%s failure of %s on attempt %u", FAIL_NAMES[o.fail], id,
                        dw_call_attempt(c));
  }
  int rc = dw_call_set_output(c, r.payload, r.len);
  for (size_t i = 0; i < r.nmd && rc == 0; i++)
    rc = dw_call_add_metadata(c, r.md[i].key, r.md[i].value);
  free(r.payload);
  return rc == 0 ? 0 : dw_call_fail(c, 996, "out of memory");
}

/* ------------------------------------------------------- random pipelines */

typedef struct gnode {
  char id[12];
  dw_intent kind; /* the registered processor's intent */
  int intent_key; /* -1, or the dw_intent written as `intent:` */
  popts o;        /* o.tag points at id */
  int retry;      /* -1, or the node's own retry_attempts */
  int ndeps;
  int *deps;       /* file indices, ascending */
  int input_from;  /* file index, or -1 */
  int deps_block;  /* write depends_on as a block list */
  int entry_style; /* entries: 0 omit depends_on, 1 write [] */
} gnode;

typedef struct gcase {
  uint64_t seed;
  int n;
  int shape;
  gnode *nd;
  int yaml_strategy; /* -1: not written */
  int yaml_fs;       /* -1: not written */
  unsigned yaml_mc;  /* 0: not written */
  int retry_written; /* executor_options.retry_attempts written */
  unsigned retry;    /* global retry_attempts */
  int timeout;       /* executor_options.timeout_seconds written (30) */
  char input[48];
  size_t input_len;
  char name[64];
  sbuf yaml;
  /* derived */
  int *order; /* order[rank] = file index */
  int *rank;  /* rank[file index] */
  unsigned *level, *remaining;
} gcase;

static const char *const SHAPES[] = {"layered", "random-sparse", "random-dense", "forest", "fan"};

static dw_intent node_intent(const gnode *v) {
  return v->intent_key >= 0 ? (dw_intent)v->intent_key : v->kind;
}

static int cmp_int(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  return (x > y) - (x < y);
}

/* Add dependency p (topological position) to the list of t unless present. */
static void add_pred(int *cnt, int *list, int p) {
  for (int i = 0; i < *cnt; i++)
    if (list[i] == p) return;
  list[(*cnt)++] = p;
}

static void gen_case(gcase *g, uint64_t seed) {
  memset(g, 0, sizeof *g);
  g->seed = seed;
  rng r = {seed * 0x2545f4914f6cdd1dULL + 17};
  unsigned u = rng_below(&r, 100);
  int n = u < 62   ? 1 + (int)rng_below(&r, 16)
          : u < 93 ? 17 + (int)rng_below(&r, 64)
                   : 150 + (int)rng_below(&r, MAX_NODES - 150 + 1);
  g->n = n;
  g->shape = (int)rng_below(&r, 5);

  /* Dependencies in topological positions: tp[t] holds positions < t. */
  int *tcnt = xcalloc((size_t)n, sizeof *tcnt);
  int **tp = xcalloc((size_t)n, sizeof *tp);
  for (int t = 0; t < n; t++) tp[t] = xcalloc((size_t)n, sizeof **tp);
  switch (g->shape) {
    case 0: { /* layered */
      int *layer_start = xcalloc((size_t)n + 1, sizeof *layer_start);
      int nl = 1;
      unsigned want = 1 + rng_below(&r, (unsigned)(n < 12 ? n : 12));
      for (int t = 1; t < n; t++)
        if (rng_below(&r, (unsigned)n) < want) layer_start[nl++] = t;
      layer_start[nl] = n;
      for (int l = 1; l < nl; l++) {
        for (int t = layer_start[l]; t < layer_start[l + 1]; t++) {
          if (rng_pct(&r, 8)) continue; /* an extra entry point */
          int k = 1 + (int)rng_below(&r, 3);
          for (int j = 0; j < k; j++) {
            int p;
            if (rng_pct(&r, 80))
              p = layer_start[l - 1] +
                  (int)rng_below(&r, (unsigned)(layer_start[l] - layer_start[l - 1]));
            else
              p = (int)rng_below(&r, (unsigned)layer_start[l]);
            add_pred(&tcnt[t], tp[t], p);
          }
        }
      }
      free(layer_start);
      break;
    }
    case 1:
    case 2: { /* random edges, average in-degree about 1.3 or 3.5 */
      unsigned deg10 = g->shape == 1 ? 13 : 35;
      for (int t = 1; t < n; t++) {
        if (rng_pct(&r, 12)) continue;
        for (int p = 0; p < t; p++)
          if (rng_below(&r, 10u * (unsigned)t) < deg10) add_pred(&tcnt[t], tp[t], p);
        if (tcnt[t] == 0 && rng_pct(&r, 70))
          add_pred(&tcnt[t], tp[t], (int)rng_below(&r, (unsigned)t));
      }
      break;
    }
    case 3: /* a forest */
      for (int t = 1; t < n; t++)
        if (rng_pct(&r, 85)) add_pred(&tcnt[t], tp[t], (int)rng_below(&r, (unsigned)t));
      break;
    default: /* fan out from one entry, fan in to one sink */
      for (int t = 1; t < n; t++) {
        if (t < n - 1 || n < 3)
          add_pred(&tcnt[t], tp[t], 0);
        else
          for (int p = 1; p < n - 1; p++) add_pred(&tcnt[t], tp[t], p);
      }
      break;
  }

  /* File positions: identity, shuffled or reversed. */
  int *pos = xcalloc((size_t)n, sizeof *pos);
  unsigned pm = rng_below(&r, 100);
  for (int t = 0; t < n; t++) pos[t] = pm < 80 ? t : n - 1 - t;
  if (pm < 45) {
    for (int t = n - 1; t > 0; t--) {
      int j = (int)rng_below(&r, (unsigned)t + 1), x = pos[t];
      pos[t] = pos[j];
      pos[j] = x;
    }
  }

  g->nd = xcalloc((size_t)n, sizeof *g->nd);
  for (int t = 0; t < n; t++) {
    gnode *v = &g->nd[pos[t]];
    v->ndeps = tcnt[t];
    v->deps = xcalloc((size_t)tcnt[t], sizeof *v->deps);
    for (int i = 0; i < tcnt[t]; i++) v->deps[i] = pos[tp[t][i]];
    qsort(v->deps, (size_t)v->ndeps, sizeof *v->deps, cmp_int);
  }
  for (int i = 0; i < n; i++) {
    gnode *v = &g->nd[i];
    snprintf(v->id, sizeof v->id, "p%d", i);
    v->o.tag = v->id;
    v->kind = rng_pct(&r, 60) ? DW_INTENT_TRANSFORM : DW_INTENT_ANALYZE;
    v->intent_key = rng_pct(&r, 10) ? (int)rng_below(&r, 2) : -1;
    v->o.hash = rng_pct(&r, 30);
    v->retry = rng_pct(&r, 5) ? (int)rng_below(&r, 3) : -1;
    v->input_from = -1;
    if (v->ndeps >= 2 && rng_pct(&r, 35))
      v->input_from = v->deps[rng_below(&r, (unsigned)v->ndeps)];
    else if (v->ndeps == 1 && rng_pct(&r, 5))
      v->input_from = v->deps[0];
    v->deps_block = rng_pct(&r, 20);
    v->entry_style = (int)rng_below(&r, 2);
  }
  if (rng_pct(&r, 80)) { /* a few failing processors */
    int nf = 1 + (int)rng_below(&r, 1 + (unsigned)n / 25);
    for (int j = 0; j < nf; j++) {
      gnode *v = &g->nd[rng_below(&r, (unsigned)n)];
      unsigned t = rng_below(&r, 100);
      if (t < 40) {
        v->o.fail = FAIL_ALWAYS;
      } else if (t < 55) {
        v->o.fail = FAIL_BARE;
      } else if (t < 80) {
        v->o.fail = FAIL_MOD;
        v->o.k = 2 + rng_below(&r, 3);
      } else {
        v->o.fail = FAIL_FLAKY;
        v->o.k = 2 + rng_below(&r, 2);
        if (rng_pct(&r, 50)) v->retry = (int)v->o.k - 1; /* enough retries to succeed */
      }
    }
  }
  static const unsigned MC_CHOICES[3] = {1, 2, 8};
  g->yaml_strategy = rng_pct(&r, 85) ? (int)rng_below(&r, 4) : -1;
  g->yaml_fs = rng_pct(&r, 85) ? (int)rng_below(&r, 3) : -1;
  g->yaml_mc = rng_pct(&r, 85) ? MC_CHOICES[rng_below(&r, 3)] : 0;
  g->retry = rng_pct(&r, 25) ? 1 + rng_below(&r, 2) : 0;
  g->retry_written = g->retry > 0 || rng_pct(&r, 20);
  g->timeout = rng_pct(&r, 20);

  static const char CHARS[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.!";
  g->input_len = rng_pct(&r, 5) ? 0 : rng_below(&r, sizeof g->input - 1);
  for (size_t i = 0; i < g->input_len; i++) g->input[i] = CHARS[rng_below(&r, sizeof CHARS - 1)];
  g->input[g->input_len] = 0;
  snprintf(g->name, sizeof g->name, "property-%" PRIu64 ".yaml", seed);

  for (int t = 0; t < n; t++) free(tp[t]);
  free(tp);
  free(tcnt);
  free(pos);
}

static void gen_yaml(gcase *g) {
  sbuf *b = &g->yaml;
  sb_printf(b, "# property case seed=%" PRIu64 " shape=%s n=%d\n", g->seed, SHAPES[g->shape], g->n);
  if (g->yaml_strategy >= 0) sb_printf(b, "strategy: %s\n", dw_strategy_name(g->yaml_strategy));
  if (g->yaml_fs >= 0) sb_printf(b, "failure_strategy: %s\n", dw_failure_strategy_name(g->yaml_fs));
  if (g->yaml_mc || g->retry_written || g->timeout) {
    sb_printf(b, "executor_options:\n");
    if (g->yaml_mc) sb_printf(b, "  max_concurrency: %u\n", g->yaml_mc);
    if (g->retry_written) sb_printf(b, "  retry_attempts: %u\n", g->retry);
    if (g->timeout) sb_printf(b, "  timeout_seconds: 30\n");
  }
  sb_printf(b, "processors:%s\n", g->n ? "" : " []");
  for (int i = 0; i < g->n; i++) {
    const gnode *v = &g->nd[i];
    sb_printf(b, "  - id: %s\n    type: local\n    processor: %s\n", v->id,
              v->kind == DW_INTENT_TRANSFORM ? "prop_t" : "prop_a");
    if (v->ndeps == 0) {
      if (v->entry_style) sb_printf(b, "    depends_on: []\n");
    } else if (v->deps_block) {
      sb_printf(b, "    depends_on:\n");
      for (int j = 0; j < v->ndeps; j++) sb_printf(b, "      - %s\n", g->nd[v->deps[j]].id);
    } else {
      sb_printf(b, "    depends_on: [");
      for (int j = 0; j < v->ndeps; j++) sb_printf(b, "%s%s", j ? ", " : "", g->nd[v->deps[j]].id);
      sb_printf(b, "]\n");
    }
    if (v->input_from >= 0) sb_printf(b, "    input_from: %s\n", g->nd[v->input_from].id);
    if (v->intent_key >= 0) sb_printf(b, "    intent: %s\n", dw_intent_name(v->intent_key));
    if (v->retry >= 0) sb_printf(b, "    retry_attempts: %d\n", v->retry);
    sb_printf(b, "    options:\n      tag: \"%s\"\n", v->id);
    if (v->o.hash) sb_printf(b, "      mode: \"hash\"\n");
    if (v->o.fail) sb_printf(b, "      fail: \"%s\"\n", FAIL_NAMES[v->o.fail]);
    if (v->o.k) sb_printf(b, "      k: \"%u\"\n", v->o.k);
  }
}

/* Canonical order (Kahn, ready ties by file position), levels, remaining. */
static void derive(gcase *g) {
  int n = g->n;
  g->order = xcalloc((size_t)n, sizeof *g->order);
  g->rank = xcalloc((size_t)n, sizeof *g->rank);
  g->level = xcalloc((size_t)n, sizeof *g->level);
  g->remaining = xcalloc((size_t)n, sizeof *g->remaining);
  int *indeg = xcalloc((size_t)n, sizeof *indeg);
  char *done = xcalloc((size_t)n, 1);
  for (int i = 0; i < n; i++) indeg[i] = g->nd[i].ndeps;
  for (int rk = 0; rk < n; rk++) {
    int pick = -1;
    for (int i = 0; i < n && pick < 0; i++)
      if (!done[i] && indeg[i] == 0) pick = i;
    if (pick < 0) abort(); /* generated graphs are acyclic */
    done[pick] = 1;
    g->order[rk] = pick;
    g->rank[pick] = rk;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < g->nd[i].ndeps; j++)
        if (g->nd[i].deps[j] == pick) indeg[i]--;
  }
  for (int rk = 0; rk < n; rk++) {
    const gnode *v = &g->nd[g->order[rk]];
    unsigned lv = 0;
    for (int j = 0; j < v->ndeps; j++)
      if (g->level[v->deps[j]] + 1 > lv) lv = g->level[v->deps[j]] + 1;
    g->level[g->order[rk]] = lv;
  }
  for (int i = 0; i < n; i++) g->remaining[i] = 1;
  for (int rk = n - 1; rk >= 0; rk--) {
    int vi = g->order[rk];
    const gnode *v = &g->nd[vi];
    for (int j = 0; j < v->ndeps; j++)
      if (g->remaining[vi] + 1 > g->remaining[v->deps[j]])
        g->remaining[v->deps[j]] = g->remaining[vi] + 1;
  }
  free(indeg);
  free(done);
}

static void free_case(gcase *g) {
  for (int i = 0; i < g->n; i++) free(g->nd[i].deps);
  free(g->nd);
  free(g->yaml.p);
  free(g->order);
  free(g->rank);
  free(g->level);
  free(g->remaining);
}

/* ------------------------------------------- the sequential reference */

typedef struct refproc {
  dw_proc_status st;
  char *out; /* when succeeded: the output (an analyzer's is its input) */
  size_t len;
  int producer; /* rank of the transform that produced out; -1: the input */
  unsigned attempts;
  int code;
  size_t nmd;
  kv md[MAX_MD];
} refproc;

typedef struct refrun {
  dw_run_status st;
  const char *out;
  size_t len;
  refproc *p; /* by rank */
} refrun;

static unsigned node_retry(const gcase *g, const gnode *v) {
  return v->retry >= 0 ? (unsigned)v->retry : g->retry;
}

/* Runs the processors one at a time in canonical order (PIPELINES 3 and 4). */
static void reference(const gcase *g, dw_failure_strategy fs, refrun *rr) {
  int n = g->n;
  rr->p = xcalloc((size_t)n, sizeof *rr->p);
  int stopped = 0, all_ok = 1;
  for (int rk = 0; rk < n; rk++) {
    const gnode *v = &g->nd[g->order[rk]];
    refproc *rp = &rr->p[rk];
    if (stopped) { /* fail_fast: never started */
      rp->st = DW_PROC_CANCELLED;
      all_ok = 0;
      continue;
    }
    const char *in = g->input;
    size_t in_len = g->input_len;
    int in_prod = -1;
    if (v->ndeps) {
      int nok = 0, src = -1;
      for (int j = 0; j < v->ndeps; j++) {
        const refproc *d = &rr->p[g->rank[v->deps[j]]];
        if (d->st != DW_PROC_SUCCEEDED) continue;
        nok++;
        if (src < 0 || d->producer > rr->p[src].producer) src = g->rank[v->deps[j]];
      }
      if ((fs == DW_FAILURE_CONTINUE_ON_ERROR && nok < v->ndeps) || nok == 0) {
        rp->st = DW_PROC_SKIPPED;
        all_ok = 0;
        continue;
      }
      if (v->input_from >= 0 && rr->p[g->rank[v->input_from]].st == DW_PROC_SUCCEEDED)
        src = g->rank[v->input_from];
      in = rr->p[src].out;
      in_len = rr->p[src].len;
      in_prod = rr->p[src].producer;
    }
    unsigned tries = node_retry(g, v) + 1;
    outcome oc = {0};
    for (unsigned a = 1; a <= tries; a++) {
      free(oc.payload);
      compute(&v->o, v->kind, (const uint8_t *)in, in_len, a, &oc);
      rp->attempts = a;
      if (oc.ok) break;
    }
    if (!oc.ok) {
      rp->st = DW_PROC_FAILED;
      rp->code = oc.code;
      all_ok = 0;
      if (fs == DW_FAILURE_FAIL_FAST) stopped = 1;
      continue;
    }
    rp->st = DW_PROC_SUCCEEDED;
    rp->nmd = oc.nmd;
    memcpy(rp->md, oc.md, sizeof oc.md);
    if (node_intent(v) == DW_INTENT_TRANSFORM) {
      rp->out = oc.payload;
      rp->len = oc.len;
      rp->producer = rk;
    } else {
      free(oc.payload);
      rp->out = xmemdup(in, in_len);
      rp->len = in_len;
      rp->producer = in_prod;
    }
  }
  rr->st = all_ok ? DW_RUN_SUCCEEDED : fs == DW_FAILURE_FAIL_FAST ? DW_RUN_FAILED : DW_RUN_PARTIAL;
  rr->out = g->input;
  rr->len = g->input_len;
  for (int rk = n - 1; rk >= 0; rk--) {
    if (rr->p[rk].st == DW_PROC_SUCCEEDED &&
        node_intent(&g->nd[g->order[rk]]) == DW_INTENT_TRANSFORM) {
      rr->out = rr->p[rk].out;
      rr->len = rr->p[rk].len;
      break;
    }
  }
}

static void free_ref(const gcase *g, refrun *rr) {
  for (int i = 0; i < g->n; i++) free(rr->p[i].out);
  free(rr->p);
}

/* ------------------------------------------------------------- compare */

static unsigned g_failed_runs;  /* runs that differed from the reference */
static unsigned g_failed_cases; /* cases with at least one such run */
static int g_dump;

/* Differences are counted by kind (the message's format string); the first
 * few of each kind are printed, and a summary by kind at the end. */
#define MAX_KINDS 64
#define SHOW_PER_KIND 4
static struct {
  const char *fmt;
  unsigned count;
} g_kinds[MAX_KINDS];
static size_t g_nkinds;

typedef struct ctx {
  const gcase *g;
  char what[160];
  int errors;
} ctx;

static void mismatch(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void mismatch(ctx *c, const char *fmt, ...) {
  c->errors++;
  size_t k = 0;
  while (k < g_nkinds && g_kinds[k].fmt != fmt) k++;
  if (k == g_nkinds && g_nkinds < MAX_KINDS) g_kinds[g_nkinds++].fmt = fmt;
  if (k < MAX_KINDS && g_kinds[k].count++ >= SHOW_PER_KIND) return;
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "property: seed=%" PRIu64 " %s: %s\n", c->g->seed, c->what, msg);
}

static void print_kinds(void) {
  if (!g_nkinds) return;
  fprintf(stderr, "property: differences by kind:\n");
  for (size_t k = 0; k < g_nkinds; k++)
    fprintf(stderr, "  %6u x %s\n", g_kinds[k].count, g_kinds[k].fmt);
}

/* Printable form of a payload, for messages. */
static const char *show(const void *p, size_t len, char *buf, size_t size) {
  if (!p) return "(null)";
  size_t o = 0;
  const unsigned char *s = p;
  buf[o++] = '"';
  for (size_t i = 0; i < len && o + 8 < size; i++)
    o += (size_t)snprintf(buf + o, size - o, (s[i] >= 32 && s[i] < 127) ? "%c" : "\\x%02x", s[i]);
  if (o + 8 >= size) o += (size_t)snprintf(buf + o, size - o, "...");
  snprintf(buf + o, size - o, "\"");
  return buf;
}

static int bytes_eq(const void *a, size_t alen, const void *b, size_t blen) {
  return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static int cmp_kv(const void *a, const void *b) {
  const kv *x = a, *y = b;
  int c = strcmp(x->key, y->key);
  return c ? c : strcmp(x->value, y->value);
}

static void compare_md(ctx *c, const char *id, const dw_proc_report *pr, const refproc *rp) {
  if (pr->metadata_count != rp->nmd) {
    mismatch(c, "%s: %zu metadata entries, expected %zu", id, pr->metadata_count, rp->nmd);
    return;
  }
  if (rp->nmd == 0) return;
  if (!pr->metadata) {
    mismatch(c, "%s: metadata is NULL", id);
    return;
  }
  kv got[MAX_MD], want[MAX_MD];
  memcpy(want, rp->md, sizeof want);
  for (size_t i = 0; i < rp->nmd; i++) {
    const dw_kv *e = &pr->metadata[i];
    if (!e->key || !e->value || strlen(e->key) >= sizeof got[i].key ||
        strlen(e->value) >= sizeof got[i].value) {
      mismatch(c, "%s: metadata entry %zu is NULL or too long", id, i);
      return;
    }
    snprintf(got[i].key, sizeof got[i].key, "%s", e->key);
    snprintf(got[i].value, sizeof got[i].value, "%s", e->value);
  }
  qsort(got, rp->nmd, sizeof *got, cmp_kv);
  qsort(want, rp->nmd, sizeof *want, cmp_kv);
  for (size_t i = 0; i < rp->nmd; i++)
    if (cmp_kv(&got[i], &want[i]))
      mismatch(c, "%s: metadata %s=%s, expected %s=%s", id, got[i].key, got[i].value, want[i].key,
               want[i].value);
}

/* The reason a skipped or cancelled processor must give (PIPELINES 4.2);
 * NULL for the other statuses. */
static const char *want_reason(dw_failure_strategy fs, dw_proc_status st) {
  if (st == DW_PROC_CANCELLED) return "fail_fast: an earlier processor failed";
  if (st != DW_PROC_SKIPPED) return NULL;
  return fs == DW_FAILURE_BEST_EFFORT ? "no dependency succeeded" : "a dependency did not succeed";
}

/* rr: the reference of the run's failure strategy fs; alt (fail_fast only):
 * the continue_on_error reference, what a processor ranked after the first
 * failure would have given had it run. */
/* keep_run_output: the run was asked for its output alone
 * (DW_KEEP_RUN_OUTPUT, PIPELINES 3.6), so once it is over every processor
 * that succeeded has had its output released, but the highest-ranked
 * transform that succeeded: its output is the run's. */
static void compare(ctx *c, const dw_pipeline *p, const dw_result *res, const refrun *rr,
                    const refrun *alt, dw_failure_strategy fs, dw_strategy requested,
                    unsigned max_concurrency, bool keep_run_output) {
  const gcase *g = c->g;
  char b1[200], b2[200];
  int first_failed = g->n;
  for (int rk = 0; alt && rk < g->n && first_failed == g->n; rk++)
    if (rr->p[rk].st == DW_PROC_FAILED) first_failed = rk;
  if (!res) {
    mismatch(c, "no result");
    return;
  }
  if (dw_result_status(res) != rr->st)
    mismatch(c, "run status %s, expected %s", dw_run_status_name(dw_result_status(res)),
             dw_run_status_name(rr->st));
  dw_strategy ran = dw_result_strategy(res);
  if (requested == DW_STRATEGY_HYBRID) {
    const char *why = NULL;
    dw_strategy choice = dw_pipeline_hybrid_choice(p, max_concurrency, &why);
    if (ran != choice || ran == DW_STRATEGY_HYBRID)
      mismatch(c, "hybrid ran %s, dw_pipeline_hybrid_choice says %s", dw_strategy_name(ran),
               dw_strategy_name(choice));
    if (!dw_result_strategy_reason(res)) mismatch(c, "hybrid gave no reason for its choice");
  } else {
    if (ran != requested)
      mismatch(c, "executor %s ran, expected %s", dw_strategy_name(ran),
               dw_strategy_name(requested));
    if (dw_result_strategy_reason(res))
      mismatch(c, "a hybrid reason although %s was requested", dw_strategy_name(requested));
  }
  /* the run's output: the highest-ranked transform that succeeded, which
   * after a fail_fast failure may be one that succeeded before it came */
  const char *want_out = rr->out;
  size_t want_len = rr->len;
  for (int rk = g->n - 1; alt && rk > first_failed && dw_result_count(res) == (size_t)g->n; rk--) {
    const dw_proc_report *pr = dw_result_processor(res, (size_t)rk);
    if (pr && pr->status == DW_PROC_SUCCEEDED &&
        node_intent(&g->nd[g->order[rk]]) == DW_INTENT_TRANSFORM) {
      want_out = alt->p[rk].out;
      want_len = alt->p[rk].len;
      break;
    }
  }
  size_t olen = 0;
  const uint8_t *out = dw_result_output(res, &olen);
  if (!out || !bytes_eq(out, olen, want_out, want_len))
    mismatch(c, "run output %s, expected %s", show(out, olen, b1, sizeof b1),
             show(want_out, want_len, b2, sizeof b2));
  const char *cfg = dw_result_config(res);
  if (!cfg || strcmp(cfg, g->name))
    mismatch(c, "config %s, expected %s", cfg ? cfg : "(null)", g->name);

  /* initial_context */
  const char *want_ctx[3][2] = {
      {"config_file", g->name}, {"hostname", HOSTNAME}, {"input_text", g->input}};
  size_t nctx = dw_result_context_count(res);
  const dw_kv *cx = dw_result_context(res);
  if (nctx != 3) mismatch(c, "initial_context has %zu entries, expected 3", nctx);
  for (int k = 0; k < 3; k++) {
    const char *got = NULL;
    for (size_t i = 0; cx && i < nctx; i++)
      if (cx[i].key && !strcmp(cx[i].key, want_ctx[k][0])) got = cx[i].value;
    if (!got || strcmp(got, want_ctx[k][1]))
      mismatch(c, "initial_context.%s = %s, expected %s", want_ctx[k][0], got ? got : "(none)",
               want_ctx[k][1]);
  }

  if (dw_result_count(res) != (size_t)g->n) {
    mismatch(c, "%zu processors in the result, expected %d", dw_result_count(res), g->n);
    return;
  }
  int top = -1; /* the rank whose output is the run's */
  for (int rk = g->n - 1; rk >= 0 && top < 0; rk--) {
    const dw_proc_report *pr = dw_result_processor(res, (size_t)rk);
    if (pr && pr->status == DW_PROC_SUCCEEDED && pr->intent == DW_INTENT_TRANSFORM) top = rk;
  }
  for (int rk = 0; rk < g->n; rk++) {
    const gnode *v = &g->nd[g->order[rk]];
    const refproc *rp = &rr->p[rk];
    const dw_proc_report *pr = dw_result_processor(res, (size_t)rk);
    if (!pr) {
      mismatch(c, "rank %d: no report", rk);
      continue;
    }
    if (!pr->id || strcmp(pr->id, v->id)) {
      mismatch(c, "rank %d is %s, expected %s", rk, pr->id ? pr->id : "(null)", v->id);
      continue;
    }
    if (rk > first_failed && pr->status == DW_PROC_SUCCEEDED) {
      /* succeeded before the failure came: as it would have run */
      rp = &alt->p[rk];
      if (rp->st != DW_PROC_SUCCEEDED)
        mismatch(c, "%s (rank %d): succeeded after the first failure, but it would have been %s",
                 v->id, rk, dw_proc_status_name(rp->st));
      for (int j = 0; j < v->ndeps; j++)
        if (dw_result_processor(res, (size_t)g->rank[v->deps[j]])->status != DW_PROC_SUCCEEDED)
          mismatch(c, "%s (rank %d): succeeded though its dependency %s did not", v->id, rk,
                   g->nd[v->deps[j]].id);
    }
    const char *why = want_reason(fs, rp->st);
    if (pr->status == rp->st && (why ? !pr->reason || strcmp(pr->reason, why) : pr->reason != NULL))
      mismatch(c, "%s: %s with the reason \"%s\", expected \"%s\"", v->id,
               dw_proc_status_name(pr->status), pr->reason ? pr->reason : "(none)",
               why ? why : "(none)");
    if (pr->status != rp->st)
      mismatch(c, "%s (rank %d): status %s, expected %s", v->id, rk,
               dw_proc_status_name(pr->status), dw_proc_status_name(rp->st));
    if (pr->intent != node_intent(v))
      mismatch(c, "%s: intent %s, expected %s", v->id, dw_intent_name(pr->intent),
               dw_intent_name(node_intent(v)));
    if (pr->attempts != rp->attempts)
      mismatch(c, "%s: %u attempts, expected %u", v->id, pr->attempts, rp->attempts);
    if (pr->error_code != rp->code)
      mismatch(c, "%s: error code %d, expected %d", v->id, pr->error_code, rp->code);
    if (rp->st == DW_PROC_FAILED && (!pr->error_message || !*pr->error_message))
      mismatch(c, "%s: failed without an error message", v->id);
    bool released = keep_run_output && rp->st == DW_PROC_SUCCEEDED && rk != top;
    if (pr->status == DW_PROC_SUCCEEDED && !pr->output_released != !released)
      mismatch(c, "%s (rank %d): output_released %d, expected %d (the run's output is rank %d)",
               v->id, rk, pr->output_released, released, top);
    if (released) {
      if (pr->output) mismatch(c, "%s: output released, but still reported", v->id);
    } else if (rp->st == DW_PROC_SUCCEEDED) {
      if (!pr->output || !bytes_eq(pr->output, pr->output_len, rp->out, rp->len))
        mismatch(c, "%s: output %s, expected %s", v->id,
                 show(pr->output, pr->output_len, b1, sizeof b1),
                 show(rp->out, rp->len, b2, sizeof b2));
    } else if (pr->output) {
      mismatch(c, "%s: %s but has an output", v->id, dw_proc_status_name(rp->st));
    }
    compare_md(c, v->id, pr, rp);
  }
}

/* The pipeline as loaded: canonical order, ranks, levels, settings. */
static int check_pipeline(ctx *c, const dw_pipeline *p) {
  const gcase *g = c->g;
  int before = c->errors;
  if (dw_pipeline_count(p) != (size_t)g->n) {
    mismatch(c, "pipeline has %zu processors, expected %d", dw_pipeline_count(p), g->n);
    return -1;
  }
  unsigned nlevels = 0;
  for (int rk = 0; rk < g->n; rk++) {
    int vi = g->order[rk];
    const gnode *v = &g->nd[vi];
    const dw_node_info *ni = dw_pipeline_node(p, (size_t)rk);
    if (g->level[vi] + 1 > nlevels) nlevels = g->level[vi] + 1;
    if (!ni || !ni->id || strcmp(ni->id, v->id)) {
      mismatch(c, "canonical rank %d is %s, expected %s", rk, ni && ni->id ? ni->id : "(null)",
               v->id);
      continue;
    }
    if (ni->rank != (unsigned)rk) mismatch(c, "%s: rank %u, expected %d", v->id, ni->rank, rk);
    if (ni->intent != node_intent(v))
      mismatch(c, "%s: intent %s, expected %s", v->id, dw_intent_name(ni->intent),
               dw_intent_name(node_intent(v)));
    if (ni->level != g->level[vi])
      mismatch(c, "%s: level %u, expected %u", v->id, ni->level, g->level[vi]);
    if (ni->remaining != g->remaining[vi])
      mismatch(c, "%s: remaining %u, expected %u", v->id, ni->remaining, g->remaining[vi]);
    int ifr = v->input_from >= 0 ? g->rank[v->input_from] : -1;
    if (ni->input_from != ifr)
      mismatch(c, "%s: input_from rank %d, expected %d", v->id, ni->input_from, ifr);
    if (ni->ndeps != (size_t)v->ndeps) {
      mismatch(c, "%s: %zu dependencies, expected %d", v->id, ni->ndeps, v->ndeps);
      continue;
    }
    for (int j = 0; j < v->ndeps; j++)
      if (!ni->deps || ni->deps[j] != (unsigned)g->rank[v->deps[j]])
        mismatch(c, "%s: dependency %d has rank %u, expected %d", v->id, j,
                 ni->deps ? ni->deps[j] : 0u, g->rank[v->deps[j]]);
  }
  if (g->n && dw_pipeline_levels(p) != nlevels)
    mismatch(c, "%u levels, expected %u", dw_pipeline_levels(p), nlevels);
  dw_strategy s = g->yaml_strategy >= 0 ? (dw_strategy)g->yaml_strategy : DW_STRATEGY_HYBRID;
  if (dw_pipeline_strategy(p) != s)
    mismatch(c, "pipeline strategy %s, expected %s", dw_strategy_name(dw_pipeline_strategy(p)),
             dw_strategy_name(s));
  dw_failure_strategy f = g->yaml_fs >= 0 ? (dw_failure_strategy)g->yaml_fs : DW_FAILURE_FAIL_FAST;
  if (dw_pipeline_failure_strategy(p) != f)
    mismatch(c, "pipeline failure strategy %s, expected %s",
             dw_failure_strategy_name(dw_pipeline_failure_strategy(p)),
             dw_failure_strategy_name(f));
  if (g->yaml_mc && dw_pipeline_max_concurrency(p) != g->yaml_mc)
    mismatch(c, "pipeline max_concurrency %u, expected %u", dw_pipeline_max_concurrency(p),
             g->yaml_mc);
  return c->errors > before ? -1 : 0;
}

/* ---------------------------------------------------------------- driver */

static const unsigned MCS[3] = {1, 2, 8};

static void finish_run(ctx *c) {
  if (c->errors) g_failed_runs++;
}

/* Load, check and run one case under every executor, concurrency and
 * failure strategy. Returns the number of differing runs. */
static unsigned run_case(dw_engine *e, uint64_t seed, unsigned *runs) {
  gcase g;
  gen_case(&g, seed);
  gen_yaml(&g);
  derive(&g);
  unsigned before = g_failed_runs;
  ctx c = {.g = &g};
  snprintf(c.what, sizeof c.what, "n=%d shape=%s load", g.n, SHAPES[g.shape]);

  dw_diags *diags = NULL;
  dw_pipeline *p = dw_pipeline_load_string(e, g.name, g.yaml.p, g.yaml.len, NULL, &diags);
  if (!p || dw_diags_errors(diags)) {
    mismatch(&c, "the pipeline did not load");
    for (size_t i = 0; diags && i < dw_diags_count(diags) && i < 5; i++) {
      char buf[512];
      dw_diag_format(dw_diags_get(diags, i), buf, sizeof buf);
      fprintf(stderr, "  %s\n", buf);
    }
  }
  dw_diags_free(diags);
  if (p) check_pipeline(&c, p);
  finish_run(&c);

  refrun refs[3];
  for (int fs = 0; fs < 3; fs++) reference(&g, (dw_failure_strategy)fs, &refs[fs]);

  dw_strategy yaml_s = g.yaml_strategy >= 0 ? (dw_strategy)g.yaml_strategy : DW_STRATEGY_HYBRID;
  dw_failure_strategy yaml_f =
      g.yaml_fs >= 0 ? (dw_failure_strategy)g.yaml_fs : DW_FAILURE_FAIL_FAST;
  /* Odd seeds start the three concurrencies at once on the shared engine. */
  int together = (int)(seed & 1);
  /* Seeds with bit 1 set ask for the run's output alone (PIPELINES 3.6):
   * a dependent that read a released output would compute a wrong one. */
  bool keep = (seed >> 1) & 1;
  for (int s = 0; p && s < 4; s++) {
    for (int fs = 0; fs < 3; fs++) {
      dw_run_options o[3];
      dw_run *handles[3] = {NULL, NULL, NULL};
      for (int m = 0; m < 3; m++) {
        dw_run_options_init(&o[m]);
        o[m].strategy = s == (int)yaml_s ? -1 : s;
        o[m].failure_strategy = fs == (int)yaml_f ? -1 : fs;
        o[m].max_concurrency = MCS[m] == g.yaml_mc ? 0 : MCS[m];
        o[m].retry_base_ms = 1;
        o[m].seed = seed;
        o[m].hostname = HOSTNAME;
        o[m].keep_outputs = keep ? DW_KEEP_RUN_OUTPUT : DW_KEEP_ALL;
        if (together) handles[m] = dw_run_start(e, p, g.input, g.input_len, &o[m]);
      }
      for (int m = 0; m < 3; m++) {
        dw_result *res = together ? (handles[m] ? dw_run_wait(handles[m]) : NULL)
                                  : dw_pipeline_run(e, p, g.input, g.input_len, &o[m]);
        ctx rc = {.g = &g};
        snprintf(rc.what, sizeof rc.what,
                 "n=%d shape=%s strategy=%s max_concurrency=%u failure=%s%s%s", g.n,
                 SHAPES[g.shape], dw_strategy_name(s), MCS[m], dw_failure_strategy_name(fs),
                 together ? " (concurrent runs)" : "", keep ? " (run's output alone)" : "");
        compare(&rc, p, res, &refs[fs],
                fs == DW_FAILURE_FAIL_FAST ? &refs[DW_FAILURE_CONTINUE_ON_ERROR] : NULL,
                (dw_failure_strategy)fs, (dw_strategy)s, MCS[m], keep);
        finish_run(&rc);
        (*runs)++;
        dw_result_free(res);
      }
    }
  }
  unsigned bad = g_failed_runs - before;
  if (bad && ++g_failed_cases <= 30) {
    fprintf(stderr,
            "property: seed=%" PRIu64
            ": %u of 37 checks differ; reproduce with "
            "DW_PROPERTY_SEED=%" PRIu64 " (DW_PROPERTY_DUMP=1 prints the pipeline)\n",
            seed, bad, seed);
    if (g_dump) fprintf(stderr, "----- input: \"%s\"\n%s-----\n", g.input, g.yaml.p);
  }
  for (int fs = 0; fs < 3; fs++) free_ref(&g, &refs[fs]);
  dw_pipeline_free(p);
  free_case(&g);
  return bad;
}

static int register_processors(dw_engine *e) {
  dw_processor_def t = {.name = "prop_t",
                        .intent = DW_INTENT_TRANSFORM,
                        .process = prop_process,
                        .user = (void *)(intptr_t)DW_INTENT_TRANSFORM,
                        .description = "property test transform"};
  dw_processor_def a = t;
  a.name = "prop_a";
  a.intent = DW_INTENT_ANALYZE;
  a.user = (void *)(intptr_t)DW_INTENT_ANALYZE;
  a.description = "property test analyzer";
  return dw_engine_register(e, &t) || dw_engine_register(e, &a) ? -1 : 0;
}

/* The reference itself, on a hand-checked case: a -> {b, c} -> d with c an
 * analyzer, so that a bug in the reference cannot hide an engine bug. */
static void test_reference_sanity(void **state) {
  (void)state;
  gcase g;
  memset(&g, 0, sizeof g);
  g.n = 4;
  g.nd = xcalloc(4, sizeof *g.nd);
  static int deps_a[1] = {0}, deps_d[2] = {1, 2};
  const char *ids[4] = {"a", "b", "c", "d"};
  for (int i = 0; i < 4; i++) {
    snprintf(g.nd[i].id, sizeof g.nd[i].id, "%s", ids[i]);
    g.nd[i].o.tag = g.nd[i].id;
    g.nd[i].kind = i == 2 ? DW_INTENT_ANALYZE : DW_INTENT_TRANSFORM;
    g.nd[i].intent_key = -1;
    g.nd[i].retry = -1;
    g.nd[i].input_from = -1;
  }
  g.nd[1].ndeps = g.nd[2].ndeps = 1;
  g.nd[1].deps = deps_a;
  g.nd[2].deps = deps_a;
  g.nd[3].ndeps = 2;
  g.nd[3].deps = deps_d;
  memcpy(g.input, "x", 2);
  g.input_len = 1;
  derive(&g);
  refrun rr;
  reference(&g, DW_FAILURE_FAIL_FAST, &rr);
  assert_int_equal(rr.st, DW_RUN_SUCCEEDED);
  assert_memory_equal(rr.p[1].out, "x+a+b", 5);
  assert_memory_equal(rr.p[2].out, "x+a", 3);     /* analyzer: its input */
  assert_memory_equal(rr.p[3].out, "x+a+b+d", 7); /* b's payload is the newer */
  assert_int_equal(rr.len, 7);
  free_ref(&g, &rr);
  g.nd[3].input_from = 2; /* d takes c's output: a's payload */
  reference(&g, DW_FAILURE_FAIL_FAST, &rr);
  assert_memory_equal(rr.p[3].out, "x+a+d", 5);
  free_ref(&g, &rr);
  g.nd[1].o.fail = FAIL_ALWAYS; /* b fails */
  reference(&g, DW_FAILURE_FAIL_FAST, &rr);
  assert_int_equal(rr.st, DW_RUN_FAILED);
  assert_int_equal(rr.p[1].st, DW_PROC_FAILED);
  assert_int_equal(rr.p[2].st, DW_PROC_CANCELLED);
  assert_int_equal(rr.p[3].st, DW_PROC_CANCELLED);
  assert_memory_equal(rr.out, "x+a", 3);
  free_ref(&g, &rr);
  reference(&g, DW_FAILURE_CONTINUE_ON_ERROR, &rr);
  assert_int_equal(rr.st, DW_RUN_PARTIAL);
  assert_int_equal(rr.p[2].st, DW_PROC_SUCCEEDED);
  assert_int_equal(rr.p[3].st, DW_PROC_SKIPPED);
  free_ref(&g, &rr);
  g.nd[3].input_from = 1; /* best_effort: input_from failed, fall back to c */
  reference(&g, DW_FAILURE_BEST_EFFORT, &rr);
  assert_int_equal(rr.p[3].st, DW_PROC_SUCCEEDED);
  assert_memory_equal(rr.p[3].out, "x+a+d", 5);
  assert_memory_equal(rr.out, "x+a+d", 5);
  free_ref(&g, &rr);
  g.nd[1].o.fail = FAIL_FLAKY; /* fails on attempt 1, retried once */
  g.nd[1].o.k = 2;
  g.nd[1].retry = 1;
  reference(&g, DW_FAILURE_FAIL_FAST, &rr);
  assert_int_equal(rr.p[1].st, DW_PROC_SUCCEEDED);
  assert_int_equal(rr.p[1].attempts, 2);
  free_ref(&g, &rr);
  g.nd[1].deps = g.nd[2].deps = g.nd[3].deps = NULL; /* static arrays */
  g.nd[1].ndeps = g.nd[2].ndeps = g.nd[3].ndeps = 0;
  free_case(&g);
}

static void test_property(void **state) {
  (void)state;
  const char *env = getenv("DW_PROPERTY_CASES");
  unsigned cases = env && *env ? (unsigned)strtoul(env, NULL, 10) : DEFAULT_CASES;
  const char *one = getenv("DW_PROPERTY_SEED");
  const char *dump = getenv("DW_PROPERTY_DUMP");
  g_dump = dump && *dump && strcmp(dump, "0") != 0;

  dw_engine_options eo = {.max_threads = 8};
  dw_engine *e = dw_engine_new(&eo);
  assert_non_null(e);
  assert_int_equal(register_processors(e), 0);

  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  unsigned runs = 0, ncases = 0;
  if (one && *one) {
    run_case(e, strtoull(one, NULL, 10), &runs);
    ncases = 1;
  } else {
    for (unsigned i = 0; i < cases; i++, ncases++) run_case(e, 1000 + i, &runs);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("property: %u cases, %u runs in %.1f s: %u cases and %u runs differ from the reference\n",
         ncases, runs, secs, g_failed_cases, g_failed_runs);
  print_kinds();
  dw_engine_free(e);
  assert_int_equal(g_failed_runs, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reference_sanity),
      cmocka_unit_test(test_property),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
