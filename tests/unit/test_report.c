/* Reports: the protobuf RunReport and the JSON report carry exactly what the
 * result holds (round trip through the real decoders: protobuf-c, jansson). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dagwood/dagwood.h"
#include "processor.pb-c.h"

static const char *PIPE =
    "strategy: reactive\n"
    "failure_strategy: continue_on_error\n"
    "processors:\n"
    "  - id: up\n    type: local\n    processor: change_text_case_upper\n"
    "  - id: count\n    type: local\n    processor: token_counter\n    depends_on: [up]\n"
    "  - id: rev\n    type: local\n    processor: reverse_text\n    depends_on: [count]\n";

static dw_result *run_on(dw_engine *e, const char *input, size_t len) {
  dw_pipeline *p = dw_pipeline_load_string(e, "r.yaml", PIPE, strlen(PIPE), NULL, NULL);
  assert_non_null(p);
  dw_run_options o;
  dw_run_options_init(&o);
  o.hostname = "testhost";
  dw_result *r = dw_pipeline_run(e, p, input, len, &o);
  dw_pipeline_free(p);
  assert_non_null(r);
  return r;
}

static const char *md_get(Processor__V1__PipelineMetadata *m, const char *id, const char *key) {
  for (size_t i = 0; i < m->n_metadata; i++)
    if (!strcmp(m->metadata[i]->key, id))
      for (size_t k = 0; k < m->metadata[i]->value->n_metadata; k++)
        if (!strcmp(m->metadata[i]->value->metadata[k]->key, key))
          return m->metadata[i]->value->metadata[k]->value;
  return NULL;
}

static void test_protobuf_round_trip(void **state) {
  (void)state;
  dw_engine *e = dw_engine_new(NULL);
  dw_result *r = run_on(e, "ab c", 4);
  uint8_t *buf;
  size_t len;
  assert_int_equal(dw_result_to_protobuf(r, &buf, &len), 0);
  Processor__V1__RunReport *rep = processor__v1__run_report__unpack(NULL, len, buf);
  assert_non_null(rep);
  assert_string_equal(rep->config, "r.yaml");
  assert_string_equal(rep->strategy, "reactive");
  assert_string_equal(rep->status, "succeeded");
  assert_int_equal(rep->output.len, 4);
  assert_memory_equal(rep->output.data, "C BA", 4);
  assert_int_equal(rep->n_processors, 3);
  assert_string_equal(rep->processors[0]->id, "up");
  assert_memory_equal(rep->processors[0]->output.data, "AB C", 4);
  assert_string_equal(rep->processors[1]->intent, "analyze");
  assert_int_equal(rep->processors[2]->attempts, 1);
  assert_null(rep->processors[2]->error);
  assert_string_equal(md_get(rep->metadata, "count", "word_count"), "2");
  assert_string_equal(md_get(rep->metadata, "count", "char_count"), "4");
  assert_string_equal(md_get(rep->metadata, "initial_context", "hostname"), "testhost");
  assert_string_equal(md_get(rep->metadata, "initial_context", "input_text"), "ab c");
  processor__v1__run_report__free_unpacked(rep, NULL);
  free(buf);
  dw_result_free(r);

  /* a failure carries its error detail */
  r = run_on(e, "a\xff", 2);
  assert_int_equal(dw_result_to_protobuf(r, &buf, &len), 0);
  rep = processor__v1__run_report__unpack(NULL, len, buf);
  assert_non_null(rep);
  assert_string_equal(rep->status, "partial");
  assert_non_null(rep->processors[0]->error);
  assert_int_equal(rep->processors[0]->error->code, 400);
  assert_string_equal(rep->processors[1]->status, "skipped");
  assert_false(rep->processors[1]->has_output);
  /* proto3 strings must be UTF-8: the bad byte of input_text is U+FFFD */
  assert_string_equal(md_get(rep->metadata, "initial_context", "input_text"), "a\xEF\xBF\xBD");
  processor__v1__run_report__free_unpacked(rep, NULL);
  free(buf);
  dw_result_free(r);
  dw_engine_free(e);
}

static void test_envelope_field_numbers(void **state) {
  (void)state;
  /* ProcessorResponse{next_payload = "x"}: field 1, wire type 2, length 1 */
  Processor__V1__ProcessorResponse resp = PROCESSOR__V1__PROCESSOR_RESPONSE__INIT;
  resp.outcome_case = PROCESSOR__V1__PROCESSOR_RESPONSE__OUTCOME_NEXT_PAYLOAD;
  resp.next_payload = (ProtobufCBinaryData){1, (uint8_t *)"x"};
  uint8_t out[16];
  size_t n = processor__v1__processor_response__pack(&resp, out);
  assert_int_equal(n, 3);
  assert_memory_equal(out, "\x0a\x01x", 3);
  /* ErrorDetail inside the oneof is field 2 */
  Processor__V1__ErrorDetail err = PROCESSOR__V1__ERROR_DETAIL__INIT;
  err.code = 7;
  resp.outcome_case = PROCESSOR__V1__PROCESSOR_RESPONSE__OUTCOME_ERROR;
  resp.error = &err;
  n = processor__v1__processor_response__pack(&resp, out);
  assert_int_equal(out[0], 0x12);
  Processor__V1__ProcessorResponse *back = processor__v1__processor_response__unpack(NULL, n, out);
  assert_non_null(back);
  assert_int_equal(back->outcome_case, PROCESSOR__V1__PROCESSOR_RESPONSE__OUTCOME_ERROR);
  assert_int_equal(back->error->code, 7);
  processor__v1__processor_response__free_unpacked(back, NULL);
}

static void test_json_report(void **state) {
  (void)state;
  dw_engine *e = dw_engine_new(NULL);
  dw_result *r = run_on(e, "ab c", 4);
  char *s = dw_result_to_json(r);
  json_error_t jerr;
  json_t *j = json_loads(s, 0, &jerr);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "status")), "succeeded");
  assert_string_equal(json_string_value(json_object_get(j, "output")), "C BA");
  json_t *procs = json_object_get(j, "processors");
  assert_int_equal(json_array_size(procs), 3);
  assert_true(json_is_null(json_object_get(json_array_get(procs, 0), "error")));
  json_t *md = json_object_get(json_object_get(j, "metadata"), "count");
  assert_string_equal(json_string_value(json_object_get(md, "line_count")), "1");
  json_decref(j);
  free(s);
  dw_result_free(r);

  /* invalid UTF-8 payloads: null plus base64 */
  r = run_on(e, "\xc3(", 2);
  s = dw_result_to_json(r);
  j = json_loads(s, 0, &jerr);
  assert_non_null(j);
  assert_true(json_is_null(json_object_get(j, "output")));
  assert_string_equal(json_string_value(json_object_get(j, "output_base64")), "wyg=");
  json_t *err = json_object_get(json_array_get(json_object_get(j, "processors"), 0), "error");
  assert_int_equal(json_integer_value(json_object_get(err, "code")), 400);
  json_decref(j);
  free(s);
  dw_result_free(r);
  dw_engine_free(e);
}

/* dw_result_write_json writes the object dw_result_to_json makes, then a
 * newline, and says when the write failed. */
static void test_json_written(void **state) {
  (void)state;
  dw_engine *e = dw_engine_new(NULL);
  dw_result *r = run_on(e, "x\xffy z", 5); /* a base64 field too */
  char *s = dw_result_to_json(r);
  assert_non_null(s);
  FILE *f = tmpfile();
  assert_non_null(f);
  assert_int_equal(dw_result_write_json(r, f), 0);
  long n = ftell(f);
  assert_int_equal((size_t)n, strlen(s) + 1);
  rewind(f);
  char *back = malloc((size_t)n);
  assert_non_null(back);
  assert_int_equal(fread(back, 1, (size_t)n, f), (size_t)n);
  assert_memory_equal(back, s, strlen(s));
  assert_int_equal(back[n - 1], '\n');
  fclose(f);
  free(back);
  FILE *full = fopen("/dev/full", "w");
  if (full) {
    setvbuf(full, NULL, _IONBF, 0); /* the failure shows at the write, not at a flush */
    assert_int_equal(dw_result_write_json(r, full), -1);
    assert_true(ferror(full));
    fclose(full);
  }
  free(s);
  dw_result_free(r);
  dw_engine_free(e);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_protobuf_round_trip),
      cmocka_unit_test(test_envelope_field_numbers),
      cmocka_unit_test(test_json_report),
      cmocka_unit_test(test_json_written),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
