/* core/call: the state behind the public dw_call — one attempt of one
 * processor. Built-ins, registered C callbacks and the WebAssembly backend
 * all read their input and write their outcome through it. */
#ifndef DW_CORE_CALL_H
#define DW_CORE_CALL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>

#include "config/spec.h"
#include "dagwood/dagwood.h"

struct dw_call {
  const char *processor_id;
  const uint8_t *input;
  size_t input_len;
  const dw_val *options; /* map or NULL */
  unsigned attempt;
  const atomic_int *cancel; /* non-zero: stop (timeout, fail_fast, cancel) */
  uint64_t deadline_ns;     /* CLOCK_MONOTONIC deadline of this attempt; 0: none */
  /* outcome */
  uint8_t *out;
  size_t out_len, out_cap;
  bool has_out;
  dw_kv *md; /* keys and values are malloc'd */
  size_t md_n, md_cap;
  int err_code; /* 0: no error recorded */
  char *err_msg;
  bool oom;
};

/* Inline: it is on every processor's path. Field by field, not memset:
 * gcc turns a clear of this size into `rep stos`, whose start-up cost was
 * a tenth of a no-op processor's scheduling. */
static inline void dw_call_init(dw_call *c, const char *id, const uint8_t *in, size_t len,
                                const dw_val *options) {
  c->processor_id = id;
  c->input = in;
  c->input_len = len;
  c->options = options;
  c->attempt = 1;
  c->cancel = NULL;
  c->deadline_ns = 0;
  c->out = NULL;
  c->out_len = c->out_cap = 0;
  c->has_out = false;
  c->md = NULL;
  c->md_n = c->md_cap = 0;
  c->err_code = 0;
  c->err_msg = NULL;
  c->oom = false;
}

/* Free the outcome (output, metadata, error). */
void dw_call_clear(dw_call *c);
/* Hand the output buffer over to the caller (who frees it); the call forgets it. */
uint8_t *dw_call_take_output(dw_call *c, size_t *len);

#endif
