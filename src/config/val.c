/* config/val: reading dw_val trees — key lookup and the tag-agnostic scalar
 * classification the loader uses (YAML 1.2 core schema spellings). */
#include <string.h>

#include "config/internal.h"

const dw_val *dw_val_get(const dw_val *v, const char *key) {
  if (!v || v->kind != DW_VAL_MAP || !key) return NULL;
  for (uint32_t i = 0; i < v->n; i++)
    if (strcmp(v->keys[i], key) == 0) return &v->items[i];
  return NULL;
}

static bool eq(const char *s, size_t len, const char *lit) {
  size_t n = strlen(lit);
  return len == n && memcmp(s, lit, n) == 0;
}

bool dw_cfg_is_null_text(const char *s, size_t len) {
  return len == 0 || eq(s, len, "~") || eq(s, len, "null") || eq(s, len, "Null") ||
         eq(s, len, "NULL");
}

bool dw_cfg_is_bool(const dw_val *v) {
  if (!v || v->kind != DW_VAL_SCALAR || v->quoted) return false;
  const char *s = v->str;
  size_t n = v->len;
  return eq(s, n, "true") || eq(s, n, "True") || eq(s, n, "TRUE") || eq(s, n, "false") ||
         eq(s, n, "False") || eq(s, n, "FALSE");
}
