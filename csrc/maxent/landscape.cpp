// Energy landscape of an Ising model on the single-flip graph of its 2^N
// states (Ezaki et al. 2017, Phil. Trans. R. Soc. A 375:20160287; Watanabe et
// al. 2014, Nat. Commun. 5:4765): local minima, steepest-descent basins, and
// the merge sequence of the sublevel sets that defines the disconnectivity
// graph (the lowest saddle between two minima is the state at which their
// components first join when states are added in increasing energy).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"
#include "maxent/maxent.hpp"

namespace nn {
namespace maxent {
namespace {

inline bool before(const double* E, std::int64_t a, std::int64_t b) {
  return E[a] < E[b] || (E[a] == E[b] && a < b);
}

// Sorts the state indices `idx` by (E[k], k), the order of before(), given that
// idx is in increasing index order on entry: a stable LSD radix sort (11-bit
// digits) on order-preserving 64-bit images of the energies, so ties keep index
// order.  Linear time, and it polls for Ctrl-C every 64k elements (std::sort
// of 2^25 states could not be interrupted for seconds).  Energies are finite
// (the Python layer checks); -0.0 is keyed as +0.0 so that it ties with it.
void sort_by_energy(const double* E, std::vector<std::int64_t>& idx) {
  const std::size_t m = idx.size();
  if (m < 2) return;
  constexpr int digit_bits = 11;
  constexpr std::size_t buckets = std::size_t{1} << digit_bits;
  constexpr std::size_t poll = std::size_t{1} << 16;
  std::vector<std::uint64_t> key(m), key2(m);
  std::vector<std::int64_t> idx2(m);
  for (std::size_t i = 0; i < m; ++i) {
    if (i % poll == 0) check_interrupt();
    double e = E[idx[i]];
    if (e == 0.0) e = 0.0;
    std::uint64_t u;
    std::memcpy(&u, &e, sizeof u);
    key[i] = (u >> 63) ? ~u : (u | (std::uint64_t{1} << 63));
  }
  std::vector<std::size_t> count(buckets);
  for (int shift = 0; shift < 64; shift += digit_bits) {
    std::fill(count.begin(), count.end(), std::size_t{0});
    for (std::size_t i = 0; i < m; ++i) {
      if (i % poll == 0) check_interrupt();
      ++count[(key[i] >> shift) & (buckets - 1)];
    }
    if (count[(key[0] >> shift) & (buckets - 1)] == m) continue;  // one digit: nothing moves
    std::size_t sum = 0;
    for (auto& c : count) {
      const std::size_t c0 = c;
      c = sum;
      sum += c0;
    }
    for (std::size_t i = 0; i < m; ++i) {
      if (i % poll == 0) check_interrupt();
      const std::size_t pos = count[(key[i] >> shift) & (buckets - 1)]++;
      key2[pos] = key[i];
      idx2[pos] = idx[i];
    }
    key.swap(key2);
    idx.swap(idx2);
  }
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
                 for (std::size_t k = b; k < e; ++k) {
                   if (k % 4096 == 0 || k == b) check_interrupt();  // body may be the whole range
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
                 for (std::size_t k = b; k < e; ++k) {
                   if (k % 4096 == 0 || k == b) check_interrupt();
                   std::int64_t x = static_cast<std::int64_t>(k);
                   while (down[x] != x) x = down[x];
                   basin[k] = x;
                 }
               });
  minima.clear();
  for (std::int64_t k = 0; k < S; ++k) {
    if ((k & 0xFFFF) == 0) check_interrupt();
    if (down[k] == k) minima.push_back(k);
  }
  sort_by_energy(E, minima);  // increasing index on entry

  // Sublevel-set merges (a Kruskal-like sweep in energy order).
  std::vector<std::int64_t> order(static_cast<std::size_t>(S));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  sort_by_energy(E, order);
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
