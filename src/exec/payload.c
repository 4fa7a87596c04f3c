/* exec/payload: see payload.h. */
#include "exec/payload.h"

#include <stdlib.h>
#include <string.h>

dw_payload *dw_payload_adopt(uint8_t *data, size_t len) {
  dw_payload *p = malloc(sizeof *p);
  if (!p) {
    free(data); /* ownership was taken either way */
    return NULL;
  }
  if (!data || len == SIZE_MAX) {
    free(data);
    data = NULL;
  } else {
    uint8_t *d = realloc(data, len + 1); /* room for the terminator */
    if (!d) {
      free(data);
      free(p);
      return NULL;
    }
    data = d;
  }
  if (!data) {
    data = malloc(1);
    if (!data) {
      free(p);
      return NULL;
    }
    len = 0;
  }
  data[len] = 0;
  atomic_init(&p->ref, 1);
  p->len = len;
  p->data = data;
  return p;
}

dw_payload *dw_payload_copy(const void *data, size_t len) {
  if (len == SIZE_MAX) return NULL;
  uint8_t *d = malloc(len + 1);
  if (!d) return NULL;
  if (len) memcpy(d, data, len);
  return dw_payload_adopt(d, len);
}

dw_payload *dw_payload_ref(dw_payload *p) {
  if (p) atomic_fetch_add_explicit(&p->ref, 1, memory_order_relaxed);
  return p;
}

void dw_payload_free(dw_payload *p) {
  if (p) {
    free(p->data);
    free(p);
  }
}

bool dw_payload_drop(dw_payload *p) {
  return p && atomic_fetch_sub_explicit(&p->ref, 1, memory_order_acq_rel) == 1;
}

void dw_payload_unref(dw_payload *p) {
  if (dw_payload_drop(p)) dw_payload_free(p);
}
