/* core/result: accessors and release of a run's result; the trace export. */
#include "core/result.h"

#include "core/pipeline.h"
#include "exec/state.h"

#include <stdbool.h>
#include <stdlib.h>

dw_run_status dw_result_status(const dw_result *r) { return r->status; }
dw_strategy dw_result_strategy(const dw_result *r) { return r->strategy; }
const char *dw_result_strategy_reason(const dw_result *r) { return r->strategy_reason; }
const char *dw_result_config(const dw_result *r) { return r->config; }
size_t dw_result_count(const dw_result *r) { return r->n; }
uint64_t dw_result_duration_us(const dw_result *r) { return r->duration_us; }
size_t dw_result_context_count(const dw_result *r) {
  (void)r;
  return 3;
}
const dw_kv *dw_result_context(const dw_result *r) { return r->ctx; }

const uint8_t *dw_result_output(const dw_result *r, size_t *len) {
  if (len) *len = r->output ? r->output->len : 0;
  return r->output ? r->output->data : (const uint8_t *)"";
}

/* Fill the per-processor reports from the run's states (once, on first
 * use; results may be read from several threads). */
static const dw_proc_report *reports(const dw_result *cr) {
  dw_result *r = (dw_result *)cr; /* the reports are a cache, not the value */
  if (atomic_load_explicit(&r->reports_ready, memory_order_acquire)) return r->procs;
  pthread_mutex_lock(&r->reports_mu);
  if (!atomic_load_explicit(&r->reports_ready, memory_order_relaxed)) {
    const dw_plan_node *nodes = r->pipeline->nodes;
    for (size_t x = 0; x < r->n; x++) {
      const node_state *s = &r->ns[x];
      dw_proc_report *pr = &r->procs[x];
      bool ok = s->status == DW_PROC_SUCCEEDED;
      pr->id = nodes[x].id;
      pr->status = (dw_proc_status)s->status;
      pr->intent = nodes[x].intent;
      pr->attempts = s->attempts;
      pr->duration_us = dw_ticks_to_ns(r->rate, s->dur_ns) / 1000;
      pr->start_ns = dw_ticks_to_ns(r->rate, s->start_ns);
      pr->thread = s->thread;
      pr->reason = !ok ? s->reason : NULL;
      pr->error_code = 0;
      pr->error_message = NULL;
      if (s->status == DW_PROC_FAILED) {
        pr->error_code = s->err_code ? s->err_code : 500;
        pr->error_message = s->err_msg ? s->err_msg : s->reason ? s->reason : "failed";
      }
      /* (released: DW_KEEP_RUN_OUTPUT let it go during the run, exec/run.c) */
      bool kept = ok && !s->released;
      pr->output = kept ? (s->out ? s->out->data : (const uint8_t *)"") : NULL;
      pr->output_len = kept && s->out ? s->out->len : 0;
      pr->output_released = ok && s->released;
      pr->metadata = ok ? s->md : NULL;
      pr->metadata_count = ok ? s->md_n : 0;
    }
    atomic_store_explicit(&r->reports_ready, true, memory_order_release);
  }
  pthread_mutex_unlock(&r->reports_mu);
  return r->procs;
}

const dw_proc_report *dw_result_processor(const dw_result *r, size_t rank) {
  return rank < r->n ? &reports(r)[rank] : NULL;
}

void dw_result_free(dw_result *r) {
  if (!r) return;
  dw_result_release_states(r); /* arrays go back to the pipeline for reuse */
  dw_payload_unref(r->input);
  dw_payload_unref(r->output);
  dw_pipeline_unref(r->pipeline);
  dw_arena_free(&r->arena);
  pthread_mutex_destroy(&r->reports_mu);
  free(r);
}

static void json_string(FILE *out, const char *s) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(out, "\\%c", *p);
    else if (*p < 0x20)
      fprintf(out, "\\u%04x", *p);
    else
      fputc(*p, out);
  }
  fputc('"', out);
}

int dw_result_write_trace(const dw_result *r, FILE *out) {
  fputs("{\"traceEvents\":[\n", out);
  fprintf(out, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":");
  json_string(out, r->config ? r->config : "dagwood");
  fputs("}}", out);
  const dw_proc_report *procs = reports(r);
  for (size_t i = 0; i < r->n; i++) {
    const dw_proc_report *p = &procs[i];
    if (p->attempts == 0) continue;
    fputs(",\n{\"name\":", out);
    json_string(out, p->id);
    fprintf(out,
            ",\"cat\":\"%s\",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":%.3f,\"dur\":%llu,"
            "\"args\":{\"status\":\"%s\",\"attempts\":%u}}",
            dw_intent_name(p->intent), p->thread, (double)p->start_ns / 1000.0,
            (unsigned long long)p->duration_us, dw_proc_status_name(p->status), p->attempts);
  }
  fputs("\n],\"displayTimeUnit\":\"ms\"}\n", out);
  return ferror(out) ? -1 : 0;
}
