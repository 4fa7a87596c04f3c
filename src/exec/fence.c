/* exec/fence: see fence.h. */
#include "exec/fence.h"

#include <pthread.h>
#include <stdatomic.h>

#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

/* The process's registration with membarrier: a singleton, set once. */
static bool fence_asymmetric_singleton;
static pthread_once_t fence_once = PTHREAD_ONCE_INIT;

static void fence_register(void) {
#if defined(__linux__) && defined(SYS_membarrier)
  long cmds = syscall(SYS_membarrier, MEMBARRIER_CMD_QUERY, 0, 0);
  if (cmds < 0 || !(cmds & MEMBARRIER_CMD_PRIVATE_EXPEDITED)) return;
  if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0) return;
  fence_asymmetric_singleton = true;
#endif
}

bool dw_fence_asymmetric(void) {
  pthread_once(&fence_once, fence_register);
  return fence_asymmetric_singleton;
}

void dw_fence_heavy(void) {
  atomic_thread_fence(memory_order_seq_cst);
#if defined(__linux__) && defined(SYS_membarrier)
  if (dw_fence_asymmetric() && syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) == 0)
    return;
    /* (failing after a successful registration is outside the kernel's
     * contract; the cost would be a processor that starts at the moment of
     * a cancel and is not told to stop: it runs to its end) */
#endif
}
