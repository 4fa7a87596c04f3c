/* graph/graph: see graph.h. One block holds every per-node and per-edge
 * array; the build borrows one scratch block for Kahn's ready set (and, when
 * the graph is not acyclic, one for the iterative Tarjan and cycle-path
 * search); the cycle report is one more block. Nothing recurses. */
#include "graph/graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NONE UINT32_MAX

/* ------------------------------------------------------ the ready set */

/* Kahn's ready nodes, popped lowest index first: a 64-ary tree of bitsets
 * (bit i of a word at one level says "word i below is not empty"). A push
 * sets one bit per level, branch-free; a pop usually takes the lowest bit of
 * the word at the `low` hint and walks the tree only when that word is used
 * up: at most 6 levels for 2^32 nodes. Same order as a binary min-heap on the
 * node index, but the whole build measured 5x faster with it on 100 000
 * independent nodes (1.3 ms against 6.6) and 2x faster on a random 100 000-node
 * DAG with 3 dependencies per node (5.2 ms against 10.5): a heap makes ~17
 * unpredictable compares per pop. */
typedef struct {
  uint64_t *lv[6]; /* lv[0]: one bit per node; the top level is one word */
  unsigned depth;
  uint32_t low; /* every lv[0] word before this one is empty */
} ready_set;

static size_t ready_words(uint32_t n) {
  size_t total = 0, w = n;
  do {
    w = w > 64 ? (w + 63) / 64 : 1;
    total += w;
  } while (w > 1);
  return total;
}

static void ready_init(ready_set *r, uint64_t *words, uint32_t n) {
  size_t w = n;
  r->depth = 0;
  r->low = 0;
  do {
    w = w > 64 ? (w + 63) / 64 : 1;
    r->lv[r->depth++] = words;
    memset(words, 0, w * sizeof *words);
    words += w;
  } while (w > 1);
}

static int ready_empty(const ready_set *r) { return r->lv[r->depth - 1][0] == 0; }

/* Add v when `yes` (0 or 1), without a branch on it: Kahn's "in-degree
 * reached 0" is a coin toss to the branch predictor. */
static void ready_push_if(ready_set *r, uint32_t v, uint64_t yes) {
  uint32_t w = v >> 6;
  r->low = (yes && w < r->low) ? w : r->low;
  for (unsigned d = 0; d < r->depth; d++, v >>= 6) r->lv[d][v >> 6] |= yes << (v & 63);
}

/* Only when not empty. */
static uint32_t ready_pop(ready_set *r) {
  uint64_t w = r->lv[0][r->low];
  if (w == 0) { /* walk down from the top to the first non-empty word */
    uint32_t i = 0;
    for (unsigned d = r->depth; d-- > 1;) i = (i << 6) | (uint32_t)__builtin_ctzll(r->lv[d][i]);
    r->low = i;
    w = r->lv[0][i];
  }
  uint32_t v = r->low << 6 | (uint32_t)__builtin_ctzll(w);
  r->lv[0][r->low] = w &= w - 1;
  for (unsigned d = 1, u = v >> 6; w == 0 && d < r->depth; d++, u >>= 6)
    w = r->lv[d][u >> 6] &= ~((uint64_t)1 << (u & 63));
  return v;
}

/* --------------------------------------------------------------- cycles */

static int has_self_loop(const dw_graph *g, uint32_t v) {
  for (uint32_t j = g->succ_off[v]; j < g->succ_off[v + 1]; j++)
    if (g->succ[j] == v) return 1;
  return 0;
}

/* Every strongly connected component among the unordered nodes (those whose
 * in-degree in `indeg` never reached 0) that holds a cycle, with the shortest
 * cycle through its first member. Returns 0, or -1 when out of memory. */
static int find_cycles(dw_graph *g, const uint32_t *indeg) {
  uint32_t n = g->n;
  uint32_t *s = malloc((size_t)7 * n * sizeof *s);
  if (!s) return -1;
  uint32_t *idx = s, *low = s + n, *comp = s + 2 * (size_t)n, *stk = s + 3 * (size_t)n;
  uint32_t *cs = s + 4 * (size_t)n, *ep = s + 5 * (size_t)n, *csize = s + 6 * (size_t)n;
  for (uint32_t v = 0; v < n; v++) idx[v] = comp[v] = NONE;

  /* Iterative Tarjan along dependency -> dependent edges. A visited node
   * without a component is on the stack. */
  uint32_t next = 0, sp = 0, ncomp = 0;
  for (uint32_t root = 0; root < n; root++) {
    if (indeg[root] == 0 || idx[root] != NONE) continue;
    uint32_t csp = 0;
    idx[root] = low[root] = next++;
    stk[sp++] = root;
    cs[csp] = root;
    ep[csp++] = g->succ_off[root];
    while (csp > 0) {
      uint32_t v = cs[csp - 1];
      if (ep[csp - 1] < g->succ_off[v + 1]) {
        uint32_t w = g->succ[ep[csp - 1]++];
        if (indeg[w] == 0) continue; /* ordered: cannot be on a cycle */
        if (idx[w] == NONE) {
          idx[w] = low[w] = next++;
          stk[sp++] = w;
          cs[csp] = w;
          ep[csp++] = g->succ_off[w];
        } else if (comp[w] == NONE && idx[w] < low[v]) {
          low[v] = idx[w];
        }
        continue;
      }
      csp--;
      if (low[v] == idx[v]) {
        uint32_t size = 0, w;
        do {
          w = stk[--sp];
          comp[w] = ncomp;
          size++;
        } while (w != v);
        csize[ncomp++] = (size > 1 || has_self_loop(g, v)) ? size : 0;
      }
      if (csp > 0 && low[v] < low[cs[csp - 1]]) low[cs[csp - 1]] = low[v];
    }
  }

  /* Walk nodes in file order: the first member met of a cyclic component is
   * its start. BFS inside the component back to the start gives the shortest
   * cycle through it. Scratch reuse: idx = BFS parent, low = BFS queue,
   * stk = the paths, ep = each path's offset, cs = each group's size. */
  uint32_t *parent = idx, *queue = low, *paths = stk, *poff = ep, *gsize = cs;
  for (uint32_t v = 0; v < n; v++) parent[v] = NONE;
  uint32_t ncyc = 0, plen = 0;
  for (uint32_t start = 0; start < n; start++) {
    if (comp[start] == NONE || csize[comp[start]] == 0) continue;
    uint32_t c = comp[start], qh = 0, qt = 0, found = NONE;
    gsize[ncyc] = csize[c];
    csize[c] = 0; /* reported */
    parent[start] = start;
    queue[qt++] = start;
    while (qh < qt && found == NONE) {
      uint32_t u = queue[qh++];
      for (uint32_t j = g->succ_off[u]; j < g->succ_off[u + 1]; j++) {
        uint32_t w = g->succ[j];
        if (w == start) {
          found = u;
          break;
        }
        if (comp[w] == c && parent[w] == NONE) {
          parent[w] = u;
          queue[qt++] = w;
        }
      }
    }
    /* found != NONE: the component is strongly connected */
    uint32_t len = 1;
    for (uint32_t u = found; u != start; u = parent[u]) len++;
    uint32_t pos = plen + len;
    for (uint32_t u = found;; u = parent[u]) {
      paths[--pos] = u;
      if (u == start) break;
    }
    poff[ncyc++] = plen;
    plen += len;
  }

  g->cycles = malloc(ncyc * sizeof *g->cycles + (size_t)plen * sizeof(uint32_t));
  if (!g->cycles) {
    free(s);
    return -1;
  }
  uint32_t *out = (uint32_t *)(g->cycles + ncyc);
  memcpy(out, paths, (size_t)plen * sizeof *out);
  for (uint32_t k = 0; k < ncyc; k++) {
    uint32_t end = k + 1 < ncyc ? poff[k + 1] : plen;
    g->cycles[k] = (dw_cycle){.n = gsize[k], .path = out + poff[k], .path_len = end - poff[k]};
  }
  g->ncycles = ncyc;
  free(s);
  return 0;
}

/* ---------------------------------------------------------------- build */

void dw_graph_free(dw_graph *g) {
  if (!g) return;
  free(g->pred_off); /* the block holding every array */
  free(g->cycles);   /* the cycle records and their paths */
  memset(g, 0, sizeof *g);
}

int dw_graph_build(dw_graph *g, uint32_t n, const uint32_t *pred_off, const uint32_t *pred) {
  memset(g, 0, sizeof *g);
  size_t ecap = n ? pred_off[n] : 0;
  /* pred_off, succ_off, level_off: n + 1; order, rank, level, remaining,
   * by_level: n; pred, succ: up to ecap */
  size_t words = 8 * (size_t)n + 3 + 2 * ecap;
  uint32_t *blk = malloc(words * sizeof *blk);
  uint64_t *rwords = malloc(ready_words(n) * sizeof *rwords);
  if (!blk || !rwords) {
    free(blk);
    free(rwords);
    return -1;
  }
  g->n = n;
  g->pred_off = blk;
  g->succ_off = blk + (size_t)n + 1;
  g->level_off = blk + 2 * (size_t)n + 2;
  g->order = blk + 3 * (size_t)n + 3;
  g->rank = g->order + n;
  g->level = g->rank + n;
  g->remaining = g->level + n;
  g->by_level = g->remaining + n;
  g->pred = g->by_level + n;
  g->succ = g->pred + ecap;

  /* Copy predecessor lists, dropping duplicates and out-of-range indices;
   * `remaining` serves as the "last seen for node i + 1" stamp. */
  uint32_t *seen = g->remaining;
  memset(seen, 0, n * sizeof *seen);
  uint32_t k = 0;
  for (uint32_t i = 0; i < n; i++) {
    g->pred_off[i] = k;
    for (uint32_t j = pred_off[i]; j < pred_off[i + 1]; j++) {
      uint32_t p = pred[j];
      if (p >= n || seen[p] == i + 1) continue;
      seen[p] = i + 1;
      g->pred[k++] = p;
    }
  }
  g->pred_off[n] = k;
  g->nedges = k;

  /* Successor lists (ascending, since dependents are visited in order);
   * `rank` serves as the fill cursor. */
  memset(g->succ_off, 0, ((size_t)n + 1) * sizeof *g->succ_off);
  for (uint32_t j = 0; j < k; j++) g->succ_off[g->pred[j] + 1]++;
  for (uint32_t i = 0; i < n; i++) g->succ_off[i + 1] += g->succ_off[i];
  memcpy(g->rank, g->succ_off, n * sizeof *g->rank);
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t j = g->pred_off[i]; j < g->pred_off[i + 1]; j++)
      g->succ[g->rank[g->pred[j]]++] = i;

  /* Kahn, the lowest file index first among ready nodes; `remaining` holds
   * in-degrees meanwhile, and levels are pushed along the edges. */
  uint32_t *indeg = g->remaining;
  ready_set ready;
  ready_init(&ready, rwords, n);
  for (uint32_t i = 0; i < n; i++) {
    indeg[i] = g->pred_off[i + 1] - g->pred_off[i];
    g->level[i] = 0;
    if (indeg[i] == 0) {
      g->nentries++;
      ready_push_if(&ready, i, 1);
    }
    if (g->succ_off[i + 1] == g->succ_off[i]) g->nsinks++;
  }
  uint32_t cnt = 0;
  while (cnt < n && !ready_empty(&ready)) {
    uint32_t u = ready_pop(&ready);
    g->order[cnt] = u;
    g->rank[u] = cnt++;
    uint32_t lv = g->level[u] + 1;
    for (uint32_t j = g->succ_off[u]; j < g->succ_off[u + 1]; j++) {
      uint32_t v = g->succ[j];
      uint32_t old = g->level[v];
      g->level[v] = old > lv ? old : lv;
      ready_push_if(&ready, v, --indeg[v] == 0);
    }
  }

  if (cnt < n) {
    free(rwords);
    int rc = find_cycles(g, indeg);
    if (rc != 0) {
      dw_graph_free(g);
      return -1;
    }
    /* order, rank, level and remaining mean nothing here: make them defined */
    memset(g->order, 0, 5 * (size_t)n * sizeof *g->order);
    g->level_off[0] = 0;
    return 0;
  }

  /* Remaining path lengths, backwards along the order. */
  for (uint32_t r = n; r-- > 0;) {
    uint32_t u = g->order[r], best = 0;
    for (uint32_t j = g->succ_off[u]; j < g->succ_off[u + 1]; j++) {
      uint32_t r2 = g->remaining[g->succ[j]];
      best = r2 > best ? r2 : best;
    }
    g->remaining[u] = best + 1;
  }

  /* Levels: widths, then a stable counting sort of the order by level. */
  uint32_t nlevels = 0;
  for (uint32_t i = 0; i < n; i++)
    if (g->level[i] + 1 > nlevels) nlevels = g->level[i] + 1;
  g->nlevels = nlevels;
  memset(g->level_off, 0, ((size_t)nlevels + 1) * sizeof *g->level_off);
  for (uint32_t i = 0; i < n; i++) g->level_off[g->level[i] + 1]++;
  for (uint32_t l = 0; l < nlevels; l++) {
    if (g->level_off[l + 1] > g->max_width) g->max_width = g->level_off[l + 1];
    g->level_off[l + 1] += g->level_off[l];
  }
  free(rwords);
  for (uint32_t r = 0; r < n; r++) { /* level_off[l] serves as the cursor */
    uint32_t u = g->order[r];
    g->by_level[g->level_off[g->level[u]]++] = u;
  }
  for (uint32_t l = nlevels; l > 0; l--) g->level_off[l] = g->level_off[l - 1];
  g->level_off[0] = 0;
  return 0;
}

/* -------------------------------------------------------------- queries */

uint32_t dw_graph_critical_path(const dw_graph *g, uint32_t *out) {
  if (g->n == 0 || g->ncycles > 0) return 0;
  uint32_t u = NONE;
  for (uint32_t r = 0; r < g->n; r++) { /* rank order: ties keep the lowest */
    uint32_t v = g->order[r];
    if (g->pred_off[v] == g->pred_off[v + 1] && (u == NONE || g->remaining[v] > g->remaining[u]))
      u = v;
  }
  uint32_t len = 0;
  while (u != NONE) {
    out[len++] = u;
    uint32_t best = NONE;
    for (uint32_t j = g->succ_off[u]; j < g->succ_off[u + 1]; j++) {
      uint32_t v = g->succ[j];
      if (best == NONE || g->remaining[v] > g->remaining[best] ||
          (g->remaining[v] == g->remaining[best] && g->rank[v] < g->rank[best]))
        best = v;
    }
    u = best;
  }
  return len;
}

void dw_graph_shape_of(const dw_graph *g, dw_graph_shape *s) {
  memset(s, 0, sizeof *s);
  s->nodes = g->n;
  if (g->n == 0) return;
  s->edges_per_node = (double)g->nedges / g->n;
  for (uint32_t u = 0; u < g->n; u++)
    if (g->succ_off[u + 1] - g->succ_off[u] > s->max_out)
      s->max_out = g->succ_off[u + 1] - g->succ_off[u];
  if (g->ncycles > 0 || g->nlevels == 0) return;
  s->levels = g->nlevels;
  s->max_width = g->max_width;
  double mean = (double)g->n / g->nlevels, var = 0;
  for (uint32_t l = 0; l < g->nlevels; l++) {
    double d = (double)(g->level_off[l + 1] - g->level_off[l]) - mean;
    var += d * d;
  }
  s->avg_width = mean;
  s->irregularity = sqrt(var / g->nlevels) / mean;
}
