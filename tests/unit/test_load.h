/* tests/unit/test_load.h: load a pipeline from YAML text for a unit test,
 * printing every diagnostic when it does not load, so that a failure says
 * why. Header-only; the caller asserts on the NULL it may return. */
#ifndef DW_TEST_LOAD_H
#define DW_TEST_LOAD_H

#include <stdio.h>
#include <string.h>

#include "dagwood/dagwood.h"

static inline dw_pipeline *tl_load(dw_engine *e, const char *name, const char *yaml) {
  dw_diags *d = NULL;
  dw_pipeline *p = dw_pipeline_load_string(e, name, yaml, strlen(yaml), NULL, &d);
  for (size_t i = 0; !p && d && i < dw_diags_count(d); i++) {
    char buf[512];
    dw_diag_format(dw_diags_get(d, i), buf, sizeof buf);
    fprintf(stderr, "%s: %s\n", name, buf);
  }
  dw_diags_free(d);
  return p;
}

#endif
