#include "common/interrupt.hpp"

#include <chrono>

namespace nn {
namespace {
std::atomic<InterruptHook> g_hook{nullptr};
thread_local std::chrono::steady_clock::time_point t_last_poll{};
}  // namespace

namespace detail {
thread_local std::atomic<bool>* region_stop = nullptr;
}

void set_interrupt_hook(InterruptHook hook) { g_hook.store(hook); }

bool host_interrupt_requested() {
  InterruptHook hook = g_hook.load();
  return hook != nullptr && hook();
}

void check_interrupt() {
  if (detail::region_stop != nullptr) {
    if (detail::region_stop->load(std::memory_order_relaxed)) throw Interrupted();
    return;
  }
  auto now = std::chrono::steady_clock::now();
  if (now - t_last_poll < std::chrono::milliseconds(poll_interval_ms)) return;
  t_last_poll = now;
  if (host_interrupt_requested()) throw Interrupted();
}

}  // namespace nn
