/* tests/unit/test_graph: the DAG model (src/graph) — canonical order, ranks,
 * levels, remaining paths, critical path and shape on hand-made graphs; cycle
 * groups with exact paths; stack safety on 100 000-node chains and cycles;
 * randomized graphs checked against naive reference computations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "graph/graph.h"

/* Build from (node, dependency) pairs; each node's dependencies keep the
 * order in which they are listed. */
typedef struct {
  uint32_t node, dep;
} edge;

static int build_edges(dw_graph *g, uint32_t n, const edge *e, size_t m) {
  uint32_t *off = calloc((size_t)n + 1, sizeof *off);
  uint32_t *pred = malloc((m ? m : 1) * sizeof *pred);
  uint32_t *cur = malloc(((size_t)n + 1) * sizeof *cur);
  assert_non_null(off);
  assert_non_null(pred);
  assert_non_null(cur);
  for (size_t k = 0; k < m; k++) off[e[k].node + 1]++;
  for (uint32_t i = 0; i < n; i++) off[i + 1] += off[i];
  memcpy(cur, off, ((size_t)n + 1) * sizeof *cur);
  for (size_t k = 0; k < m; k++) pred[cur[e[k].node]++] = e[k].dep;
  int rc = dw_graph_build(g, n, off, pred);
  free(off);
  free(pred);
  free(cur);
  return rc;
}

#define BUILD(g, n, ...)                                                         \
  do {                                                                           \
    static const edge es_[] = {__VA_ARGS__};                                     \
    assert_int_equal(build_edges((g), (n), es_, sizeof es_ / sizeof es_[0]), 0); \
  } while (0)

static void expect_u32(const uint32_t *got, const uint32_t *want, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    if (got[i] != want[i]) fail_msg("index %u: got %u, want %u", i, got[i], want[i]);
  }
}

#define EXPECT(arr, ...)                                         \
  do {                                                           \
    static const uint32_t w_[] = {__VA_ARGS__};                  \
    expect_u32((arr), w_, (uint32_t)(sizeof w_ / sizeof w_[0])); \
  } while (0)

static void expect_cycle(const dw_graph *g, uint32_t k, uint32_t members, const uint32_t *path,
                         uint32_t len) {
  assert_true(k < g->ncycles);
  assert_int_equal(g->cycles[k].n, members);
  assert_int_equal(g->cycles[k].path_len, len);
  expect_u32(g->cycles[k].path, path, len);
}

#define EXPECT_CYCLE(g, k, members, ...)                                         \
  do {                                                                           \
    static const uint32_t p_[] = {__VA_ARGS__};                                  \
    expect_cycle((g), (k), (members), p_, (uint32_t)(sizeof p_ / sizeof p_[0])); \
  } while (0)

/* ------------------------------------------------------------ acyclic */

static void test_empty(void **state) {
  (void)state;
  dw_graph g;
  assert_int_equal(dw_graph_build(&g, 0, NULL, NULL), 0);
  assert_int_equal(g.n, 0);
  assert_int_equal(g.ncycles, 0);
  assert_int_equal(g.nlevels, 0);
  assert_int_equal(g.nedges, 0);
  uint32_t out[1];
  assert_int_equal(dw_graph_critical_path(&g, out), 0);
  dw_graph_shape s;
  dw_graph_shape_of(&g, &s);
  assert_int_equal(s.nodes, 0);
  assert_true(s.irregularity == 0);
  dw_graph_free(&g);
  dw_graph_free(&g); /* freeing twice is harmless */
}

static void test_single(void **state) {
  (void)state;
  dw_graph g;
  uint32_t off[2] = {0, 0};
  assert_int_equal(dw_graph_build(&g, 1, off, NULL), 0);
  EXPECT(g.order, 0);
  EXPECT(g.level, 0);
  EXPECT(g.remaining, 1);
  assert_int_equal(g.nlevels, 1);
  assert_int_equal(g.max_width, 1);
  assert_int_equal(g.nentries, 1);
  assert_int_equal(g.nsinks, 1);
  dw_graph_free(&g);
}

/* a; b, c depend on a; d on b and c */
static void test_diamond(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 4, {1, 0}, {2, 0}, {3, 1}, {3, 2});
  assert_int_equal(g.ncycles, 0);
  EXPECT(g.order, 0, 1, 2, 3);
  EXPECT(g.rank, 0, 1, 2, 3);
  EXPECT(g.level, 0, 1, 1, 2);
  EXPECT(g.remaining, 3, 2, 2, 1);
  EXPECT(g.pred_off, 0, 0, 1, 2, 4);
  EXPECT(g.pred, 0, 0, 1, 2);
  EXPECT(g.succ_off, 0, 2, 3, 4, 4);
  EXPECT(g.succ, 1, 2, 3, 3);
  EXPECT(g.level_off, 0, 1, 3, 4);
  EXPECT(g.by_level, 0, 1, 2, 3);
  assert_int_equal(g.nlevels, 3);
  assert_int_equal(g.max_width, 2);
  assert_int_equal(g.nentries, 1);
  assert_int_equal(g.nsinks, 1);
  assert_int_equal(g.nedges, 4);

  uint32_t cp[3];
  assert_int_equal(dw_graph_critical_path(&g, cp), 3);
  EXPECT(cp, 0, 1, 3);

  dw_graph_shape s;
  dw_graph_shape_of(&g, &s);
  assert_int_equal(s.nodes, 4);
  assert_int_equal(s.levels, 3);
  assert_int_equal(s.max_width, 2);
  assert_float_equal(s.avg_width, 4.0 / 3, 1e-12);
  assert_float_equal(s.edges_per_node, 1.0, 1e-12);
  /* widths 1 2 1: mean 4/3, variance ((1/3)^2 * 2 + (2/3)^2) / 3 = 2/9 */
  assert_float_equal(s.irregularity, (1.4142135623730951 / 3) / (4.0 / 3), 1e-12);
  dw_graph_free(&g);
}

/* Chains A1 -> A2 -> A3 and B1 -> B2 -> B3 listed interleaved:
 * 0 A3 (dep A2), 1 B1, 2 A1, 3 B2 (dep B1), 4 A2 (dep A1), 5 B3 (dep B2).
 * The ready set is always one node of each chain; the lower file index wins,
 * so A3 (index 0) overtakes B3 once it is ready. */
static void test_interleaved_chains(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 6, {0, 4}, {3, 1}, {4, 2}, {5, 3});
  assert_int_equal(g.ncycles, 0);
  EXPECT(g.order, 1, 2, 3, 4, 0, 5);
  EXPECT(g.rank, 4, 0, 1, 2, 3, 5);
  EXPECT(g.level, 2, 0, 0, 1, 1, 2);
  EXPECT(g.remaining, 1, 3, 3, 2, 2, 1);
  EXPECT(g.level_off, 0, 2, 4, 6);
  EXPECT(g.by_level, 1, 2, 3, 4, 0, 5); /* rank order within each level */
  assert_int_equal(g.nlevels, 3);
  assert_int_equal(g.max_width, 2);
  assert_int_equal(g.nentries, 2);
  assert_int_equal(g.nsinks, 2);
  uint32_t cp[3];
  assert_int_equal(dw_graph_critical_path(&g, cp), 3);
  EXPECT(cp, 1, 3, 5); /* both chains are 3 long: B1 has the lower rank */
  dw_graph_shape s;
  dw_graph_shape_of(&g, &s);
  assert_float_equal(s.irregularity, 0.0, 1e-12);
  dw_graph_free(&g);
}

/* 0 depends on 1, which is listed after it; 2 stands alone. */
static void test_dependency_listed_later(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 3, {0, 1});
  assert_int_equal(g.ncycles, 0);
  EXPECT(g.order, 1, 0, 2);
  EXPECT(g.rank, 1, 0, 2);
  EXPECT(g.level, 1, 0, 0);
  EXPECT(g.remaining, 1, 2, 1);
  assert_int_equal(g.nentries, 2);
  assert_int_equal(g.nsinks, 2);
  assert_int_equal(g.nlevels, 2);
  uint32_t cp[2];
  assert_int_equal(dw_graph_critical_path(&g, cp), 2);
  EXPECT(cp, 1, 0);
  dw_graph_free(&g);
}

/* The critical path prefers the longest branch, then the lowest rank. */
static void test_critical_path_choice(void **state) {
  (void)state;
  dw_graph g;
  /* 0 entry; 1 dep 0; 2 dep 0; 3 dep 2; 4 dep 3; 5 entry; 6 dep 5 */
  BUILD(&g, 7, {1, 0}, {2, 0}, {3, 2}, {4, 3}, {6, 5});
  uint32_t cp[4];
  assert_int_equal(g.nlevels, 4);
  assert_int_equal(dw_graph_critical_path(&g, cp), 4);
  EXPECT(cp, 0, 2, 3, 4);
  dw_graph_free(&g);
}

/* Duplicate edges are dropped; out-of-range indices are ignored. */
static void test_duplicate_edges(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 3, {1, 0}, {1, 0}, {2, 1}, {2, 0}, {2, 1}, {2, 7});
  assert_int_equal(g.ncycles, 0);
  assert_int_equal(g.nedges, 3);
  EXPECT(g.pred_off, 0, 0, 1, 3);
  EXPECT(g.pred, 0, 1, 0);
  EXPECT(g.succ_off, 0, 2, 3, 3);
  EXPECT(g.succ, 1, 2, 2);
  EXPECT(g.order, 0, 1, 2);
  EXPECT(g.level, 0, 1, 2);
  dw_graph_free(&g);
}

/* ------------------------------------------------------------- cycles */

static void test_self_loop(void **state) {
  (void)state;
  dw_graph g;
  /* 0 alone, 1 depends on itself, 2 depends on 1 (downstream, not reported) */
  BUILD(&g, 3, {1, 1}, {2, 1});
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 1, 1);
  uint32_t cp[1];
  assert_int_equal(dw_graph_critical_path(&g, cp), 0);
  dw_graph_free(&g);
}

static void test_two_cycle(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 2, {0, 1}, {1, 0});
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 2, 0, 1);
  dw_graph_free(&g);
}

/* The brief's example: b depends on d, c on b, d on c: b -> c -> d. */
static void test_three_cycle(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 4, {1, 3}, {2, 1}, {3, 2});
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 3, 1, 2, 3);
  dw_graph_free(&g);
}

/* 0 depends on 1, 1 on 2, 2 on 0: execution order 0 -> 2 -> 1. */
static void test_three_cycle_odd_order(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 3, {0, 1}, {1, 2}, {2, 0});
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 3, 0, 2, 1);
  dw_graph_free(&g);
}

/* Two groups: {0, 4, 5} (0 -> 4 -> 5 -> 0) and {1, 3} (1 -> 3 -> 1), the
 * second downstream of the first (1 depends on 5), so Tarjan completes
 * {1, 3} first; the report is in file order all the same. 2 and 6 depend on
 * the groups and are not reported. */
static void test_two_sccs(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 7, {0, 5}, {4, 0}, {5, 4}, {1, 3}, {1, 5}, {3, 1}, {2, 0}, {6, 3}, {6, 5});
  assert_int_equal(g.ncycles, 2);
  EXPECT_CYCLE(&g, 0, 3, 0, 4, 5);
  EXPECT_CYCLE(&g, 1, 2, 1, 3);
  dw_graph_free(&g);
}

/* A component larger than its shortest cycle through the first member:
 * {0, 1, 2, 3} with 0 <-> 1 and 1 -> 2 -> 3 -> 1. */
static void test_scc_larger_than_cycle(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 4, {1, 0}, {0, 1}, {2, 1}, {3, 2}, {1, 3});
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 4, 0, 1);
  dw_graph_free(&g);
}

/* The BFS finds the shortest way back: 0 -> 1 -> 2 -> 3 -> 0 and 0 -> 3. */
static void test_shortest_cycle(void **state) {
  (void)state;
  dw_graph g;
  BUILD(&g, 4, {1, 0}, {2, 1}, {3, 2}, {0, 3}, {3, 0});
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 4, 0, 3);
  dw_graph_free(&g);
}

/* A cycle upstream of ordinary nodes, and an acyclic part that orders fine. */
static void test_cycle_and_downstream(void **state) {
  (void)state;
  dw_graph g;
  /* 0 entry, 1 dep 0; 2 <-> 3 (2 also dep 1); 4 dep 3; 5 dep 4 */
  BUILD(&g, 6, {1, 0}, {2, 1}, {2, 3}, {3, 2}, {4, 3}, {5, 4});
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 2, 2, 3);
  assert_int_equal(g.nentries, 1);
  assert_int_equal(g.nsinks, 1);
  dw_graph_free(&g);
}

/* ----------------------------------------------------- large: no stack */

#define BIG 100000u

static void test_big_chain(void **state) {
  (void)state;
  uint32_t *off = malloc((BIG + 1) * sizeof *off), *pred = malloc(BIG * sizeof *pred);
  assert_non_null(off);
  assert_non_null(pred);
  /* forward chain: i depends on i - 1 */
  off[0] = 0;
  for (uint32_t i = 0; i < BIG; i++) {
    off[i + 1] = off[i];
    if (i > 0) pred[off[i + 1]++] = i - 1;
  }
  dw_graph g;
  assert_int_equal(dw_graph_build(&g, BIG, off, pred), 0);
  assert_int_equal(g.ncycles, 0);
  assert_int_equal(g.nlevels, BIG);
  assert_int_equal(g.max_width, 1);
  for (uint32_t i = 0; i < BIG; i++) {
    assert_int_equal(g.order[i], i);
    assert_int_equal(g.level[i], i);
    assert_int_equal(g.remaining[i], BIG - i);
  }
  uint32_t *cp = malloc(BIG * sizeof *cp);
  assert_non_null(cp);
  assert_int_equal(dw_graph_critical_path(&g, cp), BIG);
  assert_int_equal(cp[BIG - 1], BIG - 1);
  dw_graph_free(&g);

  /* backward chain: i depends on i + 1 */
  for (uint32_t i = 0; i < BIG; i++) {
    off[i + 1] = off[i];
    if (i + 1 < BIG) pred[off[i + 1]++] = i + 1;
  }
  assert_int_equal(dw_graph_build(&g, BIG, off, pred), 0);
  assert_int_equal(g.ncycles, 0);
  for (uint32_t i = 0; i < BIG; i++) assert_int_equal(g.order[i], BIG - 1 - i);
  dw_graph_free(&g);

  /* a 2-cycle upstream of a 100 000-node chain: Tarjan walks it all */
  for (uint32_t i = 0; i < BIG; i++) {
    off[i + 1] = off[i];
    pred[off[i + 1]++] = i == 0 ? 1 : i - 1;
  }
  assert_int_equal(dw_graph_build(&g, BIG, off, pred), 0);
  assert_int_equal(g.ncycles, 1);
  EXPECT_CYCLE(&g, 0, 2, 0, 1);
  dw_graph_free(&g);
  free(cp);
  free(off);
  free(pred);
}

static void test_big_cycle(void **state) {
  (void)state;
  uint32_t *off = malloc((BIG + 1) * sizeof *off), *pred = malloc(BIG * sizeof *pred);
  assert_non_null(off);
  assert_non_null(pred);
  for (uint32_t i = 0; i <= BIG; i++) off[i] = i;
  for (uint32_t i = 0; i < BIG; i++) pred[i] = i == 0 ? BIG - 1 : i - 1;
  dw_graph g;
  assert_int_equal(dw_graph_build(&g, BIG, off, pred), 0);
  assert_int_equal(g.ncycles, 1);
  assert_int_equal(g.cycles[0].n, BIG);
  assert_int_equal(g.cycles[0].path_len, BIG);
  for (uint32_t i = 0; i < BIG; i++) assert_int_equal(g.cycles[0].path[i], i);
  dw_graph_free(&g);

  /* reversed: i depends on i + 1, the last on 0: path 0 -> n-1 -> ... -> 1 */
  for (uint32_t i = 0; i < BIG; i++) pred[i] = (i + 1) % BIG;
  assert_int_equal(dw_graph_build(&g, BIG, off, pred), 0);
  assert_int_equal(g.ncycles, 1);
  assert_int_equal(g.cycles[0].path_len, BIG);
  assert_int_equal(g.cycles[0].path[0], 0);
  for (uint32_t i = 1; i < BIG; i++) assert_int_equal(g.cycles[0].path[i], BIG - i);
  dw_graph_free(&g);

  /* 50 000 self-loops and 2-cycles: many small groups */
  for (uint32_t i = 0; i < BIG; i++) pred[i] = (i % 4 < 2) ? i : (i ^ 1);
  assert_int_equal(dw_graph_build(&g, BIG, off, pred), 0);
  assert_int_equal(g.ncycles, BIG / 2 + BIG / 4);
  uint32_t k = 0;
  for (uint32_t i = 0; i < BIG; i += 4) {
    assert_int_equal(g.cycles[k].path_len, 1);
    assert_int_equal(g.cycles[k++].path[0], i);
    assert_int_equal(g.cycles[k].path_len, 1);
    assert_int_equal(g.cycles[k++].path[0], i + 1);
    assert_int_equal(g.cycles[k].n, 2);
    assert_int_equal(g.cycles[k].path[0], i + 2);
    assert_int_equal(g.cycles[k++].path[1], i + 3);
  }
  dw_graph_free(&g);
  free(off);
  free(pred);
}

/* ---------------------------------------------------------- randomized */

static uint64_t rng_state;
static uint32_t rnd(uint32_t bound) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state % bound);
}

typedef struct {
  uint32_t n;
  uint32_t *off, *pred;
  unsigned char *adj; /* adj[u * n + v]: v depends on u */
} rgraph;

/* Random graph: each node gets up to `maxdeg` dependencies, chosen among
 * nodes that come earlier in a hidden random order (acyclic), or anywhere
 * when `cyclic`. Duplicates are allowed on purpose. */
static void rgraph_make(rgraph *r, uint32_t n, uint32_t maxdeg, int cyclic) {
  uint32_t *perm = malloc(n * sizeof *perm), *pos = malloc(n * sizeof *pos);
  r->n = n;
  r->off = malloc((n + 1) * sizeof *r->off);
  r->pred = malloc((size_t)n * maxdeg * sizeof *r->pred + 1);
  r->adj = calloc((size_t)n * n, 1);
  assert_true(perm && pos && r->off && r->pred && r->adj);
  for (uint32_t i = 0; i < n; i++) perm[i] = i;
  for (uint32_t i = n; i > 1; i--) {
    uint32_t j = rnd(i), t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
  for (uint32_t i = 0; i < n; i++) pos[perm[i]] = i;
  r->off[0] = 0;
  for (uint32_t v = 0; v < n; v++) {
    r->off[v + 1] = r->off[v];
    uint32_t d = rnd(maxdeg + 1);
    for (uint32_t k = 0; k < d; k++) {
      uint32_t u;
      if (cyclic) {
        u = rnd(n);
      } else {
        if (pos[v] == 0) break;
        u = perm[rnd(pos[v])];
      }
      r->pred[r->off[v + 1]++] = u;
      r->adj[(size_t)u * n + v] = 1;
    }
  }
  free(perm);
  free(pos);
}

static void rgraph_free(rgraph *r) {
  free(r->off);
  free(r->pred);
  free(r->adj);
}

/* O(n^2) reference Kahn: repeatedly take the lowest ready index. */
static void check_acyclic(const rgraph *r, const dw_graph *g) {
  uint32_t n = r->n;
  unsigned char *done = calloc(n, 1);
  uint32_t *lvl = calloc(n, sizeof *lvl), *rem = calloc(n, sizeof *rem);
  assert_true(done && lvl && rem);
  for (uint32_t k = 0; k < n; k++) {
    uint32_t pick = UINT32_MAX;
    for (uint32_t v = 0; v < n && pick == UINT32_MAX; v++) {
      if (done[v]) continue;
      int ready = 1;
      for (uint32_t u = 0; u < n && ready; u++)
        if (r->adj[(size_t)u * n + v] && !done[u]) ready = 0;
      if (ready) pick = v;
    }
    assert_int_not_equal(pick, UINT32_MAX);
    assert_int_equal(g->order[k], pick);
    assert_int_equal(g->rank[pick], k);
    done[pick] = 1;
  }
  /* every edge goes forward in the order; levels and remaining by definition */
  for (uint32_t k = 0; k < n; k++) {
    uint32_t v = g->order[k];
    for (uint32_t u = 0; u < n; u++)
      if (r->adj[(size_t)u * n + v]) {
        assert_true(g->rank[u] < g->rank[v]);
        if (lvl[u] + 1 > lvl[v]) lvl[v] = lvl[u] + 1;
      }
  }
  for (uint32_t k = n; k-- > 0;) {
    uint32_t u = g->order[k];
    rem[u] = 1;
    for (uint32_t v = 0; v < n; v++)
      if (r->adj[(size_t)u * n + v] && rem[v] + 1 > rem[u]) rem[u] = rem[v] + 1;
  }
  uint32_t maxl = 0;
  for (uint32_t v = 0; v < n; v++) {
    assert_int_equal(g->level[v], lvl[v]);
    assert_int_equal(g->remaining[v], rem[v]);
    if (lvl[v] + 1 > maxl) maxl = lvl[v] + 1;
  }
  assert_int_equal(g->nlevels, maxl);
  /* the critical path is a path of nlevels nodes from an entry to a sink */
  uint32_t *cp = malloc((maxl + 1) * sizeof *cp);
  assert_non_null(cp);
  assert_int_equal(dw_graph_critical_path(g, cp), maxl);
  assert_int_equal(g->level[cp[0]], 0);
  for (uint32_t k = 1; k < maxl; k++) assert_true(r->adj[(size_t)cp[k - 1] * n + cp[k]]);
  assert_int_equal(g->remaining[cp[maxl - 1]], 1);
  /* by_level: each level in rank order */
  for (uint32_t l = 0; l < g->nlevels; l++)
    for (uint32_t j = g->level_off[l]; j < g->level_off[l + 1]; j++) {
      assert_int_equal(g->level[g->by_level[j]], l);
      if (j > g->level_off[l]) assert_true(g->rank[g->by_level[j - 1]] < g->rank[g->by_level[j]]);
    }
  assert_int_equal(g->level_off[g->nlevels], n);
  free(cp);
  free(done);
  free(lvl);
  free(rem);
}

/* Reference SCCs from the transitive closure: u and v share a component when
 * each reaches the other. Check every reported group against it. */
static void check_cyclic(const rgraph *r, const dw_graph *g) {
  uint32_t n = r->n;
  unsigned char *reach = malloc((size_t)n * n);
  assert_non_null(reach);
  memcpy(reach, r->adj, (size_t)n * n);
  for (uint32_t k = 0; k < n; k++)
    for (uint32_t i = 0; i < n; i++)
      if (reach[(size_t)i * n + k])
        for (uint32_t j = 0; j < n; j++)
          if (reach[(size_t)k * n + j]) reach[(size_t)i * n + j] = 1;
  /* expected groups: nodes on a cycle (reach themselves), keyed by the lowest
   * member, in ascending order of it */
  uint32_t expected = 0, k = 0;
  for (uint32_t v = 0; v < n; v++) {
    if (!reach[(size_t)v * n + v]) continue;
    int first = 1;
    for (uint32_t u = 0; u < v && first; u++)
      if (reach[(size_t)u * n + v] && reach[(size_t)v * n + u]) first = 0;
    if (!first) continue;
    expected++;
    assert_true(k < g->ncycles);
    const dw_cycle *c = &g->cycles[k++];
    uint32_t members = 0;
    for (uint32_t u = 0; u < n; u++)
      if (u == v || (reach[(size_t)u * n + v] && reach[(size_t)v * n + u])) members++;
    assert_int_equal(c->n, members);
    assert_int_equal(c->path[0], v);
    assert_true(c->path_len >= 1 && c->path_len <= members);
    for (uint32_t j = 0; j < c->path_len; j++) {
      uint32_t a = c->path[j], b = c->path[(j + 1) % c->path_len];
      assert_true(r->adj[(size_t)a * n + b]);
      for (uint32_t i = 0; i < j; i++) assert_int_not_equal(c->path[i], a);
    }
  }
  assert_int_equal(g->ncycles, expected);
  free(reach);
}

static void test_random(void **state) {
  (void)state;
  rng_state = 0x9e3779b97f4a7c15ull;
  for (int round = 0; round < 200; round++) {
    rgraph r;
    uint32_t n = 1 + rnd(120);
    int cyclic = round % 3 == 2;
    rgraph_make(&r, n, 1 + rnd(5), cyclic);
    dw_graph g;
    assert_int_equal(dw_graph_build(&g, n, r.off, r.pred), 0);
    if (g.ncycles == 0) {
      check_acyclic(&r, &g);
    }
    check_cyclic(&r, &g);
    dw_graph_free(&g);
    rgraph_free(&r);
  }
}

/* ------------------------------------------------------------- timing */

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void test_speed(void **state) {
  (void)state;
  const uint32_t n = BIG, deg = 3;
  uint32_t *off = malloc((n + 1) * sizeof *off), *pred = malloc((size_t)n * deg * sizeof *pred);
  assert_true(off && pred);
  rng_state = 42;
  off[0] = 0;
  for (uint32_t v = 0; v < n; v++) {
    off[v + 1] = off[v];
    for (uint32_t k = 0; k < deg && v > 0; k++) {
      uint32_t span = v < 1000 ? v : 1000;
      pred[off[v + 1]++] = v - 1 - rnd(span);
    }
  }
  double best = 1e9;
  for (int rep = 0; rep < 5; rep++) {
    dw_graph g;
    double t0 = now_ms();
    assert_int_equal(dw_graph_build(&g, n, off, pred), 0);
    double t = now_ms() - t0;
    if (t < best) best = t;
    assert_int_equal(g.ncycles, 0);
    dw_graph_free(&g);
  }
  print_message("build + order, %u nodes, %u edges: %.2f ms\n", n, off[n], best);
  assert_true(best < 1000); /* generous: sanitizer builds are slow */
  free(off);
  free(pred);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_empty),
      cmocka_unit_test(test_single),
      cmocka_unit_test(test_diamond),
      cmocka_unit_test(test_interleaved_chains),
      cmocka_unit_test(test_dependency_listed_later),
      cmocka_unit_test(test_critical_path_choice),
      cmocka_unit_test(test_duplicate_edges),
      cmocka_unit_test(test_self_loop),
      cmocka_unit_test(test_two_cycle),
      cmocka_unit_test(test_three_cycle),
      cmocka_unit_test(test_three_cycle_odd_order),
      cmocka_unit_test(test_two_sccs),
      cmocka_unit_test(test_scc_larger_than_cycle),
      cmocka_unit_test(test_shortest_cycle),
      cmocka_unit_test(test_cycle_and_downstream),
      cmocka_unit_test(test_big_chain),
      cmocka_unit_test(test_big_cycle),
      cmocka_unit_test(test_random),
      cmocka_unit_test(test_speed),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
