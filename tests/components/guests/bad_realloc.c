/* tests/components/guests/bad_realloc: a component whose cabi_realloc
 * returns a pointer outside its memory; the host must refuse to copy the
 * input there. */
#define CABI_OWN_REALLOC
#include "../../../examples/components/cabi.h"

EXPORT("cabi_realloc") void *cabi_realloc(void *old, size_t old_size, size_t align, size_t n) {
  (void)old, (void)old_size, (void)align, (void)n;
  return (void *)0xfffffff0u;
}

EXPORT(PROCESS_NAME) uint8_t *process(uint8_t *in, uint32_t len) { return ret_ok(in, len); }

CABI_POST_RETURN
