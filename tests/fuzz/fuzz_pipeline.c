/* tests/fuzz/fuzz_pipeline: the pipeline loader and validator through the
 * public API — YAML bytes in, dw_pipeline_load_string out. Beyond "no crash,
 * no leak, no hang" it checks the loader's contract: NULL exactly when there
 * is an error; every diagnostic names the file, has a message, a position
 * inside the input and comes in file order; a loaded pipeline is a
 * topological order with consistent ranks, levels and input_from; --strict
 * refuses exactly the pipelines that had warnings. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dagwood/dagwood.h"
#include "fuzz.h"

static dw_engine *engine;
static const char NAME[] = "fuzz.yaml";

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  /* A WebAssembly module the input happens to name would be compiled into
   * this private cache, never into the user's. */
  char dir[] = "/tmp/dw-fuzz-cache-XXXXXX";
  dw_engine_options o = {2, mkdtemp(dir)};
  engine = dw_engine_new(&o);
  if (!engine) abort();
  return 0;
}

/* An upper bound of the lines libyaml can count in the input (it breaks on
 * LF, CR, CR LF, NEL, LS and PS). */
static size_t max_lines(const uint8_t *d, size_t n) {
  size_t k = 2;
  for (size_t i = 0; i < n; i++)
    if (d[i] == '\n' || d[i] == '\r' || d[i] == 0x85 || d[i] == 0xa8 || d[i] == 0xa9) k++;
  return k;
}

static void check_diags(const dw_diags *d, const uint8_t *data, size_t size) {
  size_t lines = max_lines(data, size), nerr = 0;
  unsigned pl = 0, pc = 0;
  char buf[4096];
  for (size_t i = 0; i < dw_diags_count(d); i++) {
    const dw_diag *g = dw_diags_get(d, i);
    FUZZ_CHECK(g != NULL, "entry %zu", i);
    FUZZ_CHECK(g->message && g->message[0], "entry %zu has no message", i);
    FUZZ_CHECK(g->file && strcmp(g->file, NAME) == 0, "entry %zu: file %s", i,
               g->file ? g->file : "(null)");
    FUZZ_CHECK(g->line <= lines, "line %u of an input of at most %zu lines: %s", g->line, lines,
               g->message);
    FUZZ_CHECK(g->line || !g->column, "column %u without a line: %s", g->column, g->message);
    FUZZ_CHECK(g->line > pl || (g->line == pl && g->column >= pc),
               "not in file order: %u:%u after %u:%u", g->line, g->column, pl, pc);
    pl = g->line, pc = g->column;
    int n = dw_diag_format(g, buf, sizeof buf);
    FUZZ_CHECK(n > 0, "format");
    FUZZ_CHECK(strncmp(buf, "fuzz.yaml:", 10) == 0, "unpositioned: %s", buf);
    if (g->severity == DW_SEV_ERROR) nerr++;
  }
  /* more errors may exist than are listed (the list is capped), never fewer */
  FUZZ_CHECK(dw_diags_errors(d) >= nerr, "%zu errors counted, %zu listed", dw_diags_errors(d),
             nerr);
}

static void check_pipeline(const dw_pipeline *p, size_t lines) {
  size_t n = dw_pipeline_count(p);
  unsigned levels = dw_pipeline_levels(p);
  FUZZ_CHECK(n == 0 || levels >= 1, "%zu processors on %u levels", n, levels);
  FUZZ_CHECK(dw_pipeline_node(p, n) == NULL, "a node past the end");
  FUZZ_CHECK(dw_pipeline_max_concurrency(p) >= 1, "max_concurrency 0");
  FUZZ_CHECK(strcmp(dw_pipeline_file(p), NAME) == 0, "file name");
  const char *reason = NULL;
  dw_strategy h = dw_pipeline_hybrid_choice(p, 0, &reason);
  FUZZ_CHECK(h <= DW_STRATEGY_REACTIVE && reason, "hybrid choice %d", (int)h);
  FUZZ_CHECK(dw_strategy_name(dw_pipeline_strategy(p)) != NULL, "strategy");
  FUZZ_CHECK(dw_failure_strategy_name(dw_pipeline_failure_strategy(p)) != NULL, "failure");
  for (size_t r = 0; r < n; r++) {
    const dw_node_info *in = dw_pipeline_node(p, r);
    FUZZ_CHECK(in && in->rank == r, "rank %zu", r);
    FUZZ_CHECK(in->id && in->id[0], "empty id at rank %zu", r);
    FUZZ_CHECK(in->type && (!strcmp(in->type, "local") || !strcmp(in->type, "wasm")), "type");
    FUZZ_CHECK(in->processor != NULL, "processor of %s", in->id);
    FUZZ_CHECK(in->level < levels, "level %u of %u", in->level, levels);
    FUZZ_CHECK(in->line >= 1 && in->line <= lines, "line %u", in->line);
    FUZZ_CHECK(in->remaining >= 1 && in->remaining <= n, "remaining %u", in->remaining);
    FUZZ_CHECK(in->ndeps == 0 || in->deps, "deps");
    FUZZ_CHECK(in->ndeps > 0 || in->level == 0, "entry point %s on level %u", in->id, in->level);
    bool input_from_ok = in->input_from < 0;
    for (size_t k = 0; k < in->ndeps; k++) {
      unsigned d = in->deps[k];
      FUZZ_CHECK(d < r, "%s (rank %zu) depends on rank %u: not topological", in->id, r, d);
      const dw_node_info *dn = dw_pipeline_node(p, d);
      FUZZ_CHECK(dn->level < in->level, "level of %s not above its dependency %s", in->id, dn->id);
      FUZZ_CHECK(dn->remaining > in->remaining, "remaining of %s", dn->id);
      if ((int)d == in->input_from) input_from_ok = true;
    }
    FUZZ_CHECK(input_from_ok, "input_from of %s is not a dependency", in->id);
    for (size_t q = 0; q < r; q++)
      FUZZ_CHECK(strcmp(dw_pipeline_node(p, q)->id, in->id) != 0, "duplicate id %s", in->id);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine) LLVMFuzzerInitialize(NULL, NULL);
  dw_diags *d = NULL;
  dw_load_options lo = {0};
  dw_pipeline *p = dw_pipeline_load_string(engine, NAME, (const char *)data, size, &lo, &d);
  FUZZ_CHECK(d != NULL, "no diagnostics list");
  check_diags(d, data, size);
  size_t errors = dw_diags_errors(d), warnings = dw_diags_count(d) - errors;
  FUZZ_CHECK(!p == (errors > 0), "pipeline %s with %zu errors", p ? "loaded" : "refused", errors);
  if (p) check_pipeline(p, max_lines(data, size));
  bool loaded = p != NULL;
  dw_pipeline_free(p);
  dw_diags_free(d);
  if (!loaded) return 0;
  /* --strict: the same pipeline is refused exactly when it had warnings */
  lo.strict = 1;
  p = dw_pipeline_load_string(engine, NAME, (const char *)data, size, &lo, &d);
  FUZZ_CHECK(d != NULL, "no diagnostics list (strict)");
  check_diags(d, data, size);
  FUZZ_CHECK(!p == (warnings > 0), "strict: %s after %zu warnings", p ? "loaded" : "refused",
             warnings);
  FUZZ_CHECK(p || dw_diags_errors(d) > 0, "strict: refused without an error");
  dw_pipeline_free(p);
  dw_diags_free(d);
  return 0;
}
