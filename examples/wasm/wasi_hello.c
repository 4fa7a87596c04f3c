/* examples/wasm/wasi_hello: a wasi-libc reactor (malloc, printf) for
 * dagwood's C-style ABI. It greets its input — "world" -> "Hello, world!" —
 * and logs a line to stdout, which dagwood captures into its log. Needs the
 * capability `stdout` (options.capabilities: [stdout]). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((export_name("allocate"))) void *allocate(int n) { return malloc(n ? (size_t)n : 1); }
__attribute__((export_name("deallocate"))) void deallocate(void *p, int n) {
  (void)n;
  free(p);
}

__attribute__((export_name("process"))) char *process(const char *in, int len, int *out_len) {
  printf("wasi_hello: greeting %d bytes\n", len);
  size_t n = (size_t)len + 8;
  char *out = malloc(n + 1);
  if (!out) return 0;
  memcpy(out, "Hello, ", 7);
  memcpy(out + 7, in, (size_t)len);
  out[7 + len] = '!';
  *out_len = (int)n;
  return out;
}
