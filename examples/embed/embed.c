/*
 * embed: dagwood as a library, in one small program. It creates an engine,
 * registers a custom processor (ROT13, a C callback), loads a pipeline from a
 * string, runs it on an input, prints each processor's result and metadata,
 * and frees everything. Built and run by the tests (ctest -R example.embed).
 *
 *   cc embed.c $(pkg-config --cflags --libs dagwood) -o embed
 */
#include <stdio.h>
#include <string.h>

#include "dagwood/dagwood.h"

/* A processor is a callback: read the input, write an output (and optionally
 * metadata), return 0; or call dw_call_fail and return its -1. The dw_call is
 * valid only during the callback. This one is a transform: ROT13 on ASCII
 * letters, every other byte unchanged. */
static int rot13(dw_call *call, void *user) {
  (void)user; /* the pointer given at registration; unused here */
  size_t len;
  const uint8_t *in = dw_call_input(call, &len);
  uint8_t *out = dw_call_output_buffer(call, len); /* owned by the call */
  if (!out) return dw_call_fail(call, 507, "out of memory");
  for (size_t i = 0; i < len; i++) {
    uint8_t c = in[i];
    if (c >= 'a' && c <= 'z') c = (uint8_t)('a' + (c - 'a' + 13) % 26);
    if (c >= 'A' && c <= 'Z') c = (uint8_t)('A' + (c - 'A' + 13) % 26);
    out[i] = c;
  }
  /* Metadata is stored under this processor's id in the run's result. */
  dw_call_add_metadata(call, "cipher", "rot13");
  return 0;
}

/* Upper-case the input (built-in), encode it with our processor, then count
 * tokens of the encoded text (built-in analyzer: it adds metadata and passes
 * its input on unchanged). */
static const char PIPELINE[] =
    "strategy: work_queue\n"
    "failure_strategy: fail_fast\n"
    "processors:\n"
    "  - id: shout\n"
    "    type: local\n"
    "    processor: change_text_case_upper\n"
    "  - id: encode\n"
    "    type: local\n"
    "    processor: rot13\n"
    "    depends_on: [shout]\n"
    "  - id: count\n"
    "    type: local\n"
    "    processor: token_counter\n"
    "    depends_on: [encode]\n";

int main(void) {
  int rc = 1;
  /* 1. The engine: processor registry (the built-ins are already there) and
   * worker pool. NULL options: defaults. */
  dw_engine *engine = dw_engine_new(NULL);
  if (!engine) return 1;

  /* 2. Register the custom processor before loading pipelines that use it. */
  dw_processor_def def = {
      .name = "rot13",
      .intent = DW_INTENT_TRANSFORM,
      .process = rot13,
      .user = NULL,
      .description = "ROT13 on ASCII letters",
      .options = NULL, /* NULL: accept any option */
  };
  if (dw_engine_register(engine, &def) != 0) goto out_engine;

  /* 3. Load and validate. Problems come back as data (dw_diags). */
  dw_diags *diags = NULL;
  dw_pipeline *pipeline =
      dw_pipeline_load_string(engine, "embedded.yaml", PIPELINE, strlen(PIPELINE), NULL, &diags);
  for (size_t i = 0; i < dw_diags_count(diags); i++) {
    char line[512];
    dw_diag_format(dw_diags_get(diags, i), line, sizeof line);
    fprintf(stderr, "%s\n", line);
  }
  dw_diags_free(diags);
  if (!pipeline) goto out_engine;

  /* 4. Run it on an input (any bytes). Options left at their defaults use
   * the pipeline's own settings; dw_run_start + dw_run_wait run it in the
   * background instead. */
  const char *input = "hello world";
  dw_run_options opts;
  dw_run_options_init(&opts);
  dw_result *result = dw_pipeline_run(engine, pipeline, input, strlen(input), &opts);
  if (!result) goto out_pipeline;

  /* 5. Read the result: per processor, in canonical order. Every string and
   * buffer here belongs to the result. */
  printf("executor: %s\n", dw_strategy_name(dw_result_strategy(result)));
  for (size_t i = 0; i < dw_result_count(result); i++) {
    const dw_proc_report *p = dw_result_processor(result, i);
    printf("%-7s %-9s attempts=%u", p->id, dw_proc_status_name(p->status), p->attempts);
    if (p->output) printf(" output=\"%.*s\"", (int)p->output_len, (const char *)p->output);
    if (p->error_code) printf(" error=%d (%s)", p->error_code, p->error_message);
    printf("\n");
    for (size_t j = 0; j < p->metadata_count; j++)
      printf("        %s = %s\n", p->metadata[j].key, p->metadata[j].value);
  }
  size_t len;
  const uint8_t *output = dw_result_output(result, &len);
  printf("run: %s\n", dw_run_status_name(dw_result_status(result)));
  if (dw_result_status(result) == DW_RUN_SUCCEEDED) {
    /* "HELLO WORLD" in ROT13 */
    printf("final output: %.*s\n", (int)len, (const char *)output);
    rc = 0;
  }

  /* 6. Free in any order: results do not refer to the pipeline. */
  dw_result_free(result);
out_pipeline:
  dw_pipeline_free(pipeline);
out_engine:
  dw_engine_free(engine);
  return rc;
}
