/* tests/fuzz/fuzz_run: what the command line does with its input — run a
 * small fixed pipeline on arbitrary bytes and write the report in every
 * machine format (dw_result_to_json, dw_result_to_protobuf, the trace).
 * Byte 0 picks the pipeline, executor and concurrency, byte 1 whether the
 * run is cancelled at once; the rest is the run's input. Beside the eight
 * built-ins the pipelines use `hostile`, a native processor that turns its
 * input into an output, metadata keys and values, and failure messages of
 * arbitrary bytes. The reports must decode (JSON with jansson, protobuf with
 * protobuf-c) and say what the result says: the same processors, statuses,
 * outputs (base64 beside a null when not UTF-8) and metadata. */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dagwood/dagwood.h"
#include "fuzz.h"
#include "processor.pb-c.h"

static dw_engine *engine;
static dw_pipeline *pipes[3];

/* Input bytes -> output, metadata and failures, all of arbitrary bytes. */
static int hostile(dw_call *c, void *user) {
  (void)user;
  size_t n;
  const uint8_t *in = dw_call_input(c, &n);
  char key[17], val[65];
  size_t kl = n < 16 ? n : 16, vl = n < 64 ? n : 64;
  memcpy(key, in, kl), key[kl] = 0;
  memcpy(val, in + n - vl, vl), val[vl] = 0;
  if (dw_call_add_metadata(c, "length", n % 2 ? "odd" : "even") != 0) return -1;
  if (key[0] && strcmp(key, "length") != 0 && dw_call_add_metadata(c, key, val) != 0) return -1;
  if (n && in[0] == '!') return dw_call_fail(c, (int)(n % 700) - 100, "%s", val);
  if (n > 1 && in[1] == '!' && dw_call_attempt(c) == 1) return dw_call_fail(c, 503, "retry me");
  uint8_t *out = dw_call_output_buffer(c, n + 2);
  if (!out) return -1;
  out[0] = 0xff; /* never valid UTF-8 */
  for (size_t i = 0; i < n; i++) out[i + 1] = in[n - 1 - i];
  out[n + 1] = 0;
  dw_call_set_output_len(c, n % 3 ? n + 2 : n + 1);
  return 0;
}

static const char *const yaml[3] = {
    /* a chain, fail_fast */
    "processors:\n"
    "  - {id: up, type: local, processor: change_text_case_upper}\n"
    "  - {id: rev, type: local, processor: reverse_text, depends_on: [up]}\n"
    "  - {id: frame, type: local, processor: prefix_suffix_adder, depends_on: [rev]}\n",
    /* every built-in and the hostile processor, continue_on_error */
    "failure_strategy: continue_on_error\n"
    "processors:\n"
    "  - {id: low, type: local, processor: change_text_case_lower}\n"
    "  - {id: count, type: local, processor: token_counter, depends_on: [low]}\n"
    "  - {id: freq, type: local, processor: word_frequency_analyzer}\n"
    "  - {id: proper, type: local, processor: change_text_case_proper, depends_on: [low]}\n"
    "  - {id: title, type: local, processor: change_text_case_title, depends_on: [freq]}\n"
    "  - {id: h, type: local, processor: hostile}\n"
    "  - {id: h2, type: local, processor: hostile, depends_on: [h, proper], input_from: h}\n"
    "  - id: join\n    type: local\n    processor: prefix_suffix_adder\n"
    "    depends_on: [count, title, h2]\n    options: {prefix: \"\\u00ab\", suffix: \"\\0\"}\n",
    /* best_effort with retries */
    "failure_strategy: best_effort\n"
    "executor_options: {retry_attempts: 1}\n"
    "processors:\n"
    "  - {id: h, type: local, processor: hostile}\n"
    "  - {id: up, type: local, processor: change_text_case_upper}\n"
    "  - {id: rev, type: local, processor: reverse_text, depends_on: [h, up]}\n"
    "  - {id: h3, type: local, processor: hostile, depends_on: [rev], intent: analyze}\n"};

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  dw_engine_options o = {4, "/nonexistent/dw-fuzz-cache"};
  engine = dw_engine_new(&o);
  if (!engine) abort();
  dw_processor_def def = {"hostile", DW_INTENT_TRANSFORM, hostile, NULL, "fuzz", NULL};
  if (dw_engine_register(engine, &def) != 0) abort();
  for (int i = 0; i < 3; i++) {
    dw_diags *d = NULL;
    pipes[i] = dw_pipeline_load_string(engine, "fuzz.yaml", yaml[i], strlen(yaml[i]), NULL, &d);
    if (!pipes[i]) {
      for (size_t k = 0; k < dw_diags_count(d); k++) {
        char buf[2048];
        dw_diag_format(dw_diags_get(d, k), buf, sizeof buf);
        fprintf(stderr, "%s\n", buf);
      }
      abort();
    }
    dw_diags_free(d);
  }
  return 0;
}

/* --------------------------------------------------------- decoding */

static bool is_utf8(const uint8_t *s, size_t n) {
  json_t *j = json_stringn((const char *)s, n); /* jansson's own check */
  if (!j) return false;
  json_decref(j);
  return true;
}

static uint8_t *unbase64(const char *s, size_t *len) {
  size_t n = strlen(s), o = 0;
  uint8_t *out = malloc(n / 4 * 3 + 1);
  FUZZ_CHECK(out && n % 4 == 0, "base64 of length %zu", n);
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n && s[i] != '='; i++) {
    const char *p =
        strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", s[i]);
    FUZZ_CHECK(p && s[i], "base64 character %c", s[i]);
    acc = acc << 6 |
          (uint32_t)(p - "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
    bits += 6;
    if (bits >= 8) out[o++] = (uint8_t)(acc >> (bits -= 8));
  }
  *len = o;
  return out;
}

/* A payload as the JSON report writes it under key (PIPELINES 7). */
static void check_json_payload(const json_t *obj, const char *key, const uint8_t *p, size_t n,
                               const char *who) {
  const json_t *v = json_object_get(obj, key);
  FUZZ_CHECK(v != NULL, "%s: no %s", who, key);
  if (!p) {
    FUZZ_CHECK(json_is_null(v), "%s: %s should be null", who, key);
    return;
  }
  if (is_utf8(p, n)) {
    FUZZ_CHECK(
        json_is_string(v) && json_string_length(v) == n && memcmp(json_string_value(v), p, n) == 0,
        "%s: %s differs", who, key);
    return;
  }
  char k64[64];
  snprintf(k64, sizeof k64, "%s_base64", key);
  const json_t *b = json_object_get(obj, k64);
  FUZZ_CHECK(json_is_null(v) && json_is_string(b), "%s: non-UTF-8 %s without %s", who, key, k64);
  size_t dn;
  uint8_t *d = unbase64(json_string_value(b), &dn);
  FUZZ_CHECK(dn == n && memcmp(d, p, n) == 0, "%s: %s does not decode to the bytes", who, k64);
  free(d);
}

static void check_json_kv(const json_t *obj, const dw_kv *kv, size_t n, const char *who) {
  FUZZ_CHECK(json_is_object(obj), "%s: metadata is not an object", who);
  for (size_t k = 0; k < n; k++) {
    size_t kl = strlen(kv[k].key), vl = strlen(kv[k].value);
    if (!is_utf8((const uint8_t *)kv[k].key, kl)) continue; /* written as "base64:..." */
    /* a value that is not UTF-8 is null with KEY_base64 beside it, like payloads */
    check_json_payload(obj, kv[k].key, (const uint8_t *)kv[k].value, vl, who);
  }
}

static void check_json(const dw_result *r) {
  char *s = dw_result_to_json(r);
  FUZZ_CHECK(s != NULL, "no JSON report");
  FUZZ_CHECK(strchr(s, '\n') == NULL, "JSON report on more than one line");
  json_error_t err;
  json_t *root = json_loads(s, JSON_ALLOW_NUL, &err);
  FUZZ_CHECK(root != NULL, "JSON report does not parse: %s", err.text);
  size_t n;
  const uint8_t *out = dw_result_output(r, &n);
  check_json_payload(root, "output", out, n, "run");
  FUZZ_CHECK(!strcmp(json_string_value(json_object_get(root, "status")),
                     dw_run_status_name(dw_result_status(r))),
             "run status");
  const json_t *procs = json_object_get(root, "processors");
  const json_t *meta = json_object_get(root, "metadata");
  FUZZ_CHECK(json_array_size(procs) == dw_result_count(r), "processor count");
  check_json_kv(json_object_get(meta, "initial_context"), dw_result_context(r),
                dw_result_context_count(r), "initial_context");
  for (size_t i = 0; i < dw_result_count(r); i++) {
    const dw_proc_report *p = dw_result_processor(r, i);
    const json_t *o = json_array_get(procs, i);
    FUZZ_CHECK(!strcmp(json_string_value(json_object_get(o, "id")), p->id), "id %s", p->id);
    FUZZ_CHECK(
        !strcmp(json_string_value(json_object_get(o, "status")), dw_proc_status_name(p->status)),
        "status of %s", p->id);
    check_json_payload(o, "output", p->output, p->output_len, p->id);
    const json_t *e = json_object_get(o, "error");
    FUZZ_CHECK(p->error_code ? json_integer_value(json_object_get(e, "code")) == p->error_code
                             : json_is_null(e),
               "error of %s", p->id);
    if (p->status == DW_PROC_SUCCEEDED && p->metadata_count)
      check_json_kv(json_object_get(meta, p->id), p->metadata, p->metadata_count, p->id);
  }
  json_decref(root);
  free(s);
}

static bool same(const ProtobufCBinaryData *b, const uint8_t *p, size_t n) {
  return b->len == n && (n == 0 || memcmp(b->data, p, n) == 0);
}

static void check_protobuf(const dw_result *r) {
  uint8_t *buf = NULL;
  size_t len = 0;
  FUZZ_CHECK(dw_result_to_protobuf(r, &buf, &len) == 0, "no protobuf report");
  Processor__V1__RunReport *rep = processor__v1__run_report__unpack(NULL, len, buf);
  FUZZ_CHECK(rep != NULL, "protobuf report does not decode");
  size_t n;
  const uint8_t *out = dw_result_output(r, &n);
  FUZZ_CHECK(same(&rep->output, out, n), "protobuf output");
  FUZZ_CHECK(!strcmp(rep->status, dw_run_status_name(dw_result_status(r))), "protobuf status");
  FUZZ_CHECK(rep->n_processors == dw_result_count(r), "protobuf processor count");
  for (size_t i = 0; i < rep->n_processors; i++) {
    const dw_proc_report *p = dw_result_processor(r, i);
    const Processor__V1__ProcessorReport *q = rep->processors[i];
    FUZZ_CHECK(!strcmp(q->id, p->id) && !strcmp(q->status, dw_proc_status_name(p->status)),
               "protobuf processor %zu", i);
    FUZZ_CHECK(q->has_output == (p->output != NULL), "has_output of %s", p->id);
    if (p->output) FUZZ_CHECK(same(&q->output, p->output, p->output_len), "output of %s", p->id);
    FUZZ_CHECK(!p->error_code == !q->error, "error of %s", p->id);
  }
  /* every metadata entry is there, under its processor */
  size_t want = 1, got = rep->metadata ? rep->metadata->n_metadata : 0;
  for (size_t i = 0; i < dw_result_count(r); i++)
    want += dw_result_processor(r, i)->metadata_count > 0;
  FUZZ_CHECK(got == want, "protobuf metadata groups: %zu, expected %zu", got, want);
  processor__v1__run_report__free_unpacked(rep, NULL);
  free(buf);
}

static void check_trace(const dw_result *r) {
  char *s = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&s, &n);
  FUZZ_CHECK(f != NULL, "open_memstream");
  FUZZ_CHECK(dw_result_write_trace(r, f) == 0, "trace write");
  fclose(f);
  json_error_t err;
  json_t *t = json_loadb(s, n, 0, &err);
  FUZZ_CHECK(t != NULL, "trace is not JSON: %s", err.text);
  json_decref(t);
  free(s);
}

static void check_result(const dw_pipeline *p, const dw_result *r, bool cancelled) {
  size_t n = dw_result_count(r);
  FUZZ_CHECK(n == dw_pipeline_count(p), "%zu reports for %zu processors", n, dw_pipeline_count(p));
  bool all_ok = true;
  for (size_t i = 0; i < n; i++) {
    const dw_proc_report *pr = dw_result_processor(r, i);
    FUZZ_CHECK(!strcmp(pr->id, dw_pipeline_node(p, i)->id), "rank %zu", i);
    FUZZ_CHECK(pr->status <= DW_PROC_CANCELLED, "status %d", (int)pr->status);
    FUZZ_CHECK((pr->output != NULL) == (pr->status == DW_PROC_SUCCEEDED), "output of %s", pr->id);
    FUZZ_CHECK((pr->error_code != 0) == (pr->status == DW_PROC_FAILED), "error code of %s: %d",
               pr->id, pr->error_code);
    /* skipped and cancelled processors never ran, unless the run itself was
     * cancelled while they were running */
    FUZZ_CHECK(pr->status == DW_PROC_FAILED || pr->status == DW_PROC_SUCCEEDED ||
                   pr->attempts == 0 || (cancelled && pr->status == DW_PROC_CANCELLED),
               "%s %s after %u attempts", pr->id, dw_proc_status_name(pr->status), pr->attempts);
    all_ok = all_ok && pr->status == DW_PROC_SUCCEEDED;
  }
  /* a cancelled run is failed even when everything had finished (run.c) */
  bool ok_status = all_ok && !cancelled ? dw_result_status(r) == DW_RUN_SUCCEEDED
                   : all_ok             ? dw_result_status(r) != DW_RUN_PARTIAL
                                        : dw_result_status(r) != DW_RUN_SUCCEEDED;
  if (!ok_status)
    for (size_t i = 0; i < n; i++)
      fprintf(stderr, "  %s: %s, %u attempts\n", dw_result_processor(r, i)->id,
              dw_proc_status_name(dw_result_processor(r, i)->status),
              dw_result_processor(r, i)->attempts);
  FUZZ_CHECK(ok_status, "run status %s", dw_run_status_name(dw_result_status(r)));
  FUZZ_CHECK(cancelled || n == 0 || dw_result_status(r) != DW_RUN_FAILED ||
                 dw_pipeline_failure_strategy(p) == DW_FAILURE_FAIL_FAST,
             "failed run under %s", dw_failure_strategy_name(dw_pipeline_failure_strategy(p)));
  FUZZ_CHECK(dw_result_context_count(r) == 3, "initial_context");
  check_json(r);
  check_protobuf(r);
  check_trace(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!engine) LLVMFuzzerInitialize(NULL, NULL);
  uint8_t sel = size > 0 ? data[0] : 0, flags = size > 1 ? data[1] : 0;
  const uint8_t *in = size > 2 ? data + 2 : data + size;
  size_t len = size > 2 ? size - 2 : 0;
  const dw_pipeline *p = pipes[sel % 3];
  dw_run_options o;
  dw_run_options_init(&o);
  o.strategy = (sel >> 2) % 4;
  o.max_concurrency = 1 + (sel >> 4) % 4;
  o.retry_base_ms = 1;
  o.seed = 1;
  o.hostname = "fuzz-host";
  dw_result *r;
  bool cancel = flags == 'C';
  if (cancel) {
    dw_run *run = dw_run_start(engine, p, in, len, &o);
    FUZZ_CHECK(run != NULL, "run did not start");
    dw_run_cancel(run);
    r = dw_run_wait(run);
  } else {
    r = dw_pipeline_run(engine, p, in, len, &o);
  }
  FUZZ_CHECK(r != NULL, "no result");
  check_result(p, r, cancel);
  dw_result_free(r);
  return 0;
}
