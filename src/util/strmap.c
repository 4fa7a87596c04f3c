/* util/strmap: see strmap.h. FNV-1a with linear probing, load <= 1/2. Each
 * slot keeps 32 bits of its key's hash: a probe compares those before the
 * text, and growing never hashes a key again. */
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

static uint32_t hash32(const char *key, size_t len) {
  uint64_t h = dw_hash_bytes(key, len);
  return (uint32_t)(h ^ (h >> 32));
}

void dw_strmap_init(dw_strmap *m) { memset(m, 0, sizeof *m); }

void dw_strmap_free(dw_strmap *m) {
  free(m->slots);
  memset(m, 0, sizeof *m);
}

/* A probe reads one 16-byte slot; the key's text only when the hashes agree. */
static size_t slot_of(const dw_strmap *m, const char *key, uint32_t h) {
  size_t mask = m->cap - 1;
  size_t i = h & mask;
  const dw_strmap_slot *s = m->slots;
  while (s[i].key && (s[i].hash != h || strcmp(s[i].key, key) != 0)) i = (i + 1) & mask;
  return i;
}

static int resize(dw_strmap *m, size_t nc) {
  dw_strmap_slot *ns = calloc(nc, sizeof *ns);
  if (!ns) return -1;
  size_t mask = nc - 1;
  for (size_t i = 0; i < m->cap; i++)
    if (m->slots[i].key) {
      size_t j = m->slots[i].hash & mask;
      while (ns[j].key) j = (j + 1) & mask;
      ns[j] = m->slots[i];
    }
  free(m->slots);
  m->slots = ns;
  m->cap = nc;
  return 0;
}

int dw_strmap_reserve(dw_strmap *m, size_t n) {
  size_t nc = m->cap ? m->cap : 16;
  while (nc / 2 < n) {
    if (nc > SIZE_MAX / 4 / sizeof(dw_strmap_slot)) return -1;
    nc *= 2;
  }
  return nc == m->cap ? 0 : resize(m, nc);
}

int dw_strmap_putn(dw_strmap *m, const char *key, size_t len, uint32_t val, uint32_t *existing) {
  if ((m->n + 1) * 2 > m->cap && resize(m, m->cap ? m->cap * 2 : 16) != 0) return -1;
  uint32_t h = hash32(key, len);
  dw_strmap_slot *s = &m->slots[slot_of(m, key, h)];
  if (s->key) {
    if (existing) *existing = s->val;
    return 0;
  }
  *s = (dw_strmap_slot){key, h, val};
  m->n++;
  return 1;
}

int dw_strmap_put(dw_strmap *m, const char *key, uint32_t val, uint32_t *existing) {
  return dw_strmap_putn(m, key, strlen(key), val, existing);
}

int dw_strmap_set(dw_strmap *m, const char *key, uint32_t val) {
  if ((m->n + 1) * 2 > m->cap && resize(m, m->cap ? m->cap * 2 : 16) != 0) return -1;
  uint32_t h = hash32(key, strlen(key));
  dw_strmap_slot *s = &m->slots[slot_of(m, key, h)];
  if (!s->key) m->n++;
  *s = (dw_strmap_slot){key, h, val};
  return 0;
}

int dw_strmap_getn(const dw_strmap *m, const char *key, size_t len, uint32_t *val) {
  if (!m->cap) return 0;
  const dw_strmap_slot *s = &m->slots[slot_of(m, key, hash32(key, len))];
  if (!s->key) return 0;
  if (val) *val = s->val;
  return 1;
}

int dw_strmap_get(const dw_strmap *m, const char *key, uint32_t *val) {
  return m->cap ? dw_strmap_getn(m, key, strlen(key), val) : 0;
}
