/* tests/unit/test_wasm_pipeline: WebAssembly processors through the public
 * API — the example pipeline examples/pipelines/wasm.yaml runs from the build
 * folder, where wasm_components/ holds dagwood's wasm_appender and RLE;
 * validation errors carry the YAML positions; a fail_fast run interrupts a
 * running WebAssembly call. With the argument "originals": the original
 * project's WASM pipelines (DAGWOOD_ORIGINAL_CONFIGS, see originals.h) run
 * unchanged from the build folder too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "originals.h"
#include "test_wasm_util.h"
#include "wasm/rt.h"

static dw_engine *engine;

static int setup(void **state) {
  (void)state;
  /* module paths resolve against the pipeline's folder, then the working
   * directory: the build folder holds wasm_components/ */
  if (chdir(tw_dir("DW_BUILD_DIR", ".")) != 0) return -1;
  engine = dw_engine_new(NULL);
  return engine ? 0 : -1;
}

static int teardown(void **state) {
  (void)state;
  dw_engine_free(engine);
  return 0;
}

static const char *md(const dw_proc_report *r, const char *key) {
  for (size_t i = 0; i < r->metadata_count; i++)
    if (!strcmp(r->metadata[i].key, key)) return r->metadata[i].value;
  return NULL;
}

/* Loads and runs dir/name; NULL (with the reason on stderr) if it cannot. */
static dw_result *run_file(const char *dir, const char *name, const char *input) {
  char path[PATH_MAX + 256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  if (access(path, R_OK) != 0) {
    fprintf(stderr, "%s: cannot be read\n", path);
    return NULL;
  }
  dw_diags *d = NULL;
  dw_pipeline *p = dw_pipeline_load_file(engine, path, NULL, &d);
  for (size_t i = 0; !p && i < dw_diags_count(d); i++) {
    char line[2048];
    dw_diag_format(dw_diags_get(d, i), line, sizeof line);
    fprintf(stderr, "%s\n", line);
  }
  dw_diags_free(d);
  if (!p) return NULL;
  dw_result *r = dw_pipeline_run(engine, p, input, strlen(input), NULL);
  dw_pipeline_free(p);
  return r;
}

static dw_result *run_config(const char *name, const char *input) {
  return run_file(dw_originals_dir(), name, input);
}

/* The project's own WebAssembly example: lower -> wasm_appender -> RLE. */
static void test_example_pipeline(void **state) {
  (void)state;
  char dir[1100];
  snprintf(dir, sizeof dir, "%s/examples/pipelines", tw_dir("DW_SOURCE_DIR", "."));
  dw_result *r = run_file(dir, "wasm.yaml", "Hello WASM World");
  assert_non_null(r);
  assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
  size_t len;
  const uint8_t *out = dw_result_output(r, &len);
  const char *want = "rle: 1h1e2l1o1 1w1a1s1m1 1w1o1r1l1d2:1W1A1S1M";
  assert_int_equal(len, strlen(want));
  assert_memory_equal(out, want, len);
  const dw_proc_report *a = dw_result_processor(r, 1);
  assert_string_equal(a->id, "append");
  assert_string_equal(md(a, "processor_id"), "append");
  assert_string_equal(md(a, "module_path"), "wasm_components/wasm_appender.wasm");
  assert_non_null(md(a, "fuel_consumed"));
  assert_true(strtoul(md(a, "fuel_consumed"), NULL, 10) > 0);
  assert_string_equal(md(a, "output_length"), "22"); /* "hello wasm world::WASM" */
  dw_result_free(r);
}

static void test_original_pipelines(void **state) {
  (void)state;
  dw_result *r = run_config("wasm-fuel-demo.yaml", "hello world");
  assert_non_null(r);
  assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
  size_t len;
  const uint8_t *out = dw_result_output(r, &len);
  assert_int_equal(len, strlen("HELLO WORLD::WASM::WASM::WASM"));
  assert_memory_equal(out, "HELLO WORLD::WASM::WASM::WASM", len);
  for (size_t i = 1; i < dw_result_count(r); i++) {
    const dw_proc_report *pr = dw_result_processor(r, i);
    assert_string_equal(md(pr, "processor_id"), pr->id);
    assert_string_equal(md(pr, "module_path"), "wasm_components/wasm_appender.wasm");
    assert_non_null(md(pr, "fuel_consumed"));
    assert_true(strtoul(md(pr, "fuel_consumed"), NULL, 10) > 0);
  }
  dw_result_free(r);

  r = run_config("wasm-hello-world-demo-reactive.yaml", "hello world");
  assert_non_null(r);
  out = dw_result_output(r, &len);
  assert_int_equal(len, strlen("MSAW::DLROW OLLEH"));
  assert_memory_equal(out, "MSAW::DLROW OLLEH", len);
  dw_result_free(r);

  r = run_config("walkthrough/04-wasm-integration.yaml", "Hello World");
  assert_non_null(r);
  assert_int_equal(dw_result_status(r), DW_RUN_SUCCEEDED);
  const dw_proc_report *w = dw_result_processor(r, 1);
  assert_string_equal(w->id, "wasm_hello_world");
  assert_int_equal(w->output_len, strlen("hello world::WASM"));
  assert_memory_equal(w->output, "hello world::WASM", w->output_len);
  dw_result_free(r);
}

static dw_pipeline *load_yaml(const char *yaml, char *diags, size_t size) {
  dw_diags *d = NULL;
  dw_pipeline *p = dw_pipeline_load_string(engine, "inline.yaml", yaml, strlen(yaml), NULL, &d);
  size_t off = 0;
  diags[0] = 0;
  for (size_t i = 0; i < dw_diags_count(d); i++) {
    char line[2048];
    dw_diag_format(dw_diags_get(d, i), line, sizeof line);
    off += (size_t)snprintf(diags + off, off < size ? size - off : 0, "%s\n", line);
  }
  dw_diags_free(d);
  return p;
}

static void test_validation_positions(void **state) {
  (void)state;
  char yaml[4096], diags[8192];
  snprintf(yaml, sizeof yaml,
           "processors:\n"
           "  - id: talk\n"
           "    type: wasm\n"
           "    module: %s\n"
           "  - id: gone\n"
           "    type: wasm\n"
           "    module: nowhere/missing.wasm\n"
           "    options:\n"
           "      capabilities: [stdout, clocks]\n"
           "      fuel_level: many\n",
           tw_fixture("wasi_write"));
  dw_pipeline *p = load_yaml(yaml, diags, sizeof diags);
  assert_null(p);
  assert_non_null(strstr(diags, "inline.yaml:4:13: error: WASM module '"));
  assert_non_null(strstr(diags,
                         "imports wasi_snapshot_preview1.fd_write, which needs the "
                         "capability stdout or stderr: add it to options.capabilities of "
                         "'talk'"));
  assert_non_null(strstr(diags,
                         "inline.yaml:7:13: error: WASM module 'nowhere/missing.wasm' not "
                         "found"));
  assert_non_null(strstr(diags, "inline.yaml:9:30: error: unknown capability 'clocks'"));
  assert_non_null(strstr(diags, "(did you mean 'clock'?)"));
  assert_non_null(strstr(diags, "inline.yaml:10:19: error: options.fuel_level of 'gone' must be"));
}

static void test_fail_fast_interrupts(void **state) {
  (void)state;
  char yaml[4096], diags[8192];
  /* `boom` (first in canonical order) runs out of fuel after a few ms while
   * `spin` would loop for minutes: fail_fast must interrupt `spin`, not wait
   * for its fuel to run out */
  snprintf(yaml, sizeof yaml,
           "failure_strategy: fail_fast\n"
           "executor_options:\n"
           "  max_concurrency: 2\n"
           "wasm:\n"
           "  fuel:\n"
           "    maximum: 500000000000\n"
           "processors:\n"
           "  - id: boom\n"
           "    type: wasm\n"
           "    module: %s\n"
           "    options:\n"
           "      fuel_level: 30000000\n"
           "  - id: spin\n"
           "    type: wasm\n"
           "    module: %s\n"
           "    options:\n"
           "      fuel_level: 500000000000\n",
           tw_fixture("loop"), tw_fixture("loop"));
  dw_pipeline *p = load_yaml(yaml, diags, sizeof diags);
  if (!p) fprintf(stderr, "%s", diags);
  assert_non_null(p);
  uint64_t t0 = dw_rt_now_ns();
  dw_result *r = dw_pipeline_run(engine, p, "x", 1, NULL);
  uint64_t took = dw_rt_now_ns() - t0;
  assert_int_equal(dw_result_status(r), DW_RUN_FAILED);
  const dw_proc_report *boom = dw_result_processor(r, 0), *spin = dw_result_processor(r, 1);
  assert_string_equal(boom->id, "boom");
  assert_string_equal(spin->id, "spin");
  assert_int_equal(boom->status, DW_PROC_FAILED);
  assert_non_null(boom->error_message);
  assert_non_null(strstr(boom->error_message, "out of fuel"));
  assert_int_not_equal(spin->status, DW_PROC_SUCCEEDED);
  /* 500 G fuel units of an empty loop would take minutes */
  if (took > 5000000000ull)
    fail_msg("fail_fast took %llu ms: spin was not interrupted",
             (unsigned long long)(took / 1000000));
  dw_result_free(r);
  dw_pipeline_free(p);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example_pipeline),
      cmocka_unit_test(test_validation_positions),
      cmocka_unit_test(test_fail_fast_interrupts),
  };
  const struct CMUnitTest originals[] = {
      cmocka_unit_test(test_original_pipelines),
  };
  DW_ORIGINALS_MAIN(argc, argv, tests, originals, setup, teardown);
}
