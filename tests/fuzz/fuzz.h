/* tests/fuzz/fuzz: what every fuzz target of tests/fuzz shares. Each target
 * defines LLVMFuzzerTestOneInput (and may define LLVMFuzzerInitialize); it is
 * linked either with libFuzzer (clang, -fsanitize=fuzzer) or with
 * replay_main.c, which feeds it the corpus files so that every finding stays
 * fixed in the gcc and sanitizer builds of `make test`. FUZZ_CHECK turns a
 * broken contract (not only a crash) into a finding. */
#ifndef DW_FUZZ_H
#define DW_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A contract broken on this input: say which, then abort (a finding). */
#define FUZZ_CHECK(cond, ...)                                                     \
  do {                                                                            \
    if (!(cond)) {                                                                \
      fprintf(stderr, "%s:%d: contract broken: %s: ", __FILE__, __LINE__, #cond); \
      fprintf(stderr, __VA_ARGS__);                                               \
      fputc('\n', stderr);                                                        \
      abort();                                                                    \
    }                                                                             \
  } while (0)

#endif
