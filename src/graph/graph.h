/* graph/graph: the DAG model. Built from predecessor lists in file order; all
 * arrays are flat (CSR: offsets + one edge array) so a 100 000-node graph is a
 * handful of allocations. Computes the canonical order (Kahn, ready ties
 * broken by file position), ranks, levels (longest-path depth), remaining
 * path lengths, and — when there is a cycle — every strongly connected
 * component with one cycle path. Iterative throughout: no recursion depth
 * grows with the graph. Knows nothing of YAML or processors. */
#ifndef DW_GRAPH_GRAPH_H
#define DW_GRAPH_GRAPH_H

#include <stddef.h>
#include <stdint.h>

typedef struct dw_cycle {
  uint32_t n;     /* members of the strongly connected component */
  uint32_t *path; /* one cycle, in execution order, starting at the member
                     first in file order; path_len nodes, first not repeated */
  uint32_t path_len;
} dw_cycle;

typedef struct dw_graph {
  uint32_t n;
  /* edges, file-order node indices */
  uint32_t *pred_off, *pred; /* pred[pred_off[i] .. pred_off[i+1]) */
  uint32_t *succ_off, *succ; /* successors, ascending node index */
  /* valid only when ncycles == 0 */
  uint32_t *order;     /* order[rank] = node */
  uint32_t *rank;      /* rank[node] */
  uint32_t *level;     /* level[node]: 0 for entry points */
  uint32_t *remaining; /* nodes on the longest path node -> sink, >= 1 */
  /* nodes grouped by level, each group in rank order: level l holds
   * by_level[level_off[l] .. level_off[l+1]); level_off has nlevels + 1 */
  uint32_t *level_off, *by_level;
  uint32_t nlevels;
  uint32_t max_width; /* most nodes on one level */
  uint32_t nentries, nsinks;
  uint64_t nedges;
  /* cycle groups, in file order of their first member */
  uint32_t ncycles;
  dw_cycle *cycles;
} dw_graph;

/* Build from predecessor lists: node i depends on pred[pred_off[i]..]. The
 * arrays are copied. Returns 0 (check g->ncycles), or -1 on allocation
 * failure (g is then empty and safe to free). Self-loops count as cycles. */
int dw_graph_build(dw_graph *g, uint32_t n, const uint32_t *pred_off, const uint32_t *pred);
void dw_graph_free(dw_graph *g);

/* The critical path: nodes of one longest path from an entry to a sink, in
 * order, written to out (capacity at least g->nlevels); returns its length. */
uint32_t dw_graph_critical_path(const dw_graph *g, uint32_t *out);

/* Shape figures that the hybrid executor chooses by. */
typedef struct dw_graph_shape {
  uint32_t nodes, levels, max_width;
  uint32_t max_out;    /* the most dependents of one node */
  double avg_width;    /* nodes / levels */
  double irregularity; /* coefficient of variation of level widths */
  double edges_per_node;
} dw_graph_shape;

void dw_graph_shape_of(const dw_graph *g, dw_graph_shape *s);

#endif
