/* tests/components/guests/outside: a preview1-adapter component (wasi-libc
 * reactor + `jco new --wasi-reactor`) that uses what components do NOT get
 * by default: it reads the file its input names (fopen: path_open,
 * fd_read, fd_prestat_get...), the environment (getenv: environ_get,
 * environ_sizes_get) and a socket (send: sock_send). dagwood must refuse it
 * at validation, naming each import and what to do. Its output, were it
 * run: $HOME, then the file's first 64 bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define EXPORT(name) __attribute__((export_name(name)))

EXPORT("cabi_realloc")
void *cabi_realloc(void *old, size_t old_size, size_t align, size_t new_size) {
  (void)old_size;
  if (new_size == 0) return (void *)align;
  void *p = realloc(old, new_size);
  if (!p) abort();
  return p;
}

static _Alignas(8) uint8_t ret[24];
static char *out;

EXPORT("dagwood:component/processing-node@1.0.0#process")
uint8_t *process(uint8_t *in, uint32_t len) {
  char path[256];
  snprintf(path, sizeof path, "%.*s", (int)len, (const char *)in);
  const char *home = getenv("HOME");
  out = malloc(512);
  if (!out) abort();
  int n = snprintf(out, 256, "%s:", home ? home : "");
  FILE *f = fopen(path, "r");
  if (f) {
    n += (int)fread(out + n, 1, 64, f);
    fclose(f);
  }
  send(3, out, (size_t)n, 0); /* a socket the host might have given it */
  memset(ret, 0, sizeof ret);
  uint32_t p = (uint32_t)(uintptr_t)out, l = (uint32_t)n;
  memcpy(ret + 8, &p, 4), memcpy(ret + 12, &l, 4);
  return ret;
}

EXPORT("cabi_post_dagwood:component/processing-node@1.0.0#process") void post_process(uint8_t *r) {
  (void)r;
  free(out);
  out = NULL;
}
