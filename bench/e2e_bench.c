/* bench/e2e_bench: end-to-end figures of the `dagwood` command (issue 5) on
 * generated pipelines of built-in processors: `dagwood run FILE --input x
 * --format raw` on a 20 000-processor chain and fan-out (µs per processor,
 * process start and YAML parsing included) and `dagwood validate` on 100 000
 * processors; the peak RSS of each child (wait4) less that of a
 * one-processor run, per processor. Medians of several runs; JSON lines (one
 * results.json row each) to --json FILE and a table on stdout.
 *
 *   e2e_bench --dagwood PATH [--dir DIR] [--reps N] [--quick] [--json FILE]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "shapes.h"

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int write_pipeline(const char *path, shape_kind kind, uint32_t n) {
  shape s;
  if (shape_build(&s, kind, n, 42) != 0) return -1;
  yaml_style st;
  shape_builtin_style(&st);
  size_t len;
  char *y = shape_yaml(&s, &st, &len);
  shape_free(&s);
  if (!y) return -1;
  FILE *f = fopen(path, "w");
  int rc = f && fwrite(y, 1, len, f) == len ? 0 : -1;
  if (f && fclose(f) != 0) rc = -1;
  free(y);
  if (rc) fprintf(stderr, "e2e_bench: cannot write %s: %s\n", path, strerror(errno));
  return rc;
}

typedef struct outcome {
  uint64_t ns;
  long maxrss_kb;
  int status;
  size_t out_bytes;
} outcome;

/* Run argv with stdout to a file (its size is returned) and stderr to
 * /dev/null; wall time and the child's peak RSS. */
static int spawn(char *const argv[], const char *out_path, outcome *o) {
  uint64_t t0 = now_ns();
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int nul = open("/dev/null", O_WRONLY);
    if (fd < 0 || nul < 0) _exit(127);
    dup2(fd, 1);
    dup2(nul, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  int st;
  struct rusage ru;
  if (wait4(pid, &st, 0, &ru) != pid) return -1;
  o->ns = now_ns() - t0;
  o->maxrss_kb = ru.ru_maxrss;
  o->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  struct stat sb;
  o->out_bytes = stat(out_path, &sb) == 0 ? (size_t)sb.st_size : 0;
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

typedef struct figure {
  const char *name, *command;
  uint32_t n;
  double median_ns;
  long maxrss_kb;
} figure;

/* Median wall time and the largest peak RSS over reps runs. */
static int measure(const char *dagwood, const char *cmd, const char *file, const char *out,
                   unsigned reps, uint32_t n, figure *f) {
  char *argv_run[] = {(char *)dagwood, "run", (char *)file, "--input", "x",
                      "--format",      "raw", NULL};
  char *argv_val[] = {(char *)dagwood, "validate", (char *)file, NULL};
  char *const *argv = strcmp(cmd, "run") == 0 ? argv_run : argv_val;
  uint64_t v[64];
  if (reps > 64) reps = 64;
  f->maxrss_kb = 0;
  for (unsigned r = 0; r < reps; r++) {
    outcome o;
    if (spawn(argv, out, &o) != 0 || o.status != 0 || (argv == argv_run && o.out_bytes == 0)) {
      fprintf(stderr, "e2e_bench: `dagwood %s %s` failed (exit %d)\n", cmd, file, o.status);
      return -1;
    }
    v[r] = o.ns;
    if (o.maxrss_kb > f->maxrss_kb) f->maxrss_kb = o.maxrss_kb;
  }
  qsort(v, reps, sizeof *v, cmp_u64);
  f->median_ns = reps % 2 ? (double)v[reps / 2] : ((double)v[reps / 2 - 1] + v[reps / 2]) / 2.0;
  f->command = cmd;
  f->n = n;
  return 0;
}

int main(int argc, char **argv) {
  const char *dagwood = NULL, *dir = ".", *json = NULL;
  unsigned reps = 7;
  int quick = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--dagwood") == 0 && v)
      dagwood = v, i++;
    else if (strcmp(a, "--dir") == 0 && v)
      dir = v, i++;
    else if (strcmp(a, "--json") == 0 && v)
      json = v, i++;
    else if (strcmp(a, "--reps") == 0 && v)
      reps = (unsigned)atoi(v), i++;
    else if (strcmp(a, "--quick") == 0)
      quick = 1;
    else {
      fprintf(stderr,
              "usage: e2e_bench --dagwood PATH [--dir DIR] [--reps N] [--quick] [--json FILE]\n");
      return 2;
    }
  }
  if (!dagwood || access(dagwood, X_OK) != 0) {
    fprintf(stderr, "e2e_bench: give the dagwood command with --dagwood PATH\n");
    return 2;
  }
  if (quick) reps = reps > 3 ? 3 : reps;
  if (reps == 0) reps = 1;
  mkdir(dir, 0755);

  struct {
    const char *name, *cmd;
    shape_kind kind;
    uint32_t n;
  } cases[] = {
      {"e2e-base-3", "run", SHAPE_CHAIN, 3}, /* the baseline: process, engine, tiny file */
      {"e2e-run-chain-20k", "run", SHAPE_CHAIN, 20000},
      {"e2e-run-fanout-20k", "run", SHAPE_FANOUT, 20000},
      {"e2e-validate-chain-100k", "validate", SHAPE_CHAIN, 100000},
      {"e2e-validate-layered-100k", "validate", SHAPE_LAYERED, 100000},
  };
  enum { NCASES = sizeof cases / sizeof *cases };
  figure figs[NCASES];
  char out[4096];
  snprintf(out, sizeof out, "%s/out.txt", dir);
  for (unsigned i = 0; i < NCASES; i++) {
    char file[4096];
    snprintf(file, sizeof file, "%s/%s.yaml", dir, cases[i].name + 4);
    if (write_pipeline(file, cases[i].kind, cases[i].n) != 0) return 1;
    figs[i].name = cases[i].name;
    if (measure(dagwood, cases[i].cmd, file, out, reps, cases[i].n, &figs[i]) != 0) return 1;
    fprintf(stderr, "  %-26s done\n", cases[i].name);
  }

  const figure *base = &figs[0];
  FILE *j = json ? fopen(json, "w") : NULL;
  if (json && !j) {
    fprintf(stderr, "e2e_bench: cannot write %s: %s\n", json, strerror(errno));
    return 1;
  }
  printf(
      "\nEnd to end: the dagwood command on generated pipelines of built-ins (median of %u\n"
      "runs; process start and YAML parsing included; net = less the 3-processor run;\n"
      "memory = peak RSS less that of the 3-processor run, per processor)\n\n",
      reps);
  printf("%-26s %8s %7s %9s %8s %8s %9s %8s\n", "benchmark", "command", "nodes", "wall ms",
         "us/proc", "net us", "peak MiB", "B/proc");
  for (unsigned i = 0; i < NCASES; i++) {
    const figure *f = &figs[i];
    double us = f->median_ns / 1000.0 / f->n;
    double per = i ? (double)(f->maxrss_kb - base->maxrss_kb) * 1024.0 / f->n : 0;
    double net = i ? (f->median_ns - base->median_ns) / 1000.0 / f->n : 0;
    printf("%-26s %8s %7u %9.2f %8.3f %8.3f %9.1f %8.0f\n", f->name, f->command, f->n,
           f->median_ns / 1e6, us, net, f->maxrss_kb / 1024.0, per);
    if (j)
      fprintf(j,
              "{\"benchmark\": \"%s\", \"executor\": \"%s\", \"threads\": %ld, \"nodes\": %u, "
              "\"ns_per_node\": %.1f, \"us_per_processor\": %.3f, "
              "\"us_per_processor_net\": %.3f, \"wall_ms\": %.3f, \"peak_rss_kb\": %ld, "
              "\"rss_bytes_per_node\": %.0f, \"reps\": %u}\n",
              f->name, strcmp(f->command, "run") == 0 ? "hybrid" : "validate",
              sysconf(_SC_NPROCESSORS_ONLN), f->n, f->median_ns / f->n, us, net, f->median_ns / 1e6,
              f->maxrss_kb, per, reps);
  }
  if (j && fclose(j) != 0) return 1;
  return 0;
}
