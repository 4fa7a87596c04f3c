// bench/peers/onetbb_flow: the benchmark shapes as a oneTBB flow graph of
// continue_node<continue_msg> with no-op bodies, built and run inside a
// task_arena of the requested thread count. Implements bench/peer.h so the
// dagwood driver times both in one process, interleaved.
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/task_arena.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "../peer.h"

namespace {

using tbb::flow::continue_msg;
using node_t = tbb::flow::continue_node<continue_msg>;

uint64_t now_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

struct peer_graph {
  explicit peer_graph(unsigned threads) : arena(static_cast<int>(threads)) {}
  tbb::task_arena arena;
  std::unique_ptr<tbb::flow::graph> g;
  std::deque<node_t> nodes;  // stable addresses, no per-node heap block of ours
  std::vector<uint32_t> sources;
  // Tasks count themselves only in the untimed check run (peer_executed).
  std::atomic<uint64_t> executed{0};
  bool count = false;
};

extern "C" const char *peer_name(void) { return "onetbb"; }

extern "C" peer_graph *peer_build(const shape *s, unsigned threads, uint64_t *build_ns) {
  auto *pg = new (std::nothrow) peer_graph(threads ? threads : 1);
  if (!pg) return nullptr;
  uint64_t t0 = now_ns();
  pg->arena.execute([&] {
    pg->g = std::make_unique<tbb::flow::graph>();
    for (uint32_t i = 0; i < s->n; i++)
      pg->nodes.emplace_back(*pg->g, [pg](const continue_msg &) {
        if (pg->count) pg->executed.fetch_add(1, std::memory_order_relaxed);
        return continue_msg();
      });
    for (uint32_t i = 0; i < s->n; i++) {
      if (s->pred_off[i] == s->pred_off[i + 1]) pg->sources.push_back(i);
      for (uint32_t k = s->pred_off[i]; k < s->pred_off[i + 1]; k++)
        tbb::flow::make_edge(pg->nodes[s->pred[k]], pg->nodes[i]);
    }
  });
  if (build_ns) *build_ns = now_ns() - t0;
  return pg;
}

extern "C" uint64_t peer_run(peer_graph *pg) {
  pg->executed.store(0, std::memory_order_relaxed);
  uint64_t t0 = now_ns();
  pg->arena.execute([&] {
    for (uint32_t x : pg->sources) pg->nodes[x].try_put(continue_msg());
    pg->g->wait_for_all();
  });
  return now_ns() - t0;
}

extern "C" uint64_t peer_executed(peer_graph *pg) {
  // One counted run, untimed: the check that the graph is complete.
  pg->count = true;
  peer_run(pg);
  pg->count = false;
  return pg->executed.load();
}

extern "C" void peer_free(peer_graph *pg) {
  if (!pg) return;
  pg->arena.execute([&] {
    pg->nodes.clear();
    pg->g.reset();
  });
  delete pg;
}
