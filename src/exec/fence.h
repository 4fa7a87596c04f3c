/* exec/fence: an asymmetric memory fence, for a handshake where one side
 * runs all the time and the other almost never.
 *
 * A reactive worker publishes the processor it is about to start and then
 * looks whether the run was cancelled; a canceller sets the cancel and then
 * looks at what the workers publish (exec/run.c). Each side must see the
 * other's store (a store then a load: only a full fence orders them). On
 * x86 that fence is a locked instruction, about 7 ns per processor, 13 % of
 * a no-op's whole cost on a chain. With Linux's membarrier() the worker's
 * side needs no fence: the rare side makes every running thread of the
 * process execute one before the call returns. Where membarrier is missing
 * the worker keeps its fence. */
#ifndef DW_EXEC_FENCE_H
#define DW_EXEC_FENCE_H

#include <stdbool.h>

/* Whether dw_fence_heavy() covers the frequent side (process-wide, decided
 * once; registering with the kernel on first use). */
bool dw_fence_asymmetric(void);

/* The rare side's fence: a full fence on every thread of the process when
 * dw_fence_asymmetric(), else on the calling thread only. */
void dw_fence_heavy(void);

#endif
