/* wasm/canon: the canonical ABI of the world's one function,
 *   process: func(input: list<u8>) -> result<list<u8>, processing-error>
 * as seen from the host, on a plain view of the guest's linear memory (so it
 * is testable without a guest): the checks on what realloc returns, the
 * reading and checking of the 24-byte return area (alignment, bounds, tag,
 * case, list and string bounds, UTF-8), and the original's message for an
 * `err` result. Layout: tag u8 @0 (0 ok, 1 err); ok: ptr u32 @8, len u32
 * @12; err: case u8 @8 (0 invalid-input, 1 processing-failed, 2
 * input-too-large), string ptr @16 / len @20, or u64 @16. */
#ifndef DW_WASM_CANON_H
#define DW_WASM_CANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { DW_CANON_RET_SIZE = 24, DW_CANON_RET_ALIGN = 8 };

enum { DW_CANON_INVALID_INPUT = 0, DW_CANON_PROCESSING_FAILED = 1, DW_CANON_INPUT_TOO_LARGE = 2 };

typedef struct dw_canon_result {
  bool is_err;
  uint8_t err_case;  /* DW_CANON_*, when is_err */
  uint32_t ptr, len; /* ok: the list; err cases 0 and 1: the string */
  uint64_t value;    /* input-too-large */
} dw_canon_result;

/* realloc(0, 0, align, len) returned ptr: may the host write len bytes
 * there? 0, or -1 with what is wrong in why. */
int dw_canon_check_alloc(uint64_t mem_size, uint32_t ptr, uint32_t len, uint32_t align, char *why,
                         size_t whylen);

/* Read and check the return area at ret. 0, or -1 with what is wrong (a
 * trap of the canonical ABI) in why. */
int dw_canon_read_result(const uint8_t *mem, uint64_t mem_size, uint32_t ret, dw_canon_result *r,
                         char *why, size_t whylen);

/* The case's name in WIT ("invalid-input") and in the original's Rust
 * Debug form ("InvalidInput"). */
const char *dw_canon_case_name(uint8_t c);

/* The original's message for an err result, e.g.
 *   Component process() returned error: ProcessingError::InvalidInput("bad")
 * with the string quoted as Rust's Debug does. malloc'd; NULL when out of
 * memory. mem must hold the string (checked by dw_canon_read_result). */
char *dw_canon_error_message(const uint8_t *mem, const dw_canon_result *r);

/* HTTP-like status for an err case: 400 invalid-input, 500
 * processing-failed, 413 input-too-large. */
int dw_canon_error_code(uint8_t c);

bool dw_utf8_valid(const uint8_t *s, size_t n, size_t *bad_at);

#endif
