/* core/names: the spellings of dagwood's enums, as written in pipeline
 * files, reports and the command line. */
#include <string.h>

#include "dagwood/dagwood.h"

const char *dw_version(void) { return DW_VERSION_STRING; }

const char *dw_strategy_name(dw_strategy s) {
  switch (s) {
    case DW_STRATEGY_WORK_QUEUE:
      return "work_queue";
    case DW_STRATEGY_LEVEL:
      return "level";
    case DW_STRATEGY_REACTIVE:
      return "reactive";
    case DW_STRATEGY_HYBRID:
      return "hybrid";
  }
  return "?";
}

int dw_strategy_parse(const char *name, dw_strategy *out) {
  static const struct {
    const char *name;
    dw_strategy s;
  } t[] = {{"work_queue", DW_STRATEGY_WORK_QUEUE},
           {"level", DW_STRATEGY_LEVEL},
           {"level_by_level", DW_STRATEGY_LEVEL},
           {"reactive", DW_STRATEGY_REACTIVE},
           {"hybrid", DW_STRATEGY_HYBRID}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strcmp(name, t[i].name) == 0) {
      *out = t[i].s;
      return 0;
    }
  return -1;
}

const char *dw_failure_strategy_name(dw_failure_strategy f) {
  switch (f) {
    case DW_FAILURE_FAIL_FAST:
      return "fail_fast";
    case DW_FAILURE_CONTINUE_ON_ERROR:
      return "continue_on_error";
    case DW_FAILURE_BEST_EFFORT:
      return "best_effort";
  }
  return "?";
}

const char *dw_run_status_name(dw_run_status s) {
  switch (s) {
    case DW_RUN_SUCCEEDED:
      return "succeeded";
    case DW_RUN_PARTIAL:
      return "partial";
    case DW_RUN_FAILED:
      return "failed";
  }
  return "?";
}

const char *dw_proc_status_name(dw_proc_status s) {
  switch (s) {
    case DW_PROC_SUCCEEDED:
      return "succeeded";
    case DW_PROC_FAILED:
      return "failed";
    case DW_PROC_SKIPPED:
      return "skipped";
    case DW_PROC_CANCELLED:
      return "cancelled";
  }
  return "?";
}

const char *dw_intent_name(dw_intent i) { return i == DW_INTENT_ANALYZE ? "analyze" : "transform"; }
