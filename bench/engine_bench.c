/* bench/engine_bench: the engine's overhead per node (issue 5), through the
 * public API only. No-op processors are registered with dw_engine_register
 * (a transform that sets no output and an analyzer, alternating by node), the
 * shapes of shapes.h are loaded once as YAML (not timed), then
 * dw_pipeline_run is timed for each executor and thread count, interleaved
 * per repetition with the same shape built as a oneTBB flow graph (peer.h,
 * unless built without it). Medians of ns per node go to a table on stdout
 * and, as JSON lines (one results.json row each), to --json FILE.
 *
 *   engine_bench [--sizes 1000,10000,100000] [--shapes chain,fan,...]
 *                [--threads 1,2] [--reps N] [--quick] [--json FILE]
 */
#include <errno.h>
#include <inttypes.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dagwood/dagwood.h"
#include "peer.h"
#include "shapes.h"

enum { NEXEC = 4, MAXLIST = 16 };

static const dw_strategy executors[NEXEC] = {DW_STRATEGY_WORK_QUEUE, DW_STRATEGY_LEVEL,
                                             DW_STRATEGY_REACTIVE, DW_STRATEGY_HYBRID};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Heap in use (glibc's view): small blocks plus mmap'd ones. */
static size_t heap_bytes(void) {
  struct mallinfo2 mi = mallinfo2();
  return mi.uordblks + mi.hblkhd;
}

/* ------------------------------------------------------- the processors */

/* While `on`, every `every`-th call samples the heap, so that separate,
 * untimed runs can tell how much the engine holds while it runs (from
 * several workers at once: atomics). */
typedef struct probe {
  atomic_int on;
  unsigned every;
  atomic_uint calls;
  atomic_size_t peak;
} probe;

static void sample(probe *p) {
  if (atomic_fetch_add_explicit(&p->calls, 1, memory_order_relaxed) % p->every) return;
  size_t h = heap_bytes(), peak = atomic_load_explicit(&p->peak, memory_order_relaxed);
  while (h > peak && !atomic_compare_exchange_weak(&p->peak, &peak, h)) {
  }
}

static int noop_transform(dw_call *c, void *user) {
  (void)c;
  probe *p = user;
  if (atomic_load_explicit(&p->on, memory_order_relaxed)) sample(p);
  return 0; /* no output: the node's payload is empty */
}

static int noop_analyze(dw_call *c, void *user) {
  (void)c;
  probe *p = user;
  if (atomic_load_explicit(&p->on, memory_order_relaxed)) sample(p);
  return 0; /* an analyzer's output is its input */
}

static const char *alternate(uint32_t i, void *ctx) {
  (void)ctx;
  return i % 2 ? "noop_analyze" : "noop";
}

/* ----------------------------------------------------------- statistics */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Sorts v; median() then v[0] is the minimum. */
static double median(uint64_t *v, unsigned n) {
  qsort(v, n, sizeof *v, cmp_u64);
  return n % 2 ? (double)v[n / 2] : ((double)v[n / 2 - 1] + (double)v[n / 2]) / 2.0;
}

/* ------------------------------------------------------------ the rows */

typedef struct row {
  char bench[32];
  unsigned threads;
  uint32_t nodes;
  double ns[NEXEC], min_ns[NEXEC];
  const char *ran[NEXEC]; /* the executor that ran (hybrid's choice) */
  double peer_ns;         /* < 0: no peer */
  double peer_min_ns;
  double peer_build_ns;
  double load_ns;
  double reports_ns, free_ns; /* deferred work: first read of the reports, dw_result_free */
  double pipeline_bytes, run_bytes, result_bytes, peer_bytes;
  unsigned reps;
} row;

static row *rows;
static size_t nrows, caprows;

static row *new_row(void) {
  if (nrows == caprows) {
    caprows = caprows ? caprows * 2 : 32;
    rows = realloc(rows, caprows * sizeof *rows);
    if (!rows) {
      fprintf(stderr, "engine_bench: out of memory\n");
      exit(1);
    }
  }
  memset(&rows[nrows], 0, sizeof *rows);
  return &rows[nrows++];
}

static void size_label(uint32_t n, char *buf, size_t len) {
  if (n >= 1000 && n % 1000 == 0)
    snprintf(buf, len, "%uk", n / 1000);
  else
    snprintf(buf, len, "%u", n);
}

/* --------------------------------------------------------- measurement */

typedef struct config {
  uint32_t sizes[MAXLIST];
  unsigned nsizes;
  shape_kind shapes[MAXLIST];
  unsigned nshapes;
  unsigned threads[MAXLIST];
  unsigned nthreads;
  unsigned reps; /* 0: by size */
  int quick;
  int peer;
} config;

static unsigned reps_for(const config *c, uint32_t n) {
  if (c->reps) return c->reps;
  unsigned r = n <= 2000 ? 61 : n <= 20000 ? 21 : 7;
  return c->quick ? (r + 2) / 3 : r;
}

static dw_result *run_once(dw_engine *e, const dw_pipeline *p, dw_strategy ex, unsigned threads,
                           uint64_t *ns) {
  dw_run_options o;
  dw_run_options_init(&o);
  o.strategy = (int)ex;
  o.max_concurrency = threads;
  o.seed = 1;
  o.hostname = "bench";
  uint64_t t0 = now_ns();
  dw_result *r = dw_pipeline_run(e, p, "x", 1, &o);
  *ns = now_ns() - t0;
  return r;
}

static int check(dw_result *r, uint32_t n, const char *what) {
  if (!r || dw_result_status(r) != DW_RUN_SUCCEEDED || dw_result_count(r) != n) {
    fprintf(stderr, "engine_bench: %s: the run did not succeed on all %u processors\n", what, n);
    dw_result_free(r);
    return -1;
  }
  return 0;
}

static int bench_shape(dw_engine *e, probe *pr, const config *c, shape_kind kind, uint32_t size) {
  shape s;
  if (shape_build(&s, kind, size, 42) != 0) return -1;
  yaml_style style = {NULL, alternate, NULL, NULL};
  size_t len;
  char *yaml = shape_yaml(&s, &style, &len);
  if (!yaml) {
    shape_free(&s);
    return -1;
  }
  char label[16], bench[32];
  size_label(size, label, sizeof label);
  snprintf(bench, sizeof bench, "%s-%s", shape_name(kind), label);

  size_t h0 = heap_bytes();
  uint64_t t0 = now_ns();
  dw_diags *d = NULL;
  dw_pipeline *p = dw_pipeline_load_string(e, bench, yaml, len, NULL, &d);
  uint64_t load_ns = now_ns() - t0;
  size_t pipeline_bytes = heap_bytes() - h0;
  if (!p) {
    free(yaml);
    fprintf(stderr, "engine_bench: %s does not load:\n", bench);
    for (size_t i = 0; d && i < dw_diags_count(d) && i < 5; i++) {
      char buf[512];
      dw_diag_format(dw_diags_get(d, i), buf, sizeof buf);
      fprintf(stderr, "  %s\n", buf);
    }
    dw_diags_free(d);
    shape_free(&s);
    return -1;
  }
  dw_diags_free(d);
  uint32_t n = (uint32_t)dw_pipeline_count(p);

  /* The engine's heap while a run is under way, sampled by the processors,
   * and held by its result: the most any executor takes, with the most
   * threads benchmarked. Each on a pipeline of its own, loaded afresh: a
   * pipeline keeps its last run's arrays for the next one. */
  uint64_t ns;
  size_t run_bytes = 0, result_bytes = 0;
  unsigned maxt = 1;
  for (unsigned t = 0; t < c->nthreads; t++)
    if (c->threads[t] > maxt) maxt = c->threads[t];
  for (unsigned x = 0; x < NEXEC; x++) {
    dw_pipeline *q = dw_pipeline_load_string(e, bench, yaml, len, NULL, NULL);
    if (!q) break; /* (p loaded: only memory can be missing) */
    size_t base = heap_bytes();
    pr->every = n / 64 + 1;
    atomic_store(&pr->calls, 0);
    atomic_store(&pr->peak, base);
    atomic_store(&pr->on, 1);
    dw_result *mr = run_once(e, q, executors[x], maxt, &ns);
    atomic_store(&pr->on, 0);
    size_t held = heap_bytes() - base, peak = atomic_load(&pr->peak) - base;
    int bad = check(mr, n, bench);
    if (!bad) dw_result_free(mr);
    dw_pipeline_free(q);
    if (bad) goto fail;
    if (peak > run_bytes) run_bytes = peak;
    if (held > result_bytes) result_bytes = held;
  }
  free(yaml);
  yaml = NULL;

  /* What dw_pipeline_run leaves for later, timed apart: filling the
   * per-processor reports (on their first read) and freeing the result
   * (releasing and zeroing the states for the next run). Median of 5. */
  enum { DEFER_REPS = 5 };
  uint64_t rep_ns[DEFER_REPS], free_ns[DEFER_REPS];
  for (unsigned i = 0; i < DEFER_REPS; i++) {
    dw_result *r = run_once(e, p, DW_STRATEGY_WORK_QUEUE, 1, &ns);
    if (check(r, n, bench)) goto fail;
    uint64_t t1 = now_ns();
    const dw_proc_report *first = dw_result_processor(r, 0);
    rep_ns[i] = now_ns() - t1;
    if (!first) {
      dw_result_free(r);
      goto fail;
    }
    t1 = now_ns();
    dw_result_free(r);
    free_ns[i] = now_ns() - t1;
  }
  double reports_ns = median(rep_ns, DEFER_REPS) / n, freed_ns = median(free_ns, DEFER_REPS) / n;

  unsigned reps = reps_for(c, n);
  uint64_t *samples = malloc(sizeof *samples * reps * (NEXEC + 1));
  if (!samples) goto fail;
  for (unsigned ti = 0; ti < c->nthreads; ti++) {
    unsigned threads = c->threads[ti];
    row *w = new_row();
    snprintf(w->bench, sizeof w->bench, "%s", bench);
    w->threads = threads;
    w->nodes = n;
    w->reps = reps;
    w->load_ns = (double)load_ns / n;
    w->reports_ns = reports_ns;
    w->free_ns = freed_ns;
    w->pipeline_bytes = (double)pipeline_bytes / n;
    w->run_bytes = (double)run_bytes / n;
    w->result_bytes = (double)result_bytes / n;
    w->peer_ns = -1;
    peer_graph *pg = NULL;
#ifdef DW_BENCH_PEER
    if (c->peer) {
      uint64_t build_ns;
      size_t hp = heap_bytes();
      pg = peer_build(&s, threads, &build_ns);
      w->peer_bytes = (double)(heap_bytes() - hp) / n;
      if (!pg) {
        fprintf(stderr, "engine_bench: %s: the peer graph could not be built\n", bench);
      } else if (peer_executed(pg) != n) {
        fprintf(stderr, "engine_bench: %s: the peer did not run every node\n", bench);
        peer_free(pg);
        pg = NULL;
      } else {
        w->peer_build_ns = (double)build_ns / n;
      }
    }
#endif
    /* warm-up: one run of each, which also starts the pool's threads */
    for (unsigned x = 0; x < NEXEC; x++) {
      dw_result *r = run_once(e, p, executors[x], threads, &ns);
      if (check(r, n, bench)) goto fail_samples;
      w->ran[x] = dw_strategy_name(dw_result_strategy(r));
      dw_result_free(r);
    }
#ifdef DW_BENCH_PEER
    if (pg) peer_run(pg);
#endif
    for (unsigned rep = 0; rep < reps; rep++) {
#ifdef DW_BENCH_PEER
      if (pg) samples[NEXEC * reps + rep] = peer_run(pg);
#endif
      for (unsigned j = 0; j < NEXEC; j++) {
        unsigned x = (rep + j) % NEXEC; /* rotate who goes first */
        dw_result *r = run_once(e, p, executors[x], threads, &samples[x * reps + rep]);
        if (!r) goto fail_samples;
        dw_result_free(r);
      }
    }
    for (unsigned x = 0; x < NEXEC; x++) {
      w->ns[x] = median(&samples[x * reps], reps) / n;
      w->min_ns[x] = (double)samples[x * reps] / n;
    }
#ifdef DW_BENCH_PEER
    if (pg) {
      w->peer_ns = median(&samples[NEXEC * reps], reps) / n;
      w->peer_min_ns = (double)samples[NEXEC * reps] / n;
      peer_free(pg);
    }
#endif
    fprintf(stderr, "  %-14s %u thread%s done\n", bench, threads, threads > 1 ? "s" : "");
  }
  free(samples);
  dw_pipeline_free(p);
  shape_free(&s);
  return 0;
fail_samples:
  free(samples);
fail:
  free(yaml);
  dw_pipeline_free(p);
  shape_free(&s);
  return -1;
}

/* --------------------------------------------------------------- output */

static void write_json(FILE *f) {
  for (size_t i = 0; i < nrows; i++) {
    const row *w = &rows[i];
    for (unsigned x = 0; x < NEXEC; x++) {
      fprintf(f,
              "{\"benchmark\": \"%s\", \"executor\": \"%s\", \"threads\": %u, \"nodes\": %u, "
              "\"ns_per_node\": %.1f",
              w->bench, dw_strategy_name(executors[x]), w->threads, w->nodes, w->ns[x]);
      if (w->peer_ns >= 0)
        fprintf(f, ", \"peer\": \"%s\", \"peer_ns_per_node\": %.1f, \"ratio\": %.2f",
#ifdef DW_BENCH_PEER
                peer_name(),
#else
                "none",
#endif
                w->peer_ns, w->ns[x] / w->peer_ns);
      fprintf(f, ", \"min_ns_per_node\": %.1f", w->min_ns[x]);
      if (w->peer_ns >= 0) fprintf(f, ", \"peer_min_ns_per_node\": %.1f", w->peer_min_ns);
      fprintf(f,
              ", \"ran\": \"%s\", \"reps\": %u, \"load_ns_per_node\": %.1f, "
              "\"pipeline_bytes_per_node\": %.0f, \"run_bytes_per_node\": %.0f, "
              "\"result_bytes_per_node\": %.0f, \"reports_ns_per_node\": %.1f, "
              "\"free_ns_per_node\": %.1f",
              w->ran[x], w->reps, w->load_ns, w->pipeline_bytes, w->run_bytes, w->result_bytes,
              w->reports_ns, w->free_ns);
      if (w->peer_ns >= 0)
        fprintf(f, ", \"peer_build_ns_per_node\": %.1f, \"peer_bytes_per_node\": %.0f",
                w->peer_build_ns, w->peer_bytes);
      fprintf(f, "}\n");
    }
  }
}

static void print_table(void) {
  printf("\nEngine overhead per node, no-op processors: median ns per node of dw_pipeline_run\n");
  printf("(hybrid's choice in brackets; ratio = best dagwood executor / oneTBB flow graph)\n\n");
  printf("%-14s %3s %10s %10s %10s %16s %10s %7s\n", "benchmark", "thr", "work_queue", "level",
         "reactive", "hybrid", "onetbb", "ratio");
  for (size_t i = 0; i < nrows; i++) {
    const row *w = &rows[i];
    char hy[32];
    snprintf(hy, sizeof hy, "%.1f [%.5s]", w->ns[3], w->ran[3] ? w->ran[3] : "?");
    double best = w->ns[0];
    for (unsigned x = 1; x < NEXEC; x++)
      if (w->ns[x] < best) best = w->ns[x];
    printf("%-14s %3u %10.1f %10.1f %10.1f %16s", w->bench, w->threads, w->ns[0], w->ns[1],
           w->ns[2], hy);
    if (w->peer_ns >= 0)
      printf(" %10.1f %7.2f\n", w->peer_ns, best / w->peer_ns);
    else
      printf(" %10s %7s\n", "-", "-");
  }
  printf(
      "\nPer node, once per shape: YAML load (parse + validate + plan), heap held by the\n"
      "loaded pipeline, extra heap while a run is under way and held by its result;\n"
      "work left for later (not in the timed run): filling the reports on first read,\n"
      "freeing the result; oneTBB graph build time and heap.\n\n");
  printf("%-14s %10s %11s %8s %9s %10s %8s %13s %12s\n", "benchmark", "load ns", "pipeline B",
         "run B", "result B", "reports ns", "free ns", "tbb build ns", "tbb graph B");
  for (size_t i = 0; i < nrows; i++) {
    const row *w = &rows[i];
    if (i > 0 && strcmp(rows[i - 1].bench, w->bench) == 0) continue;
    printf("%-14s %10.0f %11.0f %8.0f %9.0f %10.1f %8.1f", w->bench, w->load_ns, w->pipeline_bytes,
           w->run_bytes, w->result_bytes, w->reports_ns, w->free_ns);
    if (w->peer_ns >= 0)
      printf(" %13.1f %12.0f\n", w->peer_build_ns, w->peer_bytes);
    else
      printf(" %13s %12s\n", "-", "-");
  }
  fflush(stdout);
}

/* ------------------------------------------------------------- options */

static int parse_list(const char *arg, unsigned *out, unsigned *n) {
  char *copy = strdup(arg), *save = NULL;
  if (!copy) return -1;
  *n = 0;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(t, &end, 10);
    if (errno || end == t || (*end && *end != 'k') || *n == MAXLIST) {
      free(copy);
      return -1;
    }
    out[(*n)++] = (unsigned)(*end == 'k' ? v * 1000 : v);
  }
  free(copy);
  return *n ? 0 : -1;
}

static int parse_shapes(const char *arg, config *c) {
  char *copy = strdup(arg), *save = NULL;
  if (!copy) return -1;
  c->nshapes = 0;
  for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
    if (c->nshapes == MAXLIST || shape_parse(t, &c->shapes[c->nshapes++]) != 0) {
      free(copy);
      return -1;
    }
  free(copy);
  return c->nshapes ? 0 : -1;
}

static void usage(FILE *f) {
  fprintf(f,
          "usage: engine_bench [--sizes 1000,10000,100000] [--shapes chain,fan,tree,grid,layered]\n"
          "                    [--threads 1,2] [--reps N] [--quick] [--no-peer] [--json FILE]\n");
}

int main(int argc, char **argv) {
  config c = {.sizes = {1000, 10000, 100000},
              .nsizes = 3,
              .shapes = {SHAPE_CHAIN, SHAPE_FAN, SHAPE_TREE, SHAPE_GRID, SHAPE_LAYERED},
              .nshapes = 5,
              .threads = {1, 2},
              .nthreads = 2,
              .peer = 1};
  const char *json = NULL;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int bad = 0;
    if (strcmp(a, "--sizes") == 0 && v)
      bad = parse_list(v, c.sizes, &c.nsizes), i++;
    else if (strcmp(a, "--threads") == 0 && v)
      bad = parse_list(v, c.threads, &c.nthreads), i++;
    else if (strcmp(a, "--shapes") == 0 && v)
      bad = parse_shapes(v, &c), i++;
    else if (strcmp(a, "--reps") == 0 && v)
      c.reps = (unsigned)atoi(v), i++;
    else if (strcmp(a, "--json") == 0 && v)
      json = v, i++;
    else if (strcmp(a, "--quick") == 0)
      c.quick = 1;
    else if (strcmp(a, "--no-peer") == 0)
      c.peer = 0;
    else if (strcmp(a, "--help") == 0)
      return usage(stdout), 0;
    else
      bad = 1;
    if (bad) return usage(stderr), 2;
  }
  if (c.quick && c.nsizes == 3 && c.sizes[2] == 100000) c.nsizes = 2;

  dw_engine *e = dw_engine_new(NULL);
  if (!e) return 1;
  static probe pr = {0, 1, 0, 0};
  dw_processor_def t = {"noop",
                        DW_INTENT_TRANSFORM,
                        noop_transform,
                        &pr,
                        "benchmark: a transform that sets no output",
                        NULL};
  dw_processor_def a = {"noop_analyze",
                        DW_INTENT_ANALYZE,
                        noop_analyze,
                        &pr,
                        "benchmark: an analyzer that adds nothing",
                        NULL};
  if (dw_engine_register(e, &t) != 0 || dw_engine_register(e, &a) != 0) return 1;

  /* warm-up, untimed: the first load and the first oneTBB graph pay for
   * one-time initialisation that is not per node */
  {
    shape s;
    if (shape_build(&s, SHAPE_LAYERED, 1000, 7) == 0) {
      yaml_style style = {NULL, alternate, NULL, NULL};
      size_t len;
      char *yaml = shape_yaml(&s, &style, &len);
      if (yaml) dw_pipeline_free(dw_pipeline_load_string(e, "warm-up", yaml, len, NULL, NULL));
      free(yaml);
#ifdef DW_BENCH_PEER
      for (unsigned ti = 0; c.peer && ti < c.nthreads; ti++) {
        peer_graph *pg = peer_build(&s, c.threads[ti], NULL);
        if (pg) peer_run(pg);
        peer_free(pg);
      }
#endif
      shape_free(&s);
    }
  }
  int rc = 0;
  for (unsigned si = 0; si < c.nsizes && !rc; si++)
    for (unsigned k = 0; k < c.nshapes && !rc; k++)
      rc = bench_shape(e, &pr, &c, c.shapes[k], c.sizes[si]);
  dw_engine_free(e);
  print_table();
  if (json) {
    FILE *f = fopen(json, "w");
    if (!f) {
      fprintf(stderr, "engine_bench: cannot write %s: %s\n", json, strerror(errno));
      return 1;
    }
    write_json(f);
    if (fclose(f) != 0) rc = -1;
  }
  return rc ? 1 : 0;
}
