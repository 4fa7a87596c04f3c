/* tests/fuzz/replay_main: a plain main() for a fuzz target, so that the seed
 * corpus and every regression input run under `make test` in the gcc, ASan
 * and TSan builds, without libFuzzer. Arguments are files or folders (walked
 * recursively, in name order); a missing one is noted and skipped, since some
 * corpora (the original project's pipelines, built modules) are optional.
 * With --require first, exits non-zero if nothing at all was replayed (a
 * corpus that went missing); a finding aborts. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "fuzz.h"

__attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

static size_t replayed, skipped;
static size_t max_bytes = 4u << 20; /* as libFuzzer's -max_len would cut them */

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    skipped++;
    return;
  }
  size_t cap = 4096, n = 0;
  uint8_t *buf = malloc(cap);
  for (;;) {
    if (!buf) abort();
    size_t r = fread(buf + n, 1, cap - n, f);
    n += r;
    if (r == 0 || n >= max_bytes) break;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  if (n > max_bytes) n = max_bytes;
  /* an exact-size copy, so that ASan sees any read past the end */
  uint8_t *exact = malloc(n ? n : 1);
  if (!exact) abort();
  memcpy(exact, buf, n);
  free(buf);
  double t0 = now();
  LLVMFuzzerTestOneInput(exact, n);
  double dt = now() - t0;
  if (dt > 1.0) fprintf(stderr, "replay: %s took %.2f s\n", path, dt);
  free(exact);
  replayed++;
}

static int by_name(const struct dirent **a, const struct dirent **b) {
  return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(const char *path) {
  struct stat st;
  if (stat(path, &st) != 0) {
    fprintf(stderr, "replay: %s not found, skipped\n", path);
    return;
  }
  if (!S_ISDIR(st.st_mode)) {
    if (S_ISREG(st.st_mode)) replay_file(path);
    return;
  }
  struct dirent **list;
  int k = scandir(path, &list, NULL, by_name);
  if (k < 0) return;
  for (int i = 0; i < k; i++) {
    if (list[i]->d_name[0] != '.') {
      size_t len = strlen(path) + strlen(list[i]->d_name) + 2;
      char *sub = malloc(len);
      if (!sub) abort();
      snprintf(sub, len, "%s/%s", path, list[i]->d_name);
      replay_path(sub);
      free(sub);
    }
    free(list[i]);
  }
  free(list);
}

int main(int argc, char **argv) {
  if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
  double t0 = now();
  int first = 1, require = argc > 1 && strcmp(argv[1], "--require") == 0;
  if (require) first = 2;
  for (int i = first; i < argc; i++) replay_path(argv[i]);
  printf("replayed %zu inputs in %.2f s (%zu unreadable)\n", replayed, now() - t0, skipped);
  if (require && replayed == 0) fprintf(stderr, "replay: no input found\n");
  return (replayed > 0 || !require) && skipped == 0 ? 0 : 1;
}
