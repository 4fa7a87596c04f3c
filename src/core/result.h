/* core/result: what a finished run leaves behind — owned copies of ids,
 * shared references to payloads, metadata handed over by the calls. */
#ifndef DW_CORE_RESULT_H
#define DW_CORE_RESULT_H

#include "dagwood/dagwood.h"
#include "exec/payload.h"
#include "util/arena.h"

struct dw_result {
  dw_arena arena; /* ids, messages, the report array */
  dw_run_status status;
  dw_strategy strategy;
  const char *strategy_reason;
  const char *config;
  dw_payload *input;
  dw_payload *output;
  size_t n;
  dw_proc_report *procs;
  dw_payload **payloads; /* per processor, NULL unless succeeded */
  dw_kv **md;            /* per processor, malloc'd arrays of malloc'd strings */
  dw_kv ctx[3];
  uint64_t duration_us;
};

#endif
