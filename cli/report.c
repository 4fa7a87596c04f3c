/* cli/report: run a loaded pipeline and print its report in the chosen
 * format (text for people, JSON and protobuf for programs, raw for pipes),
 * and the optional trace file. Every write is checked: a report or trace
 * that could not be written is said (what, and why) and exits 2. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "render.h"

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
static size_t utf8_len(const uint8_t *p, size_t n) {
  if (p[0] < 0x80) return 1;
  size_t len = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
  if (!len || len > n) return 0;
  for (size_t i = 1; i < len; i++)
    if ((p[i] & 0xC0) != 0x80) return 0;
  uint32_t cp = p[0] & (0x7F >> len);
  for (size_t i = 1; i < len; i++) cp = cp << 6 | (p[i] & 0x3F);
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    return 0;
  return len;
}

/* Print at most max bytes of a payload on one line: control bytes and bytes
 * that are not UTF-8 are escaped, so the terminal shows what is there. */
static void print_short(const uint8_t *p, size_t n, size_t max) {
  size_t i = 0;
  while (i < n && i < max) {
    size_t l = utf8_len(p + i, n - i);
    if (l > 1) {
      fwrite(p + i, 1, l, stdout);
      i += l;
      continue;
    }
    if (p[i] == '\n')
      fputs("\\n", stdout);
    else if (p[i] == '\t')
      fputs("\\t", stdout);
    else if (l == 0 || p[i] < 0x20 || p[i] == 0x7f)
      printf("\\x%02x", p[i]);
    else
      putchar(p[i]);
    i++;
  }
  if (i < n) printf("... (%zu bytes)", n);
}

static int is_utf8(const uint8_t *p, size_t n) {
  for (size_t i = 0; i < n;) {
    size_t l = utf8_len(p + i, n - i);
    if (!l) return 0;
    i += l;
  }
  return 1;
}

static void print_duration(uint64_t us) {
  if (us < 1000)
    printf("%llu us", (unsigned long long)us);
  else if (us < 1000000)
    printf("%.2f ms", (double)us / 1000.0);
  else
    printf("%.2f s", (double)us / 1e6);
}

static void print_text(const dw_cli *c, const dw_pipeline *p, const dw_result *r) {
  size_t n = dw_result_count(r);
  size_t w = 9;
  for (size_t i = 0; i < n; i++) {
    size_t l = strlen(dw_result_processor(r, i)->id);
    if (l > w) w = l;
  }
  if (w > 40) w = 40;
  printf("pipeline  %s\n", dw_result_config(r));
  printf("executor  %s", dw_strategy_name(dw_result_strategy(r)));
  if (dw_result_strategy_reason(r))
    printf(" (chosen by hybrid because %s)", dw_result_strategy_reason(r));
  printf("\nfailures  %s\n",
         dw_failure_strategy_name(c->failure >= 0 ? (dw_failure_strategy)c->failure
                                                  : dw_pipeline_failure_strategy(p)));
  printf("status    %s in ", dw_run_status_name(dw_result_status(r)));
  print_duration(dw_result_duration_us(r));
  printf("\n\n  %-4s %-*s %-10s %-8s %-10s %s\n", "rank", (int)w, "processor", "status", "attempts",
         "time", "output");
  for (size_t i = 0; i < n; i++) {
    const dw_proc_report *pr = dw_result_processor(r, i);
    printf("  %-4zu %-*s %-10s %-8u ", i, (int)w, pr->id, dw_proc_status_name(pr->status),
           pr->attempts);
    char tbuf[32];
    if (pr->duration_us < 1000)
      snprintf(tbuf, sizeof tbuf, "%llu us", (unsigned long long)pr->duration_us);
    else
      snprintf(tbuf, sizeof tbuf, "%.2f ms", (double)pr->duration_us / 1000.0);
    printf("%-10s ", pr->attempts ? tbuf : "-");
    if (pr->status == DW_PROC_SUCCEEDED && pr->output_released)
      printf("(output released: only the run's output was kept)");
    else if (pr->status == DW_PROC_SUCCEEDED && pr->intent == DW_INTENT_ANALYZE)
      printf("(analyzer: input passed on)");
    else if (pr->status == DW_PROC_SUCCEEDED)
      print_short(pr->output, pr->output_len, 48);
    else if (pr->status == DW_PROC_FAILED) {
      printf("error %d: ", pr->error_code);
      dw_render_text(stdout, pr->error_message ? pr->error_message : "");
    } else if (pr->reason)
      printf("(%s)", pr->reason);
    putchar('\n');
  }
  printf("\nmetadata\n");
  const dw_kv *ctx = dw_result_context(r);
  printf("  initial_context\n");
  for (size_t k = 0; k < dw_result_context_count(r); k++) {
    printf("    %-22s ", ctx[k].key);
    print_short((const uint8_t *)ctx[k].value, strlen(ctx[k].value), 60);
    putchar('\n');
  }
  for (size_t i = 0; i < n; i++) {
    const dw_proc_report *pr = dw_result_processor(r, i);
    if (!pr->metadata_count) continue;
    printf("  %s\n", pr->id);
    for (size_t k = 0; k < pr->metadata_count; k++) {
      printf("    %-22s ", pr->metadata[k].key);
      print_short((const uint8_t *)pr->metadata[k].value, strlen(pr->metadata[k].value), 60);
      putchar('\n');
    }
  }
  size_t len;
  const uint8_t *out = dw_result_output(r, &len);
  if (is_utf8(out, len)) {
    printf("\noutput\n");
    fwrite(out, 1, len, stdout);
  } else {
    printf("\noutput (not valid UTF-8: shown escaped; --format raw writes the bytes)\n");
    print_short(out, len, len);
  }
  printf("\n");
}

static int write_protobuf(const dw_result *r) {
  uint8_t *buf;
  size_t len;
  if (dw_result_to_protobuf(r, &buf, &len) != 0) return -1;
  /* length-delimited (varint length, then the message), so several
   * pipelines' reports can follow each other on one stream */
  uint8_t v[10];
  size_t nv = 0, x = len;
  do {
    v[nv++] = (uint8_t)((x & 0x7f) | (x > 0x7f ? 0x80 : 0));
    x >>= 7;
  } while (x);
  fwrite(v, 1, nv, stdout);
  fwrite(buf, 1, len, stdout);
  free(buf);
  return 0;
}

static const char *const FORMAT_NAMES[] = {"text", "json", "raw", "protobuf"};

/* The run's trace, in a file of its own; 0, or -1 after saying why not. */
static int write_trace(const dw_cli *c, const dw_result *r) {
  FILE *f = fopen(c->trace, "w");
  if (!f) {
    fprintf(stderr, "dagwood: cannot write the trace file %s: %s\n", c->trace, strerror(errno));
    return -1;
  }
  errno = 0;
  bool bad = dw_result_write_trace(r, f) != 0 || fflush(f) != 0;
  int err = errno;
  if (fclose(f) != 0 && !bad) { /* a buffered write failing only now */
    bad = true;
    err = errno;
  }
  if (bad)
    fprintf(stderr, "dagwood: cannot write the trace file %s: %s\n", c->trace,
            err ? strerror(err) : "write error");
  return bad ? -1 : 0;
}

int dw_cli_run_one(dw_cli *c, const dw_pipeline *p, const char *input, size_t len) {
  dw_run_options o;
  dw_run_options_init(&o);
  o.strategy = c->strategy;
  o.failure_strategy = c->failure;
  o.max_concurrency = c->max_concurrency;
  /* raw shows the run's output alone: the others may go as soon as nothing
   * needs them (PIPELINES 3.6), so that a run holds less than all of them */
  if (c->format == DW_FMT_RAW) o.keep_outputs = DW_KEEP_RUN_OUTPUT;
  dw_result *r = dw_pipeline_run(c->engine, p, input, len, &o);
  if (!r) {
    fprintf(stderr, "%s: out of memory starting the run\n", dw_pipeline_file(p));
    return 2;
  }
  if (c->verbose)
    fprintf(stderr, "%s: %s with %s, %zu processors, %llu us\n", dw_pipeline_file(p),
            dw_run_status_name(dw_result_status(r)), dw_strategy_name(dw_result_strategy(r)),
            dw_result_count(r), (unsigned long long)dw_result_duration_us(r));
  int rc = dw_result_status(r) == DW_RUN_SUCCEEDED ? 0 : 1;
  bool made = true; /* the report could be built (memory) */
  errno = 0;
  switch (c->format) {
    case DW_FMT_JSON:
      /* (a write error shows in ferror below) */
      if (dw_result_write_json(r, stdout) != 0 && !ferror(stdout)) made = false;
      break;
    case DW_FMT_RAW: {
      /* a pipe downstream must not take a failed run's output for a result */
      if (rc != 0) break;
      size_t n;
      const uint8_t *out = dw_result_output(r, &n);
      fwrite(out, 1, n, stdout);
      break;
    }
    case DW_FMT_PROTOBUF:
      made = write_protobuf(r) == 0;
      break;
    default:
      print_text(c, p, r);
  }
  int werr = !made;
  if (!made) {
    fprintf(stderr, "dagwood: cannot make the %s report of %s: out of memory\n",
            FORMAT_NAMES[c->format], dw_pipeline_file(p));
  } else if (fflush(stdout) != 0 || ferror(stdout)) {
    int err = errno;
    fprintf(stderr, "dagwood: cannot write the %s report of %s to standard output: %s\n",
            FORMAT_NAMES[c->format], dw_pipeline_file(p), err ? strerror(err) : "write error");
    c->out_failed = 1;
    werr = 1;
  }
  /* failures are news even when the report went to a pipe */
  if (c->format != DW_FMT_TEXT && !c->quiet) {
    for (size_t i = 0; i < dw_result_count(r); i++) {
      const dw_proc_report *pr = dw_result_processor(r, i);
      if (pr->status == DW_PROC_FAILED) {
        fprintf(stderr, "%s: processor '", dw_pipeline_file(p));
        dw_render_text(stderr, pr->id);
        fprintf(stderr, "' failed: error %d: ", pr->error_code);
        dw_render_text(stderr, pr->error_message ? pr->error_message : "");
        fputc('\n', stderr);
      }
    }
    if (c->format == DW_FMT_RAW && rc != 0)
      fprintf(stderr,
              "%s: run %s: no output written (--format raw writes it only when every "
              "processor succeeded)\n",
              dw_pipeline_file(p), dw_run_status_name(dw_result_status(r)));
  }
  if (c->trace && write_trace(c, r) != 0) werr = 1;
  dw_result_free(r);
  return werr ? 2 : rc;
}
