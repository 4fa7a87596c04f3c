/* core/pipeline: load = read the file, parse and validate it (config/),
 * check the graph (graph/) and the WebAssembly modules (wasm/), then lay the
 * plan out in canonical order for the executors. Also the public inspection
 * accessors and the hybrid executor's choice. */
#include "core/pipeline.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/engine.h"
#include "exec/state.h"
#include "util/diag.h"
#include "wasm/wasm.h"

static int wasm_process(dw_call *c, void *user) { return dw_wasm_invoke(user, c); }

/* Under the registry lock (another thread may be registering): the
 * definition's record never moves, so the loader may keep the pointer. */
static const dw_processor_def *env_lookup(void *ctx, const char *name) {
  return dw_engine_find(ctx, name);
}

/* Read a pipeline file, refusing what cannot be one: directories, devices,
 * files over the size limit. */
static char *read_pipeline_file(const char *path, size_t *len, dw_diags *d) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    dw_diags_add(d, DW_SEV_ERROR, path, 0, 0, NULL, NULL, "cannot open pipeline file: %s",
                 strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
    dw_diags_add(d, DW_SEV_ERROR, path, 0, 0, NULL, NULL,
                 "is a directory, not a pipeline file: give the path of a .yaml file");
    close(fd);
    return NULL;
  }
  if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode)) {
    dw_diags_add(d, DW_SEV_ERROR, path, 0, 0, NULL, NULL,
                 "not a regular file (a device or socket): give the path of a .yaml file");
    close(fd);
    return NULL;
  }
  if (S_ISFIFO(st.st_mode)) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  size_t cap = S_ISREG(st.st_mode) ? (size_t)st.st_size + 1 : 65536, n = 0;
  if (cap > (size_t)DW_SPEC_MAX_BYTES + 1) cap = (size_t)DW_SPEC_MAX_BYTES + 1;
  char *buf = malloc(cap + 1);
  for (;;) {
    if (!buf) {
      dw_diags_add(d, DW_SEV_ERROR, path, 0, 0, NULL, NULL, "out of memory reading the file");
      close(fd);
      return NULL;
    }
    if (n == cap) {
      if (cap > (size_t)DW_SPEC_MAX_BYTES) {
        dw_diags_add(d, DW_SEV_ERROR, path, 0, 0, NULL, NULL, "pipeline file is larger than %d MiB",
                     DW_SPEC_MAX_BYTES >> 20);
        free(buf);
        close(fd);
        return NULL;
      }
      cap *= 2;
      char *nb = realloc(buf, cap + 1);
      if (!nb) free(buf);
      buf = nb;
      continue;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      dw_diags_add(d, DW_SEV_ERROR, path, 0, 0, NULL, NULL, "cannot read pipeline file: %s",
                   strerror(errno));
      free(buf);
      close(fd);
      return NULL;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  buf[n] = 0;
  *len = n;
  return buf;
}

/* Each cycle group once, at its first member, with one path through it. */
static void report_cycles(const dw_spec *s, const dw_graph *g, dw_diags *d) {
  for (uint32_t c = 0; c < g->ncycles; c++) {
    const dw_cycle *cy = &g->cycles[c];
    const dw_proc_spec *first = &s->procs[cy->path[0]];
    char path[900];
    size_t o = 0;
    for (uint32_t i = 0; i <= cy->path_len && o < sizeof path - 8; i++) {
      const char *id = s->procs[cy->path[i % cy->path_len]].id;
      int w = snprintf(path + o, sizeof path - o, "%s%s", i ? " -> " : "", id);
      if (w < 0) break;
      o += (size_t)w;
      if (o >= sizeof path) {
        strcpy(path + sizeof path - 5, "...");
        break;
      }
    }
    if (cy->path_len == 1)
      dw_diags_add(d, DW_SEV_ERROR, s->file, first->id_pos.line, first->id_pos.col, first->id, NULL,
                   "cycle: %s (processor '%s' depends on itself): remove it from its depends_on",
                   path, first->id);
    else if (cy->n > cy->path_len)
      dw_diags_add(d, DW_SEV_ERROR, s->file, first->id_pos.line, first->id_pos.col, first->id, NULL,
                   "cycle: %s (%u processors depend on each other in this group): break the "
                   "cycle by removing one of these dependencies",
                   path, cy->n);
    else
      dw_diags_add(d, DW_SEV_ERROR, s->file, first->id_pos.line, first->id_pos.col, first->id, NULL,
                   "cycle: %s: break the cycle by removing one of these dependencies", path);
  }
}

/* The hybrid executor's choice, from the graph's shape and the number of
 * workers, so that inspect and run agree for the same concurrency.
 * reactive is the fastest wherever work spreads by a few dependents per
 * completion (chains, trees, grids, random layered DAGs: docs/PERFORMANCE.md)
 * but not where one processor releases thousands at once: the other workers
 * would steal them one by one, each steal a cache-line round trip, while the
 * queue executors hand them out in batches. */
enum { HYBRID_MAX_OUT = 64 };
dw_strategy dw_hybrid_choose(const dw_pipeline *p, unsigned workers, const char **reason) {
  const dw_graph_shape *sh = &p->shape;
  const char *why;
  dw_strategy s;
  /* each reason is a plain clause: "hybrid chose reactive because ..." */
  if (sh->nodes <= 1 || sh->max_width <= 1) {
    s = DW_STRATEGY_REACTIVE;
    why =
        "the processors form a single chain, so each one hands its output straight to the "
        "next, with no queue in between";
  } else if (sh->max_width <= workers) {
    s = DW_STRATEGY_REACTIVE;
    why =
        "there are never more processors ready at once than workers, so each finished "
        "processor starts its dependents directly and no queue order is needed";
  } else if (workers <= 1) {
    s = DW_STRATEGY_REACTIVE;
    why =
        "there is only one worker, so it runs each processor it unblocks itself, with nothing "
        "to share";
  } else if (sh->max_out <= HYBRID_MAX_OUT) {
    s = DW_STRATEGY_REACTIVE;
    why =
        "no processor has more than 64 dependents, so handing newly ready processors "
        "directly from worker to worker is cheapest";
  } else if (sh->irregularity <= 0.25 && sh->levels > 1) {
    s = DW_STRATEGY_LEVEL;
    why =
        "a processor has more than 64 dependents and the levels are about equally wide, so "
        "running one level at a time hands out work in batches and keeps the workers in step";
  } else {
    s = DW_STRATEGY_WORK_QUEUE;
    why =
        "a processor has more than 64 dependents and the levels differ in width, so one shared "
        "queue, longest remaining chain first, hands out work in batches and keeps the "
        "critical path moving";
  }
  if (reason) *reason = why;
  return s;
}

dw_pipeline *dw_pipeline_ref(const dw_pipeline *p) {
  dw_pipeline *q = (dw_pipeline *)p; /* the count is not part of the value */
  atomic_fetch_add_explicit(&q->refs, 1, memory_order_relaxed);
  return q;
}

void dw_pipeline_free(dw_pipeline *p) { dw_pipeline_unref(p); }

void dw_pipeline_unref(dw_pipeline *p) {
  if (!p || atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) != 1) return;
  if (p->wasm)
    for (uint32_t i = 0; i < p->nwasm; i++)
      if (p->wasm[i]) dw_wasm_module_free(p->wasm[i]);
  free(p->wasm);
  free(p->nodes);
  free(p->pred);
  free(p->succ);
  free(p->level_off);
  free(p->level_nodes);
  free(p->wq_pos);
  free(p->wq_rank);
  free(p->info);
  free(p->stash_ns);
  free(p->stash_procs);
  pthread_mutex_destroy(&p->stash_mu);
  dw_spec_free(p->spec);
  free(p);
}

/* Lay out the plan by rank from the spec and its graph, which are not
 * needed afterwards. Returns 0 or -1 (out of memory). */
static int build_plan(dw_pipeline *p, const dw_graph *g, const dw_processor_def *defs) {
  const dw_spec *s = p->spec;
  uint32_t n = p->n = s->nprocs;
  size_t ne = (size_t)g->nedges;
  p->nodes = calloc(n ? n : 1, sizeof *p->nodes);
  p->pred = malloc((ne ? ne : 1) * sizeof *p->pred);
  p->succ = malloc((ne ? ne : 1) * sizeof *p->succ);
  p->info = malloc((n ? n : 1) * sizeof *p->info);
  p->nlevels = g->nlevels;
  p->level_off = calloc((size_t)g->nlevels + 1, sizeof *p->level_off);
  p->level_nodes = malloc((n ? n : 1) * sizeof *p->level_nodes);
  if (!p->nodes || !p->pred || !p->succ || !p->info || !p->level_off || !p->level_nodes) return -1;
  uint32_t po = 0, so = 0;
  for (uint32_t r = 0; r < n; r++) {
    uint32_t f = g->order[r];
    const dw_proc_spec *ps = &s->procs[f];
    dw_plan_node *pn = &p->nodes[r];
    pn->id = ps->id;
    pn->options = ps->options;
    pn->timeout = ps->timeout_seconds >= 0 ? ps->timeout_seconds : s->timeout_seconds;
    pn->retries = ps->retry_attempts >= 0 ? (uint32_t)ps->retry_attempts : s->retry_attempts;
    pn->input_from = ps->input_from_idx >= 0 ? (int32_t)g->rank[ps->input_from_idx] : -1;
    pn->level = g->level[f];
    pn->remaining = g->remaining[f];
    if (ps->type == DW_PTYPE_WASM) {
      pn->fn = wasm_process;
      pn->user = p->wasm[f];
      pn->intent = ps->intent >= 0 ? (dw_intent)ps->intent : DW_INTENT_TRANSFORM;
    } else {
      const dw_processor_def *d = &defs[f];
      pn->fn = d->process;
      pn->user = d->user;
      pn->intent = ps->intent >= 0 ? (dw_intent)ps->intent : d->intent;
    }
    pn->pred_off = po;
    for (uint32_t k = g->pred_off[f]; k < g->pred_off[f + 1]; k++)
      p->pred[po++] = g->rank[g->pred[k]];
    pn->npred = po - pn->pred_off;
    pn->succ_off = so;
    for (uint32_t k = g->succ_off[f]; k < g->succ_off[f + 1]; k++)
      p->succ[so++] = g->rank[g->succ[k]];
    pn->nsucc = so - pn->succ_off;
    p->level_off[pn->level + 1]++;
    dw_node_info *in = &p->info[r];
    in->id = ps->id;
    in->type = ps->type == DW_PTYPE_WASM ? "wasm" : "local";
    in->processor = ps->type == DW_PTYPE_WASM ? ps->module : ps->processor;
    in->intent = pn->intent;
    in->rank = r;
    in->level = pn->level;
    in->remaining = pn->remaining;
    in->line = ps->id_pos.line;
    in->ndeps = pn->npred;
    in->deps = &p->pred[pn->pred_off]; /* file order, as the public view wants */
    in->input_from = pn->input_from;
  }
  /* successors in rank order, so hand-offs prefer the canonical order */
  for (uint32_t r = 0; r < n; r++) {
    uint32_t *a = &p->succ[p->nodes[r].succ_off];
    uint32_t m = p->nodes[r].nsucc;
    for (uint32_t i = 1; i < m; i++) {
      uint32_t x = a[i], j = i;
      while (j > 0 && a[j - 1] > x) a[j] = a[j - 1], j--;
      a[j] = x;
    }
  }
  for (uint32_t l = 0; l < g->nlevels; l++) p->level_off[l + 1] += p->level_off[l];
  uint32_t *fill = calloc((size_t)g->nlevels + 1, sizeof *fill);
  if (!fill) return -1;
  for (uint32_t r = 0; r < n; r++) {
    uint32_t l = p->nodes[r].level;
    p->level_nodes[p->level_off[l] + fill[l]++] = r;
  }
  free(fill);
  /* work_queue's order by a counting sort on remaining (1..nlevels), ranks
   * ascending within each: stable, O(n) */
  p->wq_pos = malloc((n ? n : 1) * sizeof *p->wq_pos);
  p->wq_rank = malloc((n ? n : 1) * sizeof *p->wq_rank);
  uint32_t *start = calloc((size_t)g->nlevels + 2, sizeof *start);
  if (!p->wq_pos || !p->wq_rank || !start) {
    free(start);
    return -1;
  }
  for (uint32_t r = 0; r < n; r++) start[g->nlevels - p->nodes[r].remaining + 1]++;
  for (uint32_t i = 1; i <= g->nlevels + 1; i++) start[i] += start[i - 1];
  for (uint32_t r = 0; r < n; r++) {
    uint32_t pos = start[g->nlevels - p->nodes[r].remaining]++;
    p->wq_pos[r] = pos;
    p->wq_rank[pos] = r;
  }
  free(start);
  return 0;
}

/* Preparing the WebAssembly processors (compiling what the cache does not
 * hold) runs on up to one thread per online CPU: each compile is a few
 * child processes that mostly wait. The diagnostics are added afterwards,
 * in file order, as a serial loop would. */
typedef struct prep_job {
  dw_pipeline *p;
  const char *cache_dir;
  const uint32_t *which; /* the indices of the wasm processors */
  uint32_t n;
  atomic_uint next;
  char (*err)[1024]; /* one per wasm processor */
} prep_job;

static void *prepare_some(void *arg) {
  prep_job *j = arg;
  const dw_spec *s = j->p->spec;
  for (uint32_t k; (k = atomic_fetch_add(&j->next, 1)) < j->n;) {
    uint32_t i = j->which[k];
    j->p->wasm[i] = dw_wasm_prepare(s, &s->procs[i], j->cache_dir, j->err[k], sizeof j->err[k]);
  }
  return NULL;
}

static int prepare_wasm(dw_pipeline *p, dw_engine *e, dw_diags *d) {
  const dw_spec *s = p->spec;
  uint32_t n = 0;
  uint32_t *which = malloc((s->nprocs ? s->nprocs : 1) * sizeof *which);
  if (!which) return -1;
  for (uint32_t i = 0; i < s->nprocs; i++)
    if (s->procs[i].type == DW_PTYPE_WASM) which[n++] = i;
  prep_job j = {p, e->cache_dir, which, n, 0, calloc(n ? n : 1, sizeof *j.err)};
  if (!j.err) {
    free(which);
    return -1;
  }
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  uint32_t nthreads = cpus > 1 ? (uint32_t)cpus : 1;
  if (nthreads > n) nthreads = n;
  pthread_t *th = nthreads > 1 ? malloc((nthreads - 1) * sizeof *th) : NULL;
  uint32_t started = 0;
  /* the calling thread takes its share too; a thread that cannot start
   * leaves its share to the others */
  while (th && started + 1 < nthreads && pthread_create(&th[started], NULL, prepare_some, &j) == 0)
    started++;
  prepare_some(&j);
  for (uint32_t t = 0; t < started; t++) pthread_join(th[t], NULL);
  free(th);
  for (uint32_t k = 0; k < n; k++) {
    const dw_proc_spec *ps = &s->procs[which[k]];
    if (!p->wasm[which[k]])
      dw_diags_add(d, DW_SEV_ERROR, s->file, ps->module_pos.line, ps->module_pos.col, ps->id, NULL,
                   "processor '%s': %s", ps->id, j.err[k][0] ? j.err[k] : "cannot load the module");
  }
  free(j.err);
  free(which);
  return 0;
}

static dw_pipeline *load(dw_engine *e, const char *file, const char *base_dir, const char *data,
                         size_t len, const dw_load_options *opts, dw_diags *d) {
  /* the names for suggestions: a copy, since registering may move the
   * registry's array meanwhile */
  size_t nnames = 0;
  const char **names = dw_engine_names(e, &nnames);
  dw_spec_env env = {env_lookup, e, names, nnames, opts && opts->strict};
  dw_pipeline *p = calloc(1, sizeof *p);
  dw_processor_def *defs = NULL;
  dw_graph g = {0};
  if (!p || !names) {
    free(p);
    free(names);
    dw_diags_add(d, DW_SEV_ERROR, file, 0, 0, NULL, NULL, "out of memory");
    return NULL;
  }
  atomic_init(&p->refs, 1);
  pthread_mutex_init(&p->stash_mu, NULL);
  p->engine = e;
  p->spec = dw_spec_parse(file, base_dir, data, len, &env, d);
  if (!p->spec) goto fail;
  dw_spec *s = p->spec;
  uint32_t n = s->nprocs;
  size_t ne = 0;
  bool any_wasm = false;
  for (uint32_t i = 0; i < n; i++) {
    ne += s->procs[i].ndeps;
    any_wasm |= s->procs[i].type == DW_PTYPE_WASM;
  }
  defs = calloc(n ? n : 1, sizeof *defs);
  if (any_wasm) p->wasm = calloc(n ? n : 1, sizeof *p->wasm), p->nwasm = p->wasm ? n : 0;
  uint32_t *pred_off = malloc(((size_t)n + 1) * sizeof *pred_off);
  uint32_t *pred = malloc((ne ? ne : 1) * sizeof *pred);
  if (!defs || (any_wasm && !p->wasm) || !pred_off || !pred) {
    free(pred_off);
    free(pred);
    dw_diags_add(d, DW_SEV_ERROR, file, 0, 0, NULL, NULL, "out of memory");
    goto fail;
  }
  ne = 0;
  pred_off[0] = 0;
  for (uint32_t i = 0; i < n; i++) {
    dw_proc_spec *ps = &s->procs[i];
    for (uint32_t k = 0; k < ps->ndeps; k++)
      if (ps->dep_idx[k] < n) pred[ne++] = ps->dep_idx[k];
    pred_off[i + 1] = (uint32_t)ne;
    if (ps->type == DW_PTYPE_LOCAL && ps->def) {
      defs[i] = *ps->def; /* the loader looked it up already */
    } else if (ps->type == DW_PTYPE_WASM) {
      dw_intent in = DW_INTENT_TRANSFORM;
      dw_wasm_check(s, ps, &in, d);
      ps->intent = (int)in;
    }
  }
  int grc = dw_graph_build(&g, n, pred_off, pred);
  free(pred_off);
  free(pred);
  if (grc != 0) {
    dw_diags_add(d, DW_SEV_ERROR, file, 0, 0, NULL, NULL, "out of memory");
    goto fail;
  }
  report_cycles(s, &g, d);
  if (opts && opts->strict) dw_diags_promote_warnings(d);
  if (d->errors) goto fail;
  /* compile WebAssembly modules only once the whole pipeline is valid */
  if (any_wasm && prepare_wasm(p, e, d) != 0) {
    dw_diags_add(d, DW_SEV_ERROR, file, 0, 0, NULL, NULL, "out of memory");
    goto fail;
  }
  if (d->errors) goto fail;
  if (build_plan(p, &g, defs) != 0) {
    dw_diags_add(d, DW_SEV_ERROR, file, 0, 0, NULL, NULL, "out of memory");
    goto fail;
  }
  dw_graph_shape_of(&g, &p->shape);
  /* the plan holds all a run needs: the graph and the per-processor records
   * would only double the memory a loaded pipeline keeps */
  dw_graph_free(&g);
  dw_spec_drop_procs(s);
  free(defs);
  free(names);
  return p;
fail:
  dw_graph_free(&g);
  free(defs);
  free(names);
  dw_pipeline_free(p);
  return NULL;
}

static dw_pipeline *finish(dw_pipeline *p, dw_diags *d, dw_diags **out) {
  dw_diags_sort(d);
  if (out)
    *out = d;
  else
    dw_diags_free(d);
  return p;
}

dw_pipeline *dw_pipeline_load_file(dw_engine *e, const char *path, const dw_load_options *opts,
                                   dw_diags **diags) {
  if (diags) *diags = NULL;
  dw_diags *d = dw_diags_new();
  if (!d) return NULL;
  size_t len = 0;
  char *data = read_pipeline_file(path, &len, d);
  if (!data) return finish(NULL, d, diags);
  char *tmp = strdup(path);
  const char *base = tmp ? dirname(tmp) : ".";
  dw_pipeline *p = load(e, path, base, data, len, opts, d);
  free(tmp);
  free(data);
  return finish(p, d, diags);
}

dw_pipeline *dw_pipeline_load_string(dw_engine *e, const char *name, const char *yaml, size_t len,
                                     const dw_load_options *opts, dw_diags **diags) {
  if (diags) *diags = NULL;
  dw_diags *d = dw_diags_new();
  if (!d) return NULL;
  dw_pipeline *p = load(e, name ? name : "<string>", NULL, yaml, len, opts, d);
  return finish(p, d, diags);
}

const char *dw_pipeline_file(const dw_pipeline *p) { return p->spec->file; }
size_t dw_pipeline_count(const dw_pipeline *p) { return p->n; }
const dw_node_info *dw_pipeline_node(const dw_pipeline *p, size_t rank) {
  return rank < p->n ? &p->info[rank] : NULL;
}
unsigned dw_pipeline_levels(const dw_pipeline *p) { return p->nlevels; }
dw_strategy dw_pipeline_strategy(const dw_pipeline *p) { return p->spec->strategy; }
dw_failure_strategy dw_pipeline_failure_strategy(const dw_pipeline *p) { return p->spec->failure; }
unsigned dw_pipeline_max_concurrency(const dw_pipeline *p) {
  if (p->spec->max_concurrency) return p->spec->max_concurrency;
  long c = sysconf(_SC_NPROCESSORS_ONLN);
  return c > 0 ? (unsigned)c : 1;
}
dw_strategy dw_pipeline_hybrid_choice(const dw_pipeline *p, unsigned max_concurrency,
                                      const char **reason) {
  return dw_hybrid_choose(p, max_concurrency ? max_concurrency : dw_pipeline_max_concurrency(p),
                          reason);
}

node_state *dw_stash_take_states(dw_pipeline *p) {
  pthread_mutex_lock(&p->stash_mu);
  node_state *ns = p->stash_ns;
  p->stash_ns = NULL;
  pthread_mutex_unlock(&p->stash_mu);
  return ns; /* zeroed when given back */
}

dw_proc_report *dw_stash_take_reports(dw_pipeline *p) {
  pthread_mutex_lock(&p->stash_mu);
  dw_proc_report *r = p->stash_procs;
  p->stash_procs = NULL;
  pthread_mutex_unlock(&p->stash_mu);
  return r;
}

void dw_stash_give(dw_pipeline *p, node_state *ns, dw_proc_report *procs) {
  pthread_mutex_lock(&p->stash_mu);
  if (ns && !p->stash_ns) p->stash_ns = ns, ns = NULL;
  if (procs && !p->stash_procs) p->stash_procs = procs, procs = NULL;
  pthread_mutex_unlock(&p->stash_mu);
  free(ns);
  free(procs);
}
