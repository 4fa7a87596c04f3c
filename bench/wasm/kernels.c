/* bench/wasm/kernels: the two workloads of the WebAssembly benchmark, as
 * plain C compiled twice — natively into bench_wasm and to wasm32 as a
 * C-style module (-DDW_GUEST), so both sides run the very same code:
 *   upper: upper-case ASCII letters of the input (the 100-byte whole call);
 *   sieve: count the primes below N (N is the input, in decimal), output the
 *          count in decimal (the compute kernel). */
#include <stddef.h>
#include <stdint.h>

#ifdef DW_GUEST
#define EXPORT(name) __attribute__((export_name(name)))
extern unsigned char __heap_base;
static uintptr_t heap_top;

static void *kalloc(size_t n) {
  if (!heap_top) heap_top = (uintptr_t)&__heap_base;
  uintptr_t p = (heap_top + 7) & ~(uintptr_t)7, end = p + n;
  size_t have = __builtin_wasm_memory_size(0) * 65536;
  if (end > have && __builtin_wasm_memory_grow(0, (end - have + 65535) / 65536) == (size_t)-1)
    return 0;
  heap_top = end;
  return (void *)p;
}

EXPORT("allocate") void *allocate(int32_t n) { return kalloc((size_t)n); }
EXPORT("deallocate") void deallocate(void *p, int32_t n) { (void)p, (void)n; }
#define KERNEL(name) EXPORT("process") uint8_t *process
#else
#include <stdlib.h>
static void *kalloc(size_t n) { return malloc(n ? n : 1); }
#define KERNEL(name) uint8_t *name
#endif

#if defined(DW_GUEST_UPPER) || !defined(DW_GUEST)
KERNEL(native_upper)(const uint8_t *in, int32_t len, int32_t *out_len) {
  uint8_t *out = kalloc((size_t)len);
  if (!out) return 0;
  for (int32_t i = 0; i < len; i++) {
    uint8_t c = in[i];
    out[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - 32) : c;
  }
  *out_len = len;
  return out;
}
#endif

#if defined(DW_GUEST_SIEVE) || !defined(DW_GUEST)
KERNEL(native_sieve)(const uint8_t *in, int32_t len, int32_t *out_len) {
  uint32_t n = 0;
  for (int32_t i = 0; i < len && in[i] >= '0' && in[i] <= '9'; i++) n = n * 10 + (in[i] - '0');
  uint8_t *composite = kalloc(n + 1);
  uint8_t *out = kalloc(16);
  if (!composite || !out) return 0;
  for (uint32_t i = 0; i <= n; i++) composite[i] = 0;
  uint32_t count = 0;
  for (uint32_t i = 2; i < n; i++) {
    if (composite[i]) continue;
    count++;
    for (uint64_t j = (uint64_t)i * i; j < n; j += i) composite[j] = 1;
  }
  int k = 0;
  char d[12];
  do d[k++] = (char)('0' + count % 10), count /= 10;
  while (count);
  for (int i = 0; i < k; i++) out[i] = (uint8_t)d[k - 1 - i];
  *out_len = k;
#ifndef DW_GUEST
  free(composite);
#endif
  return out;
}
#endif
