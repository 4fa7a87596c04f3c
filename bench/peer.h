/* bench/peer: the interface a peer task-graph library implements for the
 * dagwood benchmark driver (engine_bench.c), so that dagwood and the peer are
 * timed in the same process, interleaved, on the same shapes. The peer is
 * C++ (bench/peers/); this is its C face. */
#ifndef DW_BENCH_PEER_H
#define DW_BENCH_PEER_H

#include <stdint.h>

#include "shapes.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct peer_graph peer_graph;

/* The peer's name in results.json ("onetbb"). */
const char *peer_name(void);
/* Build the shape as a graph of no-op tasks that runs on `threads` threads;
 * *build_ns receives the construction time. NULL on failure. */
peer_graph *peer_build(const shape *s, unsigned threads, uint64_t *build_ns);
/* Execute the prebuilt graph once (start the sources, wait for all); the
 * wall time in ns. */
uint64_t peer_run(peer_graph *g);
/* Tasks executed by the last peer_run (a check that every node ran). */
uint64_t peer_executed(peer_graph *g);
void peer_free(peer_graph *g);

#ifdef __cplusplus
}
#endif
#endif
