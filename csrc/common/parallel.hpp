// A small std::thread runner for data-parallel loops.
//
// Threads live only for the duration of one call: nothing stays alive between
// calls, so forking a process afterwards is safe (GCC's OpenMP runtime was seen
// to hang forked children on our machines).  The calling thread does no work
// itself: it waits, polls for Ctrl-C every few ms and, if asked to stop, raises
// the region's stop flag, joins every worker and throws nn::Interrupted.
// Exceptions thrown by a worker stop the region and are re-thrown on the
// calling thread.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace nn {

// Work item range [begin, end) handled by one call of the body, and the index
// (0..n_threads-1) of the worker running it.
using RangeBody = std::function<void(std::size_t begin, std::size_t end, int worker)>;

// Splits [0, n) into chunks of `grain` items (>= 1) handed out dynamically to
// `n_threads` workers.  Which worker runs which chunk varies between runs, so
// bodies must write results by item index, never by worker order, for results
// to be identical for every n_threads.
void parallel_for(std::size_t n, int n_threads, std::size_t grain, const RangeBody& body);

// Number of hardware threads (>= 1).
int hardware_threads();

}  // namespace nn
