/* obs/report_json: a run's result as the one-line JSON object of PIPELINES
 * section 7. Field names are a contract: add, never rename. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dagwood/dagwood.h"

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static json_t *base64(const uint8_t *p, size_t n) {
  size_t olen = (n + 2) / 3 * 4;
  char *o = malloc(olen + 1);
  if (!o) return NULL;
  size_t j = 0;
  for (size_t i = 0; i < n; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0) |
                 (i + 2 < n ? p[i + 2] : 0);
    o[j++] = B64[v >> 18 & 63];
    o[j++] = B64[v >> 12 & 63];
    o[j++] = i + 1 < n ? B64[v >> 6 & 63] : '=';
    o[j++] = i + 2 < n ? B64[v & 63] : '=';
  }
  json_t *s = json_stringn(o, j);
  free(o);
  return s;
}

/* Set key to the payload as a string, or to null plus key_base64 when the
 * bytes are not valid UTF-8 (jansson refuses those). */
static int set_payload(json_t *obj, const char *key, const uint8_t *p, size_t n) {
  json_t *s = p ? json_stringn((const char *)p, n) : json_null();
  if (s) return json_object_set_new(obj, key, s);
  size_t kl = strlen(key) + sizeof "_base64";
  char *k64 = malloc(kl);
  if (!k64) return -1;
  snprintf(k64, kl, "%s_base64", key);
  int rc =
      json_object_set_new(obj, key, json_null()) || json_object_set_new(obj, k64, base64(p, n));
  free(k64);
  return rc ? -1 : 0;
}

/* A metadata map. A value that is not valid UTF-8 becomes null with its
 * bytes in "KEY_base64" beside it, as payloads do; a key that is not valid
 * UTF-8 is written as "base64:" + its bytes in base64. */
static json_t *kv_object(const dw_kv *kv, size_t n) {
  json_t *o = json_object();
  for (size_t i = 0; o && i < n; i++) {
    const char *key = kv[i].key;
    char *alt = NULL;
    json_t *k = json_string(key);
    if (!k) {
      json_t *b = base64((const uint8_t *)key, strlen(key));
      const char *bs = b ? json_string_value(b) : "";
      size_t need = strlen(bs) + 8;
      alt = malloc(need);
      if (alt) snprintf(alt, need, "base64:%s", bs);
      json_decref(b);
      key = alt ? alt : "base64:";
    }
    json_decref(k);
    set_payload(o, key, (const uint8_t *)kv[i].value, strlen(kv[i].value));
    free(alt);
  }
  return o;
}

static json_t *report(const dw_result *r) {
  json_t *root = json_object();
  if (!root) return NULL;
  size_t out_len;
  const uint8_t *out = dw_result_output(r, &out_len);
  json_object_set_new(root, "config", json_string(dw_result_config(r)));
  json_object_set_new(root, "strategy", json_string(dw_strategy_name(dw_result_strategy(r))));
  if (dw_result_strategy_reason(r))
    json_object_set_new(root, "strategy_reason", json_string(dw_result_strategy_reason(r)));
  json_object_set_new(root, "status", json_string(dw_run_status_name(dw_result_status(r))));
  set_payload(root, "output", out, out_len);
  json_object_set_new(root, "duration_us", json_integer((json_int_t)dw_result_duration_us(r)));
  json_t *procs = json_array();
  json_t *meta = json_object();
  json_object_set_new(meta, "initial_context",
                      kv_object(dw_result_context(r), dw_result_context_count(r)));
  for (size_t i = 0; i < dw_result_count(r); i++) {
    const dw_proc_report *p = dw_result_processor(r, i);
    json_t *o = json_object();
    json_object_set_new(o, "id", json_string(p->id));
    json_object_set_new(o, "status", json_string(dw_proc_status_name(p->status)));
    json_object_set_new(o, "intent", json_string(dw_intent_name(p->intent)));
    set_payload(o, "output", p->output, p->output_len);
    /* a run asked for its output alone let this one go (PIPELINES 3.6) */
    if (p->output_released) json_object_set_new(o, "output_released", json_true());
    json_object_set_new(o, "attempts", json_integer(p->attempts));
    json_object_set_new(o, "duration_us", json_integer((json_int_t)p->duration_us));
    if (p->error_code) {
      json_t *e = json_object();
      json_object_set_new(e, "code", json_integer(p->error_code));
      json_t *m = json_string(p->error_message ? p->error_message : "");
      json_object_set_new(e, "message", m ? m : json_string("(message is not valid UTF-8)"));
      json_object_set_new(o, "error", e);
    } else {
      json_object_set_new(o, "error", json_null());
    }
    if (p->reason) json_object_set_new(o, "reason", json_string(p->reason));
    json_array_append_new(procs, o);
    if (p->status == DW_PROC_SUCCEEDED && p->metadata_count)
      json_object_set_new(meta, p->id, kv_object(p->metadata, p->metadata_count));
  }
  json_object_set_new(root, "processors", procs);
  json_object_set_new(root, "metadata", meta);
  return root;
}

char *dw_result_to_json(const dw_result *r) {
  json_t *root = report(r);
  char *s = root ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(root);
  return s;
}

/* Written as it is serialised: a report of large outputs costs their copy
 * in the tree, not a second one in a string that grows by doubling. */
int dw_result_write_json(const dw_result *r, FILE *f) {
  json_t *root = report(r);
  int rc =
      root && json_dumpf(root, f, JSON_COMPACT | JSON_PRESERVE_ORDER) == 0 && fputc('\n', f) != EOF
          ? 0
          : -1;
  json_decref(root);
  return rc;
}
