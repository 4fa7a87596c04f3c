/* examples/components/rle_wasi: the same run-length encoder on wasi-libc
 * (malloc, snprintf), built as a reactor and turned into a component with
 * `jco new --wasi-reactor` (the preview1 adapter), the shape cargo-component
 * gives Rust guests. Every byte must be ASCII; the error text comes from
 * snprintf; more than 1 MiB is input-too-large. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(name)))
#define MAX_INPUT (1u << 20)

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size, (void)align;
  if (new_size == 0) return (void *)align; /* never dereferenced, never freed */
  void *p = realloc(old, new_size);
  if (!p) abort();
  return p;
}

static _Alignas(8) uint8_t ret[24];
static void *owned[2];

static void put32(int at, uint32_t v) { memcpy(ret + at, &v, 4); }

EXPORT("dagwood:component/processing-node@1.0.0#process")
uint8_t *process(uint8_t *in, uint32_t len) {
  owned[0] = len ? in : NULL;
  memset(ret, 0, sizeof ret);
  if (len > MAX_INPUT) {
    uint64_t v = len;
    ret[0] = 1, ret[8] = 2;
    memcpy(ret + 16, &v, 8);
    return ret;
  }
  for (uint32_t i = 0; i < len; i++) {
    if (in[i] >= 0x80) {
      char *msg = malloc(96);
      if (!msg) abort();
      int n = snprintf(msg, 96, "input is not ASCII: byte %u at offset %u", in[i], i);
      owned[1] = msg;
      ret[0] = 1, ret[8] = 0;
      put32(16, (uint32_t)(uintptr_t)msg), put32(20, (uint32_t)n);
      return ret;
    }
  }
  char *out = malloc((size_t)len * 2 + 1);
  if (!out) abort();
  size_t n = 0;
  for (uint32_t i = 0; i < len;) {
    uint32_t k = 1;
    while (i + k < len && in[i + k] == in[i]) k++;
    n += (size_t)sprintf(out + n, "%u%c", k, in[i]);
    i += k;
  }
  owned[1] = out;
  put32(8, (uint32_t)(uintptr_t)out), put32(12, (uint32_t)n);
  return ret;
}

EXPORT("cabi_post_dagwood:component/processing-node@1.0.0#process") void post_process(uint8_t *r) {
  (void)r;
  free(owned[0]), free(owned[1]);
  owned[0] = owned[1] = NULL;
}
