/* bench/wasm/bench_wasm: what a WebAssembly processor costs, measured side
 * by side with the same C compiled natively, in one process, interleaved:
 *   - a whole call on a 100-byte payload (fresh instance, allocate, copy
 *     in, process, copy out, metadata) vs the native function with the same
 *     copies and allocations;
 *   - a compute kernel (sieve of Eratosthenes) vs native;
 *   - compiling a module (cold cache) and preparing it from the cache.
 * Prints a table; with --json FILE also writes one JSON line per figure
 * (gathered by bench/run.sh). --quick runs fewer iterations. Not a test:
 * nothing is asserted. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config/spec.h"
#include "core/call.h"
#include "wasm/compile.h"
#include "wasm/rt.h"
#include "wasm/wasm.h"

uint8_t *native_upper(const uint8_t *in, int32_t len, int32_t *out_len);
uint8_t *native_sieve(const uint8_t *in, int32_t len, int32_t *out_len);

static uint64_t now_ns(void) { return dw_rt_now_ns(); }

typedef struct one {
  dw_spec spec;
  dw_proc_spec proc;
  dw_val opts;
  dw_val item;
  const char *key;
} one;

static dw_wasm_module *load(one *o, const char *id, const char *path, const char *fuel,
                            const char *cache) {
  memset(o, 0, sizeof *o);
  dw_arena_init(&o->spec.arena);
  o->spec.file = "bench.yaml";
  o->spec.fuel_default = 100000000;
  o->spec.fuel_min = 1000000;
  o->spec.fuel_max = 500000000;
  o->spec.max_memory_mb = 256;
  o->spec.nprocs = 1;
  o->spec.procs = &o->proc;
  o->proc.id = id;
  o->proc.type = DW_PTYPE_WASM;
  o->proc.module = o->proc.module_path = path;
  o->proc.intent = -1;
  o->key = "fuel_level";
  o->item = (dw_val){.kind = DW_VAL_SCALAR, .str = fuel, .len = strlen(fuel)};
  o->opts = (dw_val){.kind = DW_VAL_MAP, .n = 1, .items = &o->item, .keys = &o->key};
  o->proc.options = &o->opts;
  char err[2048];
  dw_wasm_module *m = dw_wasm_prepare(&o->spec, &o->proc, cache, err, sizeof err);
  if (!m) {
    fprintf(stderr, "bench_wasm: %s\n", err);
    exit(1);
  }
  return m;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t median(uint64_t *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_u64);
  return v[n / 2];
}

static volatile uint8_t sink;

static void wasm_calls(dw_wasm_module *m, const uint8_t *in, size_t len, int n,
                       const atomic_int *cancel, uint64_t deadline) {
  for (int i = 0; i < n; i++) {
    dw_call c;
    dw_call_init(&c, "bench", in, len, NULL);
    c.cancel = cancel;
    c.deadline_ns = deadline;
    if (dw_wasm_invoke(m, &c) != 0) {
      fprintf(stderr, "bench_wasm: call failed: %s\n", c.err_msg);
      exit(1);
    }
    sink ^= c.out[0];
    dw_call_clear(&c);
  }
}

/* The native side of a whole call: the host copies the input into a fresh
 * buffer (as into guest memory), calls, copies the output out. */
static void native_calls(uint8_t *(*fn)(const uint8_t *, int32_t, int32_t *), const uint8_t *in,
                         size_t len, int n) {
  for (int i = 0; i < n; i++) {
    uint8_t *copy = malloc(len);
    memcpy(copy, in, len);
    int32_t ol = 0;
    uint8_t *o = fn(copy, (int32_t)len, &ol);
    uint8_t *out = malloc((size_t)ol);
    memcpy(out, o, (size_t)ol);
    sink ^= out[0];
    free(out);
    free(o);
    free(copy);
  }
}

int main(int argc, char **argv) {
  int quick = 0;
  const char *json = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else if (!strcmp(argv[i], "--json") && i + 1 < argc)
      json = argv[++i];
    else {
      fprintf(stderr, "usage: bench_wasm [--quick] [--json FILE]\n");
      return 2;
    }
  }
  const char *cache = getenv("DAGWOOD_CACHE_DIR");
  if (!cache || !*cache) cache = DW_BENCH_CACHE;
  FILE *jf = json ? fopen(json, "w") : NULL;

  /* compile: a cold cache, then a warm one */
  char cold[4096];
  snprintf(cold, sizeof cold, "%s/cold-%d", DW_BENCH_CACHE, (int)getpid());
  one o_cold;
  uint64_t t0 = now_ns();
  dw_wasm_module *mc = load(&o_cold, "sieve", DW_BENCH_SIEVE_WASM, "500000000", cold);
  uint64_t compile_ns = now_ns() - t0;
  dw_wasm_module_free(mc);
  t0 = now_ns();
  mc = load(&o_cold, "sieve", DW_BENCH_SIEVE_WASM, "500000000", cold);
  uint64_t cached_ns = now_ns() - t0;
  dw_wasm_module_free(mc);
  dw_arena_free(&o_cold.spec.arena);
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", cold);
  if (system(cmd) != 0) fprintf(stderr, "bench_wasm: could not remove %s\n", cold);

  one ou, os;
  dw_wasm_module *mu = load(&ou, "upper", DW_BENCH_UPPER_WASM, "1000000", cache);
  dw_wasm_module *ms = load(&os, "sieve", DW_BENCH_SIEVE_WASM, "500000000", cache);

  /* 1. whole call, 100-byte payload */
  uint8_t payload[100];
  for (int i = 0; i < 100; i++) payload[i] = (uint8_t)("the quick brown fox jumps "[i % 26]);
  int n = quick ? 20000 : 200000, reps = quick ? 3 : 7;
  uint64_t w[9], nat[9], wt[9];
  atomic_int cancel = 0;
  wasm_calls(mu, payload, 100, n / 10, NULL, 0);
  native_calls(native_upper, payload, 100, n / 10);
  for (int r = 0; r < reps; r++) {
    t0 = now_ns();
    native_calls(native_upper, payload, 100, n);
    nat[r] = (now_ns() - t0) / (uint64_t)n;
    t0 = now_ns();
    wasm_calls(mu, payload, 100, n, NULL, 0);
    w[r] = (now_ns() - t0) / (uint64_t)n;
    t0 = now_ns();
    wasm_calls(mu, payload, 100, n, &cancel, now_ns() + 3600ull * 1000000000u);
    wt[r] = (now_ns() - t0) / (uint64_t)n;
  }
  uint64_t call_w = median(w, reps), call_n = median(nat, reps), call_wt = median(wt, reps);

  /* 2. the sieve */
  const char *sn = quick ? "2000000" : "5000000";
  int sreps = quick ? 3 : 7;
  uint64_t sw[9], snat[9];
  for (int r = 0; r < sreps; r++) {
    t0 = now_ns();
    native_calls(native_sieve, (const uint8_t *)sn, strlen(sn), 1);
    snat[r] = now_ns() - t0;
    t0 = now_ns();
    wasm_calls(ms, (const uint8_t *)sn, strlen(sn), 1, NULL, 0);
    sw[r] = now_ns() - t0;
  }
  uint64_t sieve_w = median(sw, sreps), sieve_n = median(snat, sreps);
  dw_call c;
  dw_call_init(&c, "sieve", (const uint8_t *)sn, strlen(sn), NULL);
  dw_wasm_invoke(ms, &c);
  const char *fuel = "?";
  for (size_t i = 0; i < c.md_n; i++)
    if (!strcmp(c.md[i].key, "fuel_consumed")) fuel = c.md[i].value;

  printf("WebAssembly backend (wasm2c + gcc -O2, fuel hooks inlined), %s\n",
         quick ? "quick" : "full");
  printf("  %-46s %10s %10s %8s\n", "benchmark", "wasm", "native", "ratio");
  printf("  %-46s %8llu ns %7llu ns %7.2fx\n", "whole call, fresh instance, 100-byte payload",
         (unsigned long long)call_w, (unsigned long long)call_n, (double)call_w / (double)call_n);
  printf("  %-46s %8llu ns %7s    %7s\n", "  same, with a deadline and a cancel flag",
         (unsigned long long)call_wt, "", "");
  printf("  %-46s %8.2f ms %7.2f ms %7.2fx\n", "sieve of Eratosthenes below N (whole call)",
         (double)sieve_w / 1e6, (double)sieve_n / 1e6, (double)sieve_w / (double)sieve_n);
  printf("  %-46s %.*s primes below %s, fuel_consumed %s\n", "", (int)c.out_len,
         c.out ? (const char *)c.out : "", sn, fuel);
  printf("  %-46s %8.1f ms\n", "compile (cold cache: encode, wasm2c, gcc)",
         (double)compile_ns / 1e6);
  printf("  %-46s %8.3f ms\n", "prepare from the cache", (double)cached_ns / 1e6);
  if (jf) {
    fprintf(jf,
            "{\"benchmark\": \"wasm-call-100B\", \"executor\": \"wasm\", \"wasm_ns\": %llu, "
            "\"native_ns\": %llu, \"ratio\": %.3f, \"wasm_ns_with_deadline\": %llu}\n",
            (unsigned long long)call_w, (unsigned long long)call_n, (double)call_w / (double)call_n,
            (unsigned long long)call_wt);
    fprintf(jf,
            "{\"benchmark\": \"wasm-sieve-%s\", \"executor\": \"wasm\", \"wasm_ns\": %llu, "
            "\"native_ns\": %llu, \"ratio\": %.3f, \"fuel_consumed\": %s}\n",
            sn, (unsigned long long)sieve_w, (unsigned long long)sieve_n,
            (double)sieve_w / (double)sieve_n, fuel);
    fprintf(jf,
            "{\"benchmark\": \"wasm-compile\", \"executor\": \"wasm\", \"compile_ms\": %.1f, "
            "\"cached_prepare_ms\": %.3f}\n",
            (double)compile_ns / 1e6, (double)cached_ns / 1e6);
    fclose(jf);
  }
  dw_call_clear(&c);
  dw_wasm_module_free(mu);
  dw_wasm_module_free(ms);
  dw_arena_free(&ou.spec.arena);
  dw_arena_free(&os.spec.arena);
  return 0;
}
