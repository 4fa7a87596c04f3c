/* util/errf: how a function that fails hands its reason back — printf into
 * the caller's buffer (truncated, always terminated; nothing when errlen is
 * 0) and return -1, so `return dw_errf(err, errlen, "...", ...);` is one
 * line. */
#ifndef DW_UTIL_ERRF_H
#define DW_UTIL_ERRF_H

#include <stddef.h>

__attribute__((format(printf, 3, 4))) int dw_errf(char *err, size_t errlen, const char *fmt, ...);

#endif
