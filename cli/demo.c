/* cli/demo: `dagwood demo` (and the original's --demo-mode) — a guided tour
 * of the bundled example pipelines, pausing for Enter only on a terminal. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static const struct {
  const char *file, *title, *blurb, *input;
} TOUR[] = {
    {"chain.yaml", "A chain", "Three transforms in a row: each takes the previous one's output.",
     "hello world"},
    {"demo.yaml", "A diamond with analyzers",
     "Analyzers add metadata and pass their input on; the last processor takes the text of\n"
     "the highest-ranked transform among its dependencies. `hybrid` picks the executor.",
     "The Lord of the Rings"},
    {"branches.yaml", "Branches and input_from",
     "Two entry points; the join names the dependency it reads with input_from.",
     "Mixed Case Text"},
    {"wasm.yaml", "WebAssembly processors",
     "Two sandboxed WebAssembly modules, compiled ahead of time and cached: one appends\n"
     "'::WASM', the other run-length encodes. Each call gets a fresh instance and a fuel budget.",
     "Hello WASM"},
};

/* The examples folder: $DAGWOOD_EXAMPLES, beside the binary in a build tree
 * (build/examples), or the installed share folder. */
static int find_examples(char *out, size_t size) {
  const char *env = getenv("DAGWOOD_EXAMPLES");
  if (env) return snprintf(out, size, "%s", env) < (int)size ? 0 : -1;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return -1;
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return -1;
  *slash = 0;
  const char *cands[] = {"/examples", "/../share/dagwood/examples"};
  for (size_t i = 0; i < 2; i++) {
    char probe[PATH_MAX + 64];
    int w = snprintf(probe, sizeof probe, "%s%s/demo.yaml", exe, cands[i]);
    if (w < 0 || (size_t)w >= sizeof probe || access(probe, R_OK) != 0) continue;
    probe[w - (int)strlen("/demo.yaml")] = 0;
    if (strlen(probe) >= size) return -1;
    memcpy(out, probe, strlen(probe) + 1);
    return 0;
  }
  return -1;
}

int dw_cli_demo(dw_cli *c) {
  char dir[PATH_MAX];
  if (find_examples(dir, sizeof dir) != 0) {
    fprintf(stderr,
            "dagwood demo: cannot find the example pipelines; set DAGWOOD_EXAMPLES to "
            "the examples/pipelines folder\n");
    return 2;
  }
  int interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  int worst = 0;
  size_t n = sizeof TOUR / sizeof TOUR[0];
  printf("dagwood %s: a tour of %zu example pipelines (from %s)\n", dw_version(), n, dir);
  for (size_t i = 0; i < n; i++) {
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", dir, TOUR[i].file);
    printf("\n=== %zu/%zu  %s  (%s)\n%s\ninput: \"%s\"\n\n", i + 1, n, TOUR[i].title, TOUR[i].file,
           TOUR[i].blurb, TOUR[i].input);
    int rc = dw_cli_run_all(c, (char *[]){path}, 1, TOUR[i].input, strlen(TOUR[i].input));
    if (rc > worst) worst = rc;
    if (interactive && i + 1 < n) {
      printf("\n[Enter] for the next example, q to stop: ");
      fflush(stdout);
      int ch = getchar();
      if (ch == 'q' || ch == EOF) break;
      while (ch != '\n' && ch != EOF) ch = getchar();
    }
  }
  return worst;
}
