/* util/strmap: an open-addressing hash map from borrowed C strings to
 * uint32 values (processor id -> index, built-in name -> definition). The map
 * does not own its keys: they must outlive it (arena strings do). */
#ifndef DW_UTIL_STRMAP_H
#define DW_UTIL_STRMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct dw_strmap {
  const char **keys;
  uint32_t *vals;
  size_t cap, n; /* cap is 0 or a power of two */
} dw_strmap;

void dw_strmap_init(dw_strmap *m);
void dw_strmap_free(dw_strmap *m);
/* Insert or find. Returns 1 if inserted, 0 if the key existed (*existing gets
 * its value if not NULL), -1 on allocation failure. */
int dw_strmap_put(dw_strmap *m, const char *key, uint32_t val, uint32_t *existing);
/* 1 and *val if found, else 0. */
int dw_strmap_get(const dw_strmap *m, const char *key, uint32_t *val);
/* Replace the value of a key, inserting if absent; -1 on allocation failure. */
int dw_strmap_set(dw_strmap *m, const char *key, uint32_t val);

uint64_t dw_hash_bytes(const void *data, size_t len);

#endif
