// Cooperative cancellation for long-running kernels.
//
// Kernels call nn::check_interrupt() every few milliseconds of work.  On the
// thread that called into the core it asks the host (Python, through a hook the
// bindings install) whether Ctrl-C was pressed; inside a parallel region it
// reads the region's stop flag.  Either way it throws nn::Interrupted, which the
// bindings turn into KeyboardInterrupt once every worker has been joined.
#pragma once
#include <atomic>
#include <stdexcept>

namespace nn {

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

// Host hook: returns true when the user asked to stop.  Called only from the
// thread that entered the kernel, at most every `poll_interval_ms`.
using InterruptHook = bool (*)();
void set_interrupt_hook(InterruptHook hook);

// Polls at most this often on the calling thread (milliseconds).
constexpr int poll_interval_ms = 20;

// Throws Interrupted if the computation should stop.  Cheap: a thread-local
// load plus, on the calling thread, a clock read.
void check_interrupt();

// Unthrottled host query (calling thread only); used by the parallel runner.
bool host_interrupt_requested();

namespace detail {
// The stop flag of the parallel region this thread works for (nullptr on the
// calling thread).
extern thread_local std::atomic<bool>* region_stop;
}  // namespace detail

}  // namespace nn
