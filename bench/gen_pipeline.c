/* bench/gen_pipeline: write a generated pipeline to stdout, the same ones
 * the benchmarks use, for profiling or trying by hand:
 *
 *   gen_pipeline SHAPE N [--builtins] [--strategy NAME] [--seed S] > p.yaml
 *
 * SHAPE is chain, fan, tree, grid, layered or fanout. Without --builtins
 * every node is the benchmark's no-op ("noop" / "noop_analyze"), which only
 * engine_bench registers; with it, the eight built-ins in turn. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shapes.h"

static const char *alternate(uint32_t i, void *ctx) {
  (void)ctx;
  return i % 2 ? "noop_analyze" : "noop";
}

int main(int argc, char **argv) {
  shape_kind kind;
  if (argc < 3 || shape_parse(argv[1], &kind) != 0) {
    fprintf(stderr,
            "usage: gen_pipeline chain|fan|tree|grid|layered|fanout N [--builtins]\n"
            "                    [--strategy NAME] [--seed S]\n");
    return 2;
  }
  uint32_t n = (uint32_t)strtoul(argv[2], NULL, 10);
  uint64_t seed = 42;
  yaml_style st = {NULL, alternate, NULL, NULL};
  const char *strategy = NULL;
  for (int i = 3; i < argc; i++) {
    if (strcmp(argv[i], "--builtins") == 0)
      shape_builtin_style(&st);
    else if (strcmp(argv[i], "--strategy") == 0 && i + 1 < argc)
      strategy = argv[++i];
    else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
      seed = strtoull(argv[++i], NULL, 10);
    else {
      fprintf(stderr, "gen_pipeline: unknown argument '%s'\n", argv[i]);
      return 2;
    }
  }
  st.strategy = strategy;
  shape s;
  if (shape_build(&s, kind, n, seed) != 0) return 1;
  size_t len;
  char *y = shape_yaml(&s, &st, &len);
  shape_free(&s);
  if (!y) return 1;
  int rc = fwrite(y, 1, len, stdout) == len ? 0 : 1;
  free(y);
  return rc;
}
