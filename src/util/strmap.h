/* util/strmap: an open-addressing hash map from borrowed C strings to
 * uint32 values (processor id -> index, built-in name -> definition). The map
 * does not own its keys: they must outlive it (arena strings do). */
#ifndef DW_UTIL_STRMAP_H
#define DW_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct dw_strmap_slot {
  const char *key; /* NULL: empty */
  uint32_t hash;   /* of the key, so probes and growth rarely touch the text */
  uint32_t val;
} dw_strmap_slot;

typedef struct dw_strmap {
  dw_strmap_slot *slots;
  size_t cap, n; /* cap is 0 or a power of two */
} dw_strmap;

void dw_strmap_init(dw_strmap *m);
void dw_strmap_free(dw_strmap *m);
/* Insert or find. Returns 1 if inserted, 0 if the key existed (*existing gets
 * its value if not NULL), -1 on allocation failure. */
int dw_strmap_put(dw_strmap *m, const char *key, uint32_t val, uint32_t *existing);
/* The same with the key's length known (len == strlen(key)). */
int dw_strmap_putn(dw_strmap *m, const char *key, size_t len, uint32_t val, uint32_t *existing);
/* Room for n keys without growing; -1 on allocation failure. */
int dw_strmap_reserve(dw_strmap *m, size_t n);
/* 1 and *val if found, else 0. */
int dw_strmap_get(const dw_strmap *m, const char *key, uint32_t *val);
int dw_strmap_getn(const dw_strmap *m, const char *key, size_t len, uint32_t *val);
/* Replace the value of a key, inserting if absent; -1 on allocation failure. */
int dw_strmap_set(dw_strmap *m, const char *key, uint32_t val);

uint64_t dw_hash_bytes(const void *data, size_t len);

#endif
