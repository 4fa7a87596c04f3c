/* bench/shapes: the graph shapes of the benchmarks (issue 5) as plain edge
 * lists, shared by the dagwood driver, the oneTBB peer and the pipeline
 * generator, plus the YAML text of a shape as a dagwood pipeline.
 *
 * Nodes are numbered in a topological order (every dependency of node i is
 * smaller than i); preds are in CSR form: the dependencies of node i are
 * pred[pred_off[i] .. pred_off[i + 1]). */
#ifndef DW_BENCH_SHAPES_H
#define DW_BENCH_SHAPES_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
  SHAPE_CHAIN,   /* 0 <- 1 <- 2 <- ... */
  SHAPE_FAN,     /* one source, n-2 parallel nodes, one sink (fan-out / fan-in) */
  SHAPE_TREE,    /* binary out-tree: node i depends on (i - 1) / 2 */
  SHAPE_GRID,    /* s x s wavefront: (i, j) depends on (i-1, j) and (i, j-1) */
  SHAPE_LAYERED, /* random layered DAG, seeded: random widths, 1-3 deps from the
                    layer before and sometimes one from further back */
  SHAPE_FANOUT,  /* one source and n-1 leaves (end-to-end runs only) */
  SHAPE_COUNT
} shape_kind;

typedef struct shape {
  shape_kind kind;
  uint32_t n;
  uint32_t *pred_off; /* n + 1 entries */
  uint32_t *pred;
  size_t nedges;
} shape;

/* "chain", "fan", "tree", "grid", "layered", "fanout". */
const char *shape_name(shape_kind k);
int shape_parse(const char *name, shape_kind *out);

/* Build a shape of about n nodes (the grid rounds to a square). 0, or -1
 * when out of memory. */
int shape_build(shape *s, shape_kind kind, uint32_t n, uint64_t seed);
void shape_free(shape *s);

/* How each node is written in the YAML. */
typedef struct yaml_style {
  const char *strategy; /* top-level strategy key, or NULL */
  /* processor name of node i, called for each node; NULL: "noop" */
  const char *(*processor)(uint32_t i, void *ctx);
  /* extra lines for node i ("    options: {...}\n"), or NULL */
  const char *(*extra)(uint32_t i, void *ctx);
  void *ctx;
} yaml_style;

/* Every node a built-in, the eight in turn (prefix_suffix_adder with empty
 * affixes, so the payload does not grow). */
void shape_builtin_style(yaml_style *st);

/* The pipeline as YAML text (malloc'd, NUL-terminated, *len set). NULL when
 * out of memory. Ids are "n<i>". */
char *shape_yaml(const shape *s, const yaml_style *style, size_t *len);

#ifdef __cplusplus
}
#endif
#endif
