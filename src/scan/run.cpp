// Running a scan's points on worker threads. TBB (already behind the toys and the
// calculators' concurrent fits) schedules the points, so the nested parallelism of a
// point's own fits shares the same threads instead of oversubscribing the cores.
#include "hfx/scan.hpp"

#include <tbb/blocked_range.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <mutex>

namespace hfx::scan {

std::vector<Json> run(const Grid& grid, const std::vector<std::size_t>& todo, const Settings& settings,
                      const RunOptions& options) {
  settings.check();
  std::vector<Json> rows(todo.size());
  if (todo.empty()) return rows;
  const int threads = options.threads ? static_cast<int>(options.threads) : tbb::info::default_concurrency();
  std::mutex mutex;
  std::size_t done = 0;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<std::size_t>(0, todo.size(), 1),
        [&](const tbb::blocked_range<std::size_t>& range) {
          for (std::size_t k = range.begin(); k != range.end(); ++k) {
            Json row = evaluate(grid, grid.points.at(todo[k]), settings, 1);
            const std::lock_guard<std::mutex> lock(mutex);
            rows[k] = std::move(row);
            ++done;
            if (options.on_row) options.on_row(rows[k]);
            if (options.progress) options.progress(done, todo.size());
          }
        },
        tbb::simple_partitioner());
  });
  return rows;
}

}  // namespace hfx::scan
