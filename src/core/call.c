/* core/call: see call.h; the public dw_call_* accessors. */
#include "core/call.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dw_call_clear(dw_call *c) {
  free(c->out);
  c->out = NULL;
  c->out_len = c->out_cap = 0;
  c->has_out = false;
  for (size_t i = 0; i < c->md_n; i++) {
    free((char *)c->md[i].key);
    free((char *)c->md[i].value);
  }
  free(c->md);
  c->md = NULL;
  c->md_n = c->md_cap = 0;
  free(c->err_msg);
  c->err_msg = NULL;
  c->err_code = 0;
  c->oom = false;
  c->md_bytes = 0;
  c->over_budget = false;
}

/* Would the call's output of out_len bytes and metadata pass the run's
 * budget? Then it is over: the attempt fails (exec/run.c says why). */
static bool over_budget(dw_call *c, size_t out_len) {
  if (!c->budget || c->over_budget) return c->over_budget;
  uint64_t more = (uint64_t)out_len + c->md_bytes;
  if (!dw_mem_budget_passed(c->budget, more)) return false;
  c->over_budget = c->oom = true; /* (oom: the attempt fails whatever the processor returns) */
  c->over_bytes = more;
  return true;
}

uint8_t *dw_call_take_output(dw_call *c, size_t *len) {
  uint8_t *p = c->out;
  *len = c->out_len;
  c->out = NULL;
  c->out_len = c->out_cap = 0;
  return p;
}

const uint8_t *dw_call_input(const dw_call *c, size_t *len) {
  if (len) *len = c->input_len;
  return c->input ? c->input : (const uint8_t *)"";
}

const char *dw_call_processor_id(const dw_call *c) { return c->processor_id; }
unsigned dw_call_attempt(const dw_call *c) { return c->attempt; }

int dw_call_cancelled(const dw_call *c) {
  return c->cancel ? atomic_load_explicit(c->cancel, memory_order_relaxed) != 0 : 0;
}

const char *dw_call_option(const dw_call *c, const char *key) {
  const dw_val *v = dw_val_get(c->options, key);
  return (v && v->kind == DW_VAL_SCALAR) ? v->str : NULL;
}

uint8_t *dw_call_output_buffer(dw_call *c, size_t len) {
  if (len > c->out_cap || !c->out) {
    if (over_budget(c, len)) return NULL;
    uint8_t *p = realloc(c->out, len ? len : 1);
    if (!p) {
      c->oom = true;
      return NULL;
    }
    c->out = p;
    c->out_cap = len ? len : 1;
  }
  c->out_len = len;
  c->has_out = true;
  return c->out;
}

void dw_call_set_output_len(dw_call *c, size_t len) {
  if (len <= c->out_cap) c->out_len = len;
}

int dw_call_set_output(dw_call *c, const void *data, size_t len) {
  uint8_t *p = dw_call_output_buffer(c, len);
  if (!p) return -1;
  if (len) memcpy(p, data, len);
  return 0;
}

int dw_call_add_metadata(dw_call *c, const char *key, const char *value) {
  if (c->md_n == c->md_cap) {
    size_t nc = c->md_cap ? c->md_cap * 2 : 8;
    dw_kv *n = realloc(c->md, nc * sizeof *n);
    if (!n) return c->oom = true, -1;
    c->md = n;
    c->md_cap = nc;
  }
  size_t kl = strlen(key), vl = strlen(value);
  c->md_bytes += kl + vl + 2;
  if (over_budget(c, c->out_cap)) return -1;
  char *k = malloc(kl + 1), *v = malloc(vl + 1);
  if (!k || !v) {
    free(k);
    free(v);
    return c->oom = true, -1;
  }
  memcpy(k, key, kl + 1);
  memcpy(v, value, vl + 1);
  c->md[c->md_n].key = k;
  c->md[c->md_n].value = v;
  c->md_n++;
  return 0;
}

int dw_call_fail(dw_call *c, int code, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(c->err_msg);
  c->err_msg = strdup(buf);
  c->err_code = code ? code : 500;
  return -1;
}
