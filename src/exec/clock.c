/* exec/clock: see clock.h. The TSC is used only when /proc/cpuinfo says it
 * is invariant (constant_tsc and nonstop_tsc) and the kernel's clock source
 * is "tsc"; its rate is measured against CLOCK_MONOTONIC over 200 us: a
 * clock read's jitter (tens of ns) is then a 0.05 % error on durations,
 * while every `dagwood` process pays the measurement once (2 ms was 5 %
 * of running a 20 000-processor pipeline end to end). */
#include "exec/clock.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static dw_tick_rate tick_rate_singleton = {1.0, 0};
static pthread_once_t tick_rate_once = PTHREAD_ONCE_INIT;

#if defined(__x86_64__)
static int file_has(const char *path, const char *word) {
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  char line[4096];
  int found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    char *p = strstr(line, word);
    size_t n = strlen(word);
    found = p && (p == line || p[-1] == ' ' || p[-1] == '\t') &&
            (p[n] == ' ' || p[n] == '\n' || p[n] == 0);
  }
  fclose(f);
  return found;
}
#endif

#if defined(__x86_64__)
/* One (ns, ticks) pair read back to back: the ticks are the midpoint of
 * two readings around the clock read. False if the thread was interrupted
 * in between (more than ~10 us), five times running. */
static int clock_pair(uint64_t *ns, uint64_t *ticks) {
  for (int i = 0; i < 5; i++) {
    uint64_t a = __rdtsc();
    *ns = dw_now_ns();
    uint64_t b = __rdtsc();
    if (b >= a && b - a < 25000) {
      *ticks = a + (b - a) / 2;
      return 1;
    }
  }
  return 0;
}
#endif

static void measure(void) {
#if defined(__x86_64__)
  if (!file_has("/proc/cpuinfo", "constant_tsc") || !file_has("/proc/cpuinfo", "nonstop_tsc") ||
      !file_has("/sys/devices/system/clocksource/clocksource0/current_clocksource", "tsc"))
    return;
  uint64_t n0, t0, n1, t1;
  if (!clock_pair(&n0, &t0)) return;
  while (dw_now_ns() - n0 < 200000) {
  }
  if (!clock_pair(&n1, &t1) || t1 <= t0 || n1 <= n0) return;
  tick_rate_singleton.per_ns = (double)(t1 - t0) / (double)(n1 - n0);
  tick_rate_singleton.tsc = tick_rate_singleton.per_ns > 0.05;
#endif
}

const dw_tick_rate *dw_tick_rate_get(void) {
  pthread_once(&tick_rate_once, measure);
  return &tick_rate_singleton;
}
