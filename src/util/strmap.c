/* util/strmap: see strmap.h. FNV-1a with linear probing, load <= 1/2. */
#include "util/strmap.h"

#include <stdlib.h>
#include <string.h>

uint64_t dw_hash_bytes(const void *data, size_t len) {
  const unsigned char *p = data;
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 1099511628211ull;
  }
  return h ^ (h >> 29);
}

void dw_strmap_init(dw_strmap *m) { memset(m, 0, sizeof *m); }

void dw_strmap_free(dw_strmap *m) {
  free(m->keys);
  free(m->vals);
  memset(m, 0, sizeof *m);
}

static size_t slot_of(const dw_strmap *m, const char *key) {
  size_t mask = m->cap - 1;
  size_t i = (size_t)dw_hash_bytes(key, strlen(key)) & mask;
  while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & mask;
  return i;
}

static int grow(dw_strmap *m) {
  size_t nc = m->cap ? m->cap * 2 : 16;
  dw_strmap bigger = {calloc(nc, sizeof(char *)), calloc(nc, sizeof(uint32_t)), nc, 0};
  if (!bigger.keys || !bigger.vals) {
    free(bigger.keys);
    free(bigger.vals);
    return -1;
  }
  for (size_t i = 0; i < m->cap; i++)
    if (m->keys[i]) {
      size_t s = slot_of(&bigger, m->keys[i]);
      bigger.keys[s] = m->keys[i];
      bigger.vals[s] = m->vals[i];
      bigger.n++;
    }
  free(m->keys);
  free(m->vals);
  *m = bigger;
  return 0;
}

int dw_strmap_put(dw_strmap *m, const char *key, uint32_t val, uint32_t *existing) {
  if ((m->n + 1) * 2 > m->cap && grow(m) != 0) return -1;
  size_t s = slot_of(m, key);
  if (m->keys[s]) {
    if (existing) *existing = m->vals[s];
    return 0;
  }
  m->keys[s] = key;
  m->vals[s] = val;
  m->n++;
  return 1;
}

int dw_strmap_set(dw_strmap *m, const char *key, uint32_t val) {
  if ((m->n + 1) * 2 > m->cap && grow(m) != 0) return -1;
  size_t s = slot_of(m, key);
  if (!m->keys[s]) m->n++;
  m->keys[s] = key;
  m->vals[s] = val;
  return 0;
}

int dw_strmap_get(const dw_strmap *m, const char *key, uint32_t *val) {
  if (!m->cap) return 0;
  size_t s = slot_of(m, key);
  if (!m->keys[s]) return 0;
  if (val) *val = m->vals[s];
  return 1;
}
