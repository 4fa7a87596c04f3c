/* cli/cli: state shared by the command's source files. */
#ifndef DW_CLI_H
#define DW_CLI_H

#include <stddef.h>

#include "dagwood/dagwood.h"

enum { DW_CLI_MAX_ARGS = 4096 };

typedef enum { DW_FMT_TEXT, DW_FMT_JSON, DW_FMT_RAW, DW_FMT_PROTOBUF } dw_format;

typedef struct dw_cli {
  dw_engine *engine;
  const char *input, *input_file;
  int strategy, failure; /* -1: the pipeline's */
  unsigned max_concurrency;
  dw_format format;
  const char *graph, *trace;
  int strict, quiet, verbose, help, version, demo_mode;
  /* a write to standard output failed and was reported (what and why):
   * nothing more is run, the final check does not report it again */
  int out_failed;
  char usage[640]; /* the first usage error met while parsing, "" if none */
  char *args[DW_CLI_MAX_ARGS];
  int nargs;
} dw_cli;

/* Load with diagnostics printed to stderr; NULL on error. */
dw_pipeline *dw_cli_load(dw_cli *c, const char *path);
/* Run one loaded pipeline and print its report; returns 0, 1 or 2. */
int dw_cli_run_one(dw_cli *c, const dw_pipeline *p, const char *input, size_t len);
/* Run each config on the input, one report each (text: under a heading per
 * config when there are several); the highest status. */
int dw_cli_run_all(dw_cli *c, char **configs, int nconfigs, const char *input, size_t len);
/* The guided tour. */
int dw_cli_demo(dw_cli *c);

#endif
