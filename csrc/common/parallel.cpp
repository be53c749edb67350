#include "common/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "common/interrupt.hpp"

namespace nn {

int hardware_threads() {
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void parallel_for(std::size_t n, int n_threads, std::size_t grain, const RangeBody& body) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  const std::size_t n_chunks = (n + grain - 1) / grain;
  const int workers = static_cast<int>(std::max<std::size_t>(
      1, std::min<std::size_t>(static_cast<std::size_t>(std::max(1, n_threads)), n_chunks)));

  // A region started from inside another region's worker obeys the outer
  // region's stop flag instead of polling the host.
  std::atomic<bool>* const outer_stop = detail::region_stop;
  std::atomic<bool> stop{false};
  std::atomic<std::size_t> next{0};
  std::atomic<int> running{workers};
  std::mutex mu;
  std::condition_variable cv;
  std::exception_ptr first_error;

  auto worker_main = [&](int worker) {
    detail::region_stop = &stop;
    try {
      while (!stop.load(std::memory_order_relaxed)) {
        std::size_t chunk = next.fetch_add(1, std::memory_order_relaxed);
        if (chunk >= n_chunks) break;
        std::size_t begin = chunk * grain;
        std::size_t end = std::min(n, begin + grain);
        body(begin, end, worker);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(mu);
      if (!first_error) first_error = std::current_exception();
      stop.store(true);
    }
    detail::region_stop = outer_stop;
    {
      std::lock_guard<std::mutex> lock(mu);
      running.fetch_sub(1);
    }
    cv.notify_all();
  };

  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(workers));
  try {
    for (int w = 0; w < workers; ++w) threads.emplace_back(worker_main, w);
  } catch (...) {
    stop.store(true);
    for (auto& t : threads) t.join();
    throw;
  }

  bool interrupted = false;
  {
    std::unique_lock<std::mutex> lock(mu);
    while (running.load() > 0) {
      cv.wait_for(lock, std::chrono::milliseconds(poll_interval_ms));
      if (running.load() == 0) break;
      if (!interrupted && !stop.load()) {
        lock.unlock();
        bool requested = outer_stop != nullptr ? outer_stop->load() : host_interrupt_requested();
        if (requested) {
          interrupted = true;
          stop.store(true);
        }
        lock.lock();
      }
    }
  }
  for (auto& t : threads) t.join();
  if (first_error) std::rethrow_exception(first_error);
  if (interrupted) throw Interrupted();
}

}  // namespace nn
