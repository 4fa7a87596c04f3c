/* exec/payload: an immutable, reference-counted byte buffer. A transform's
 * output is shared by every consumer and by the result; an analyzer passes
 * its input on by taking a reference, never a copy. */
#ifndef DW_EXEC_PAYLOAD_H
#define DW_EXEC_PAYLOAD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dw_payload {
  atomic_uint ref;
  size_t len;
  uint8_t *data; /* NUL-terminated for convenience, len excludes it */
} dw_payload;

/* Takes ownership of data (malloc'd, at least len + 1 bytes or NULL). */
dw_payload *dw_payload_adopt(uint8_t *data, size_t len);
dw_payload *dw_payload_copy(const void *data, size_t len);
dw_payload *dw_payload_ref(dw_payload *p);
void dw_payload_unref(dw_payload *p);
/* dw_payload_unref in two steps, so that the free can wait until a lock is
 * dropped: drop returns true when it took the last reference, and the
 * caller then frees p with dw_payload_free. */
bool dw_payload_drop(dw_payload *p);
void dw_payload_free(dw_payload *p);

#endif
