/* examples/components/rle_preview1: the run-length encoder as a component
 * built the way the usual Rust and JavaScript output is built (a wasi-libc
 * reactor turned into a component with `jco new --wasi-reactor`: the
 * preview1 adapter), and using what such output uses on every call: its
 * program name (args_get), random bytes (random_get: Rust's HashMap seed,
 * JavaScript's Math.random), a clock (clock_time_get: Instant::now,
 * Date.now), a line on stdout and one on stderr (println! / console.log,
 * eprintln! / console.error), and exit (proc_exit) when something it needs
 * fails, as a Rust panic or an uncaught JS exception ends the program.
 *
 * build.mjs builds it twice, as the stand-ins for the original project's
 * components: rle_rust.wasm (NAME "rle_rust", the monotonic clock) and
 * rle_js.wasm (NAME "rle_js", the wall clock). dagwood runs both with no
 * options.capabilities: components get all of the above by default.
 *
 *   hello world -> 1h1e2l1o1 1w1o1r1l1d
 *     stdout: rle_rust: 11 bytes -> 20 bytes (dagwood-component)
 *     stderr: rle_rust: 10 runs
 *   a byte outside ASCII -> invalid-input (and a stderr line saying so)
 *   more than 1 MiB -> input-too-large(length) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <wasi/api.h>

#ifndef NAME
#define NAME "rle_preview1"
#endif
#ifdef WALL_CLOCK
#define CLOCK CLOCK_REALTIME
#else
#define CLOCK CLOCK_MONOTONIC
#endif

#define EXPORT(name) __attribute__((export_name(name)))
#define MAX_INPUT (1u << 20)

/* A fatal error: a message on stderr, then exit (proc_exit). */
__attribute__((noreturn)) static void fatal(const char *what, unsigned code) {
  fprintf(stderr, NAME ": %s failed (%u)\n", what, code);
  exit(70);
}

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align; /* never dereferenced, never freed */
  void *p = realloc(old, new_size);
  if (!p) fatal("realloc", (unsigned)new_size);
  return p;
}

/* The program's first argument: what the host passes as argv[0]. */
static char *program_name(void) {
  __wasi_size_t argc, size;
  __wasi_errno_t e = __wasi_args_sizes_get(&argc, &size);
  if (e) fatal("args_sizes_get", e);
  if (argc == 0) return NULL;
  char **argv = malloc(argc * sizeof *argv);
  char *buf = malloc(size);
  if (!argv || !buf) fatal("malloc", size);
  if ((e = __wasi_args_get((uint8_t **)argv, (uint8_t *)buf))) fatal("args_get", e);
  char *first = strdup(argv[0]);
  free(argv), free(buf);
  return first;
}

static uint64_t now_ns(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK, &ts)) fatal("clock_gettime", 0);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static _Alignas(8) uint8_t ret[24];
static void *owned[2];

static void put32(int at, uint32_t v) { memcpy(ret + at, &v, 4); }

EXPORT("dagwood:component/processing-node@1.0.0#process")
uint8_t *process(uint8_t *in, uint32_t len) {
  owned[0] = len ? in : NULL;
  memset(ret, 0, sizeof ret);
  uint64_t start = now_ns(), seed;
  if (getentropy(&seed, sizeof seed)) fatal("getentropy", 0); /* random_get */
  char *self = program_name();
  if (len > MAX_INPUT) {
    uint64_t v = len;
    fprintf(stderr, NAME ": %u bytes is too large\n", len);
    ret[0] = 1, ret[8] = 2;
    memcpy(ret + 16, &v, 8);
    free(self);
    return ret;
  }
  for (uint32_t i = 0; i < len; i++) {
    if (in[i] >= 0x80) {
      char *msg = malloc(96);
      if (!msg) fatal("malloc", 96);
      int n = snprintf(msg, 96, "input is not ASCII: byte %u at offset %u", in[i], i);
      fprintf(stderr, NAME ": rejected: %s\n", msg);
      owned[1] = msg;
      ret[0] = 1, ret[8] = 0;
      put32(16, (uint32_t)(uintptr_t)msg), put32(20, (uint32_t)n);
      free(self);
      return ret;
    }
  }
  char *out = malloc((size_t)len * 2 + 1);
  if (!out) fatal("malloc", len * 2 + 1);
  size_t n = 0;
  uint32_t runs = 0;
  for (uint32_t i = 0; i < len; runs++) {
    uint32_t k = 1;
    while (i + k < len && in[i + k] == in[i]) k++;
    n += (size_t)sprintf(out + n, "%u%c", k, in[i]);
    i += k;
  }
#ifndef WALL_CLOCK
  if (now_ns() < start) fatal("the monotonic clock", 0);
#else
  (void)start;
#endif
  printf(NAME ": %u bytes -> %zu bytes (%s)\n", len, n, self ? self : "no arguments");
  fprintf(stderr, NAME ": %u runs\n", runs);
  free(self);
  owned[1] = out;
  put32(8, (uint32_t)(uintptr_t)out), put32(12, (uint32_t)n);
  return ret;
}

EXPORT("cabi_post_dagwood:component/processing-node@1.0.0#process") void post_process(uint8_t *r) {
  (void)r;
  free(owned[0]), free(owned[1]);
  owned[0] = owned[1] = NULL;
}
