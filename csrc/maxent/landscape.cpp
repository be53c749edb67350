// Energy landscape of an Ising model on the single-flip graph of its 2^N
// states (Ezaki et al. 2017, Phil. Trans. R. Soc. A 375:20160287; Watanabe et
// al. 2014, Nat. Commun. 5:4765): local minima, steepest-descent basins, and
// the merge sequence of the sublevel sets that defines the disconnectivity
// graph (the lowest saddle between two minima is the state at which their
// components first join when states are added in increasing energy).
#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"
#include "maxent/maxent.hpp"

namespace nn {
namespace maxent {
namespace {

inline bool before(const double* E, std::int64_t a, std::int64_t b) {
  return E[a] < E[b] || (E[a] == E[b] && a < b);
}

std::int64_t find(std::vector<std::int64_t>& parent, std::int64_t x) {
  while (parent[x] != x) {
    parent[x] = parent[parent[x]];
    x = parent[x];
  }
  return x;
}

}  // namespace

void landscape(const double* E, int n, std::int64_t* down, std::int64_t* basin,
               std::vector<std::int64_t>& minima, std::vector<std::int64_t>& merges,
               int n_threads) {
  if (n < 1 || n > max_exact_units)
    throw std::invalid_argument("energy landscape needs 1 <= N <= " +
                                std::to_string(max_exact_units));
  const std::int64_t S = std::int64_t{1} << n;
  const std::size_t grain = 4096;
  run_range(static_cast<std::size_t>(S), n_threads, grain, static_cast<std::size_t>(S) * n,
               [&](std::size_t b, std::size_t e, int) {
                 check_interrupt();
                 for (std::size_t k = b; k < e; ++k) {
                   std::int64_t best = static_cast<std::int64_t>(k);
                   for (int i = 0; i < n; ++i) {
                     const std::int64_t nb = static_cast<std::int64_t>(k) ^ (std::int64_t{1} << i);
                     // strictly lower energy only; among equal energies the smaller index
                     if (E[nb] < E[best] || (E[nb] == E[best] && best != static_cast<std::int64_t>(k) && nb < best))
                       best = nb;
                   }
                   down[k] = best;
                 }
               });
  run_range(static_cast<std::size_t>(S), n_threads, grain, static_cast<std::size_t>(S) * n,
               [&](std::size_t b, std::size_t e, int) {
                 check_interrupt();
                 for (std::size_t k = b; k < e; ++k) {
                   std::int64_t x = static_cast<std::int64_t>(k);
                   while (down[x] != x) x = down[x];
                   basin[k] = x;
                 }
               });
  minima.clear();
  for (std::int64_t k = 0; k < S; ++k)
    if (down[k] == k) minima.push_back(k);
  std::sort(minima.begin(), minima.end(),
            [&](std::int64_t a, std::int64_t b) { return before(E, a, b); });

  // Sublevel-set merges (a Kruskal-like sweep in energy order).
  std::vector<std::int64_t> order(static_cast<std::size_t>(S));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  std::sort(order.begin(), order.end(),
            [&](std::int64_t a, std::int64_t b) { return before(E, a, b); });
  std::vector<std::int64_t> parent(static_cast<std::size_t>(S), -1), rep(static_cast<std::size_t>(S), -1);
  std::vector<std::int64_t> size(static_cast<std::size_t>(S), 0);
  merges.clear();
  std::size_t count = 0;
  for (std::int64_t k : order) {
    if (++count % 65536 == 0) check_interrupt();
    parent[k] = k;
    size[k] = 1;
    rep[k] = down[k] == k ? k : -1;
    for (int i = 0; i < n; ++i) {
      const std::int64_t nb = k ^ (std::int64_t{1} << i);
      if (parent[nb] < 0) continue;  // not added yet
      std::int64_t ra = find(parent, k), rb = find(parent, nb);
      if (ra == rb) continue;
      const std::int64_t pa = rep[ra], pb = rep[rb];
      std::int64_t r;
      if (pa >= 0 && pb >= 0) {
        // Order the pair so that the lower minimum comes first.
        if (before(E, pa, pb)) {
          merges.insert(merges.end(), {k, pa, pb});
          r = pa;
        } else {
          merges.insert(merges.end(), {k, pb, pa});
          r = pb;
        }
      } else {
        r = pa >= 0 ? pa : pb;
      }
      if (size[ra] < size[rb]) std::swap(ra, rb);
      parent[rb] = ra;
      size[ra] += size[rb];
      rep[ra] = r;
    }
  }
}

}  // namespace maxent
}  // namespace nn
