/* tests/unit/originals.h: what the unit tests share about the original
 * project's pipelines. Their folder is not part of this repository: it comes
 * from DAGWOOD_ORIGINAL_CONFIGS (CI sets it). A test program that runs them
 * keeps those tests in a group of their own and ends main with
 * DW_ORIGINALS_MAIN; CMakeLists.txt then registers it twice: unit.NAME runs
 * its own tests, unit.NAME.originals (argument "originals") runs the
 * original project's pipelines, or prints SKIPPED: and exits 77 when the
 * variable is not set. Header-only: each test program includes it once. */
#ifndef DW_TEST_ORIGINALS_H
#define DW_TEST_ORIGINALS_H

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The folder of the original project's pipelines, made absolute on the first
 * call (some tests change directory later), or NULL when it is not set. A
 * path that does not resolve is returned as given, so that the tests using it
 * fail and name it rather than skip. */
static inline const char *dw_originals_dir(void) {
  static char resolved[PATH_MAX]; /* the one answer, worked out once */
  static int done;
  if (!done) {
    done = 1;
    const char *d = getenv("DAGWOOD_ORIGINAL_CONFIGS");
    if (d && *d && !realpath(d, resolved)) snprintf(resolved, sizeof resolved, "%s", d);
  }
  return resolved[0] ? resolved : NULL;
}

/* main's body: run the group `own`, or with the argument "originals" the
 * group `originals` (which may use dw_originals_dir() unchecked). */
#define DW_ORIGINALS_MAIN(argc, argv, own, originals, setup, teardown)                \
  do {                                                                                \
    if ((argc) < 2) return cmocka_run_group_tests(own, setup, teardown);              \
    if ((argc) > 2 || strcmp((argv)[1], "originals") != 0) {                          \
      fprintf(stderr, "usage: %s [originals]\n", (argv)[0]);                          \
      return 2;                                                                       \
    }                                                                                 \
    if (!dw_originals_dir()) {                                                        \
      printf(                                                                         \
          "SKIPPED: DAGWOOD_ORIGINAL_CONFIGS is not set (the folder of the original " \
          "project's pipelines)\n");                                                  \
      return 77;                                                                      \
    }                                                                                 \
    printf("original project's pipelines: %s\n", dw_originals_dir());                 \
    return cmocka_run_group_tests(originals, setup, teardown);                        \
  } while (0)

#endif
