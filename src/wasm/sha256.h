/* wasm/sha256: SHA-256, for the compile cache's content keys and for
 * verifying cached shared objects before they are loaded. */
#ifndef DW_WASM_SHA256_H
#define DW_WASM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct dw_sha256 {
  uint32_t h[8];
  uint64_t len;
  uint8_t buf[64];
  size_t n;
} dw_sha256;

void dw_sha256_init(dw_sha256 *s);
void dw_sha256_update(dw_sha256 *s, const void *data, size_t len);
void dw_sha256_final(dw_sha256 *s, uint8_t out[32]);
/* 64 lowercase hex digits + NUL. */
void dw_sha256_hex(const uint8_t d[32], char out[65]);

#endif
