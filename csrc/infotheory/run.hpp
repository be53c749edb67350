// Parallel loop for the infotheory kernels: nn::parallel_for, except that one
// thread (or a loop too small to share) runs inline on the calling thread.
// Starting and joining threads costs milliseconds on a loaded machine, which
// would dominate the small all-pairs problems; results never depend on it
// (bodies write by item index).
#pragma once
#include <algorithm>
#include <cstddef>

#include "common/parallel.hpp"

namespace nn {
namespace info {

template <class Body>
void run_parallel(std::size_t n, int n_threads, std::size_t grain, Body&& body) {
  if (n == 0) return;
  if (grain == 0) grain = 1;
  if (n_threads <= 1 || n <= grain) {
    for (std::size_t b = 0; b < n; b += grain) body(b, std::min(n, b + grain), 0);
    return;
  }
  parallel_for(n, n_threads, grain, body);
}

}  // namespace info
}  // namespace nn
