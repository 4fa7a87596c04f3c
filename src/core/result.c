/* core/result: accessors and release of a run's result; the trace export. */
#include "core/result.h"

#include "core/pipeline.h"
#include "exec/state.h"

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

const dw_proc_report *dw_result_processor(const dw_result *r, size_t rank) {
  return rank < r->n ? &r->procs[rank] : NULL;
}

void dw_result_free(dw_result *r) {
  if (!r) return;
  dw_result_release_states(r); /* arrays go back to the pipeline for reuse */
  dw_payload_unref(r->input);
  dw_payload_unref(r->output);
  dw_pipeline_unref(r->pipeline);
  dw_arena_free(&r->arena);
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
  for (size_t i = 0; i < r->n; i++) {
    const dw_proc_report *p = &r->procs[i];
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
