/* proto/report: a run's result as processor.v1.RunReport (the envelope's
 * messages of PIPELINES section 8 plus dagwood's report messages). */
#include <stdlib.h>
#include <string.h>
#include <unistr.h>

#include "dagwood/dagwood.h"
#include "processor.pb-c.h"

static ProtobufCBinaryData bin(const uint8_t *p, size_t n) {
  return (ProtobufCBinaryData){n, (uint8_t *)p};
}

/* proto3 `string` fields must hold UTF-8 (strict decoders reject anything
 * else), but metadata and input_text are whatever the processors and the
 * caller gave. Text that is not UTF-8 is sent with each bad byte replaced by
 * U+FFFD; the exact bytes of payloads travel in `bytes` fields. The copies
 * are chained on *owned and freed after packing. */
typedef struct owned_str {
  struct owned_str *next;
  char s[];
} owned_str;

static const char *proto_text(const char *s, owned_str **owned) {
  const uint8_t *p = (const uint8_t *)s;
  size_t n = strlen(s), bad = 0;
  for (size_t i = 0; i < n;) {
    size_t l = p[i] < 0x80 ? 1 : u8_mblen(p + i, n - i);
    if ((int)l <= 0) l = 1, bad++;
    i += l;
  }
  if (!bad) return s;
  owned_str *o = malloc(sizeof *o + n + 2 * bad + 1);
  if (!o) return "";
  size_t j = 0;
  for (size_t i = 0; i < n;) {
    int l = p[i] < 0x80 ? 1 : u8_mblen(p + i, n - i);
    if (l <= 0) {
      memcpy(o->s + j, "\xEF\xBF\xBD", 3);
      j += 3;
      i++;
    } else {
      memcpy(o->s + j, p + i, (size_t)l);
      j += (size_t)l;
      i += (size_t)l;
    }
  }
  o->s[j] = 0;
  o->next = *owned;
  *owned = o;
  return o->s;
}

int dw_result_to_protobuf(const dw_result *r, uint8_t **buf, size_t *len) {
  size_t n = dw_result_count(r);
  int rc = -1;
  Processor__V1__RunReport rep = PROCESSOR__V1__RUN_REPORT__INIT;
  Processor__V1__PipelineMetadata meta = PROCESSOR__V1__PIPELINE_METADATA__INIT;
  Processor__V1__ProcessorReport *procs = calloc(n ? n : 1, sizeof *procs);
  Processor__V1__ProcessorReport **pp = calloc(n ? n : 1, sizeof *pp);
  Processor__V1__ErrorDetail *errs = calloc(n ? n : 1, sizeof *errs);
  /* metadata: one entry per processor with metadata, plus initial_context */
  Processor__V1__PipelineMetadata__MetadataEntry *ents = calloc(n + 1, sizeof *ents);
  Processor__V1__PipelineMetadata__MetadataEntry **ep = calloc(n + 1, sizeof *ep);
  Processor__V1__ProcessorMetadata *pms = calloc(n + 1, sizeof *pms);
  owned_str *owned = NULL;
  size_t nkv = dw_result_context_count(r);
  for (size_t i = 0; i < n; i++) nkv += dw_result_processor(r, i)->metadata_count;
  Processor__V1__ProcessorMetadata__MetadataEntry *kvs = calloc(nkv ? nkv : 1, sizeof *kvs);
  Processor__V1__ProcessorMetadata__MetadataEntry **kp = calloc(nkv ? nkv : 1, sizeof *kp);
  if (!procs || !pp || !errs || !ents || !ep || !pms || !kvs || !kp) goto out;

  size_t out_len;
  const uint8_t *out = dw_result_output(r, &out_len);
  rep.config = (char *)proto_text(dw_result_config(r) ? dw_result_config(r) : "", &owned);
  rep.strategy = (char *)dw_strategy_name(dw_result_strategy(r));
  rep.status = (char *)dw_run_status_name(dw_result_status(r));
  rep.output = bin(out, out_len);
  rep.duration_us = dw_result_duration_us(r);
  rep.strategy_reason = (char *)(dw_result_strategy_reason(r) ? dw_result_strategy_reason(r) : "");
  size_t ne = 0, kvi = 0;
  /* initial_context first */
  {
    const dw_kv *ctx = dw_result_context(r);
    processor__v1__processor_metadata__init(&pms[ne]);
    pms[ne].metadata = &kp[kvi];
    for (size_t k = 0; k < dw_result_context_count(r); k++, kvi++) {
      processor__v1__processor_metadata__metadata_entry__init(&kvs[kvi]);
      kvs[kvi].key = (char *)ctx[k].key;
      kvs[kvi].value = (char *)proto_text(ctx[k].value, &owned);
      kp[kvi] = &kvs[kvi];
      pms[ne].n_metadata++;
    }
    processor__v1__pipeline_metadata__metadata_entry__init(&ents[ne]);
    ents[ne].key = "initial_context";
    ents[ne].value = &pms[ne];
    ep[ne] = &ents[ne];
    ne++;
  }
  for (size_t i = 0; i < n; i++) {
    const dw_proc_report *p = dw_result_processor(r, i);
    Processor__V1__ProcessorReport *pr = &procs[i];
    processor__v1__processor_report__init(pr);
    pr->id = (char *)p->id;
    pr->status = (char *)dw_proc_status_name(p->status);
    pr->intent = (char *)dw_intent_name(p->intent);
    pr->has_output = p->output != NULL;
    pr->output_released = p->output_released != 0;
    pr->output = bin(p->output, p->output ? p->output_len : 0);
    pr->attempts = p->attempts;
    pr->duration_us = p->duration_us;
    if (p->error_code) {
      processor__v1__error_detail__init(&errs[i]);
      errs[i].code = p->error_code;
      errs[i].message = (char *)proto_text(p->error_message ? p->error_message : "", &owned);
      pr->error = &errs[i];
    }
    pp[i] = pr;
    if (p->metadata_count) {
      processor__v1__processor_metadata__init(&pms[ne]);
      pms[ne].metadata = &kp[kvi];
      for (size_t k = 0; k < p->metadata_count; k++, kvi++) {
        processor__v1__processor_metadata__metadata_entry__init(&kvs[kvi]);
        kvs[kvi].key = (char *)proto_text(p->metadata[k].key, &owned);
        kvs[kvi].value = (char *)proto_text(p->metadata[k].value, &owned);
        kp[kvi] = &kvs[kvi];
        pms[ne].n_metadata++;
      }
      processor__v1__pipeline_metadata__metadata_entry__init(&ents[ne]);
      ents[ne].key = (char *)p->id;
      ents[ne].value = &pms[ne];
      ep[ne] = &ents[ne];
      ne++;
    }
  }
  rep.n_processors = n;
  rep.processors = pp;
  meta.n_metadata = ne;
  meta.metadata = ep;
  rep.metadata = &meta;
  *len = processor__v1__run_report__get_packed_size(&rep);
  *buf = malloc(*len ? *len : 1);
  if (!*buf) goto out;
  processor__v1__run_report__pack(&rep, *buf);
  rc = 0;
out:
  while (owned) {
    owned_str *next = owned->next;
    free(owned);
    owned = next;
  }
  free(procs);
  free(pp);
  free(errs);
  free(ents);
  free(ep);
  free(pms);
  free(kvs);
  free(kp);
  return rc;
}
