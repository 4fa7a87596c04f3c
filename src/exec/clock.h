/* exec/clock: the cheap clock that times processors. Two reads per
 * processor are a large part of the engine's own cost (clock_gettime is
 * 20-45 ns here, the CPU's time-stamp counter about half of that), so on
 * x86-64 with an invariant TSC (what the kernel itself uses as its clock
 * source) durations are taken in TSC ticks and converted once, when the
 * result is built. Elsewhere ticks are CLOCK_MONOTONIC nanoseconds.
 * Deadlines and timers always use dw_now_ns(). */
#ifndef DW_EXEC_CLOCK_H
#define DW_EXEC_CLOCK_H

#include <stdint.h>

#include "exec/pool.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

/* The process-wide tick rate, measured once (a singleton behind
 * pthread_once): ticks per nanosecond, and whether the TSC is used. */
typedef struct dw_tick_rate {
  double per_ns;
  int tsc;
} dw_tick_rate;

const dw_tick_rate *dw_tick_rate_get(void);

static inline uint64_t dw_ticks(const dw_tick_rate *rate) {
#if defined(__x86_64__)
  if (rate->tsc) return __rdtsc();
#endif
  (void)rate;
  return dw_now_ns();
}

static inline uint64_t dw_ticks_to_ns(const dw_tick_rate *rate, uint64_t ticks) {
  return rate->tsc ? (uint64_t)((double)ticks / rate->per_ns) : ticks;
}

#endif
