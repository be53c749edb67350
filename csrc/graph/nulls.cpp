// Random number generator, degree-preserving rewiring, latticisation,
// strength-preserving weight reassignment, Louvain communities.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <utility>
#include <vector>

#include "common/interrupt.hpp"
#include "graph/graph.hpp"

namespace nn {
namespace graph {

// ---------------------------------------------------------------------------
// degree-preserving rewiring / latticisation

namespace {
inline double ring_distance(std::size_t i, std::size_t j, std::size_t n) {
  const std::size_t d = i > j ? i - j : j - i;
  return static_cast<double>(std::min(d, n - d));
}
}  // namespace

std::size_t rewire_undirected(MatrixView<double> W, std::uint64_t n_swaps,
                              std::uint64_t max_attempts, bool lattice, std::uint64_t seed) {
  const std::size_t n = W.rows;
  if (W.cols != n) throw std::invalid_argument("W must be square");
  std::vector<std::pair<std::size_t, std::size_t>> edges;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (W(i, j) != 0.0) edges.emplace_back(i, j);
  const std::size_t E = edges.size();
  if (E < 2) return 0;
  Rng rng(seed);
  std::size_t accepted = 0;
  for (std::uint64_t it = 0; it < max_attempts && accepted < n_swaps; ++it) {
    if ((it & 0xffff) == 0) check_interrupt();
    const std::size_t e1 = rng.below(E);
    std::size_t e2 = rng.below(E - 1);
    if (e2 >= e1) ++e2;
    std::size_t a = edges[e1].first, b = edges[e1].second;
    std::size_t c = edges[e2].first, d = edges[e2].second;
    if (rng.next() >> 63) std::swap(c, d);
    if (a == c || a == d || b == c || b == d) continue;
    if (W(a, d) != 0.0 || W(c, b) != 0.0) continue;
    const double w1 = W(a, b), w2 = W(c, d);
    if (lattice) {
      const double old_cost = w1 * ring_distance(a, b, n) + w2 * ring_distance(c, d, n);
      const double new_cost = w1 * ring_distance(a, d, n) + w2 * ring_distance(c, b, n);
      if (new_cost > old_cost) continue;
    }
    W(a, b) = W(b, a) = 0.0;
    W(c, d) = W(d, c) = 0.0;
    W(a, d) = W(d, a) = w1;
    W(c, b) = W(b, c) = w2;
    edges[e1] = {std::min(a, d), std::max(a, d)};
    edges[e2] = {std::min(c, b), std::max(c, b)};
    ++accepted;
  }
  return accepted;
}

// ---------------------------------------------------------------------------
// strength-preserving weight reassignment (Rubinov & Sporns 2011 style)

void assign_weights_strength(MatrixView<const double> B, const double* weights,
                             std::size_t n_weights, const double* strength,
                             double batch_fraction, std::uint64_t n_refine, std::uint64_t seed,
                             MatrixView<double> out) {
  const std::size_t n = B.rows;
  if (B.cols != n || out.rows != n || out.cols != n)
    throw std::invalid_argument("assign_weights_strength: bad shapes");
  std::vector<std::pair<std::size_t, std::size_t>> R;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (B(i, j) != 0.0) R.emplace_back(i, j);
  if (R.size() != n_weights)
    throw std::invalid_argument("the skeleton must have as many edges as there are weights");
  std::vector<double> wv(weights, weights + n_weights);
  std::sort(wv.begin(), wv.end(), [](double x, double y) { return x > y; });
  std::vector<double> s(strength, strength + n);
  for (std::size_t i = 0; i < n * n; ++i) out.data[i] = 0.0;
  Rng rng(seed);
  std::vector<double> key;
  std::vector<std::size_t> order, pos;
  std::vector<char> used;
  while (!R.empty()) {
    check_interrupt();
    const std::size_t m = R.size();
    key.resize(m);
    for (std::size_t r = 0; r < m; ++r)
      key[r] = std::max(s[R[r].first], 0.0) * std::max(s[R[r].second], 0.0);
    order.resize(m);
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
      return key[x] > key[y] || (key[x] == key[y] && x < y);
    });
    std::vector<std::pair<std::size_t, std::size_t>> Rs(m);
    for (std::size_t r = 0; r < m; ++r) Rs[r] = R[order[r]];
    std::size_t batch = static_cast<std::size_t>(std::floor(batch_fraction * static_cast<double>(m)));
    batch = std::max<std::size_t>(1, std::min(batch, m));
    // choose `batch` distinct rank positions (partial Fisher-Yates)
    pos.resize(m);
    std::iota(pos.begin(), pos.end(), std::size_t(0));
    used.assign(m, 0);
    for (std::size_t t = 0; t < batch; ++t) {
      const std::size_t j = t + rng.below(m - t);
      std::swap(pos[t], pos[j]);
      const std::size_t p = pos[t];
      used[p] = 1;
      const auto e = Rs[p];
      const double w = wv[p];
      out(e.first, e.second) = out(e.second, e.first) = w;
      s[e.first] -= w;
      s[e.second] -= w;
    }
    std::vector<std::pair<std::size_t, std::size_t>> R2;
    std::vector<double> wv2;
    R2.reserve(m - batch);
    wv2.reserve(m - batch);
    for (std::size_t p = 0; p < m; ++p)
      if (!used[p]) {
        R2.push_back(Rs[p]);
        wv2.push_back(wv[p]);
      }
    R.swap(R2);
    wv.swap(wv2);
  }
  // Refinement: swap the weights of two random edges when that lowers
  // sum_i (s_i - target_i)^2 (weights stay a permutation of the originals).
  std::vector<std::pair<std::size_t, std::size_t>> E;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j)
      if (B(i, j) != 0.0) E.emplace_back(i, j);
  if (E.size() < 2) return;
  std::vector<double> res(n, 0.0);  // current strength - target
  for (std::size_t i = 0; i < n; ++i) {
    double si = 0.0;
    for (std::size_t j = 0; j < n; ++j) si += out(i, j);
    res[i] = si - strength[i];
  }
  for (std::uint64_t it = 0; it < n_refine; ++it) {
    if ((it & 0xffff) == 0) check_interrupt();
    const std::size_t e1 = rng.below(E.size());
    std::size_t e2 = rng.below(E.size() - 1);
    if (e2 >= e1) ++e2;
    const auto [a, b] = E[e1];
    const auto [c, d] = E[e2];
    const double w1 = out(a, b), w2 = out(c, d);
    const double delta = w2 - w1;  // e1 gains delta, e2 loses it
    if (delta == 0.0) continue;
    std::size_t nodes[4] = {a, b, c, d};
    double change[4] = {delta, delta, -delta, -delta};
    double derr = 0.0;
    for (int x = 0; x < 4; ++x) {
      if (change[x] == 0.0 && x > 0) continue;
      double ch = change[x];
      for (int y = x + 1; y < 4; ++y)
        if (nodes[y] == nodes[x]) {
          ch += change[y];
          change[y] = 0.0;
        }
      change[x] = ch;
      const double r = res[nodes[x]];
      derr += (r + ch) * (r + ch) - r * r;
    }
    if (derr < 0.0) {
      out(a, b) = out(b, a) = w2;
      out(c, d) = out(d, c) = w1;
      for (int x = 0; x < 4; ++x) res[nodes[x]] += change[x];
    }
  }
}

// ---------------------------------------------------------------------------
// Louvain

double louvain(MatrixView<const double> W, double gamma, std::uint64_t seed,
               std::int64_t* labels) {
  const std::size_t n0 = W.rows;
  if (W.cols != n0) throw std::invalid_argument("W must be square");
  if (n0 == 0) return 0.0;
  std::vector<double> G(W.data, W.data + n0 * n0);
  double m2 = 0.0;
  for (double v : G) m2 += v;
  std::vector<std::size_t> assign(n0);
  std::iota(assign.begin(), assign.end(), std::size_t(0));
  if (m2 <= 0.0) {
    for (std::size_t i = 0; i < n0; ++i) labels[i] = static_cast<std::int64_t>(i);
    return 0.0;
  }
  Rng rng(seed);
  const double tol = 1e-13 * m2;
  std::size_t nl = n0;
  std::vector<double> k, tot, wc;
  std::vector<std::size_t> comm, order, touched;
  for (int level = 0; level < 1000; ++level) {
    k.assign(nl, 0.0);
    for (std::size_t i = 0; i < nl; ++i)
      for (std::size_t j = 0; j < nl; ++j) k[i] += G[i * nl + j];
    comm.resize(nl);
    std::iota(comm.begin(), comm.end(), std::size_t(0));
    tot = k;
    wc.assign(nl, 0.0);
    std::vector<char> is_touched(nl, 0);
    bool moved_any = false;
    for (int pass = 0; pass < 1000; ++pass) {
      order.resize(nl);
      std::iota(order.begin(), order.end(), std::size_t(0));
      for (std::size_t t = nl; t > 1; --t) std::swap(order[t - 1], order[rng.below(t)]);
      std::size_t moves = 0;
      for (std::size_t i : order) {
        check_interrupt();
        const std::size_t ci = comm[i];
        touched.clear();
        const double* gi = G.data() + i * nl;
        for (std::size_t j = 0; j < nl; ++j) {
          if (j == i || gi[j] == 0.0) continue;
          const std::size_t cj = comm[j];
          if (!is_touched[cj]) {
            is_touched[cj] = 1;
            touched.push_back(cj);
          }
          wc[cj] += gi[j];
        }
        tot[ci] -= k[i];
        std::size_t best = ci;
        double best_gain = wc[ci] - gamma * tot[ci] * k[i] / m2;
        for (std::size_t c : touched) {
          const double gain = wc[c] - gamma * tot[c] * k[i] / m2;
          if (gain > best_gain + tol) {
            best_gain = gain;
            best = c;
          }
        }
        tot[best] += k[i];
        if (best != ci) {
          comm[i] = best;
          ++moves;
        }
        for (std::size_t c : touched) {
          wc[c] = 0.0;
          is_touched[c] = 0;
        }
        wc[ci] = 0.0;
      }
      if (moves == 0) break;
      moved_any = true;
    }
    if (!moved_any) break;
    // renumber communities by first appearance
    std::vector<std::size_t> relabel(nl, nl);
    std::size_t K = 0;
    for (std::size_t i = 0; i < nl; ++i)
      if (relabel[comm[i]] == nl) relabel[comm[i]] = K++;
    for (std::size_t v = 0; v < n0; ++v) assign[v] = relabel[comm[assign[v]]];
    if (K == nl) break;
    std::vector<double> G2(K * K, 0.0);
    for (std::size_t i = 0; i < nl; ++i) {
      const std::size_t a = relabel[comm[i]];
      for (std::size_t j = 0; j < nl; ++j) G2[a * K + relabel[comm[j]]] += G[i * nl + j];
    }
    G.swap(G2);
    nl = K;
  }
  // final labels by first appearance and modularity on the original matrix
  std::vector<std::int64_t> relabel(n0, -1);
  std::int64_t K = 0;
  for (std::size_t v = 0; v < n0; ++v) {
    if (relabel[assign[v]] < 0) relabel[assign[v]] = K++;
    labels[v] = relabel[assign[v]];
  }
  std::vector<double> in(K, 0.0), tk(K, 0.0);
  for (std::size_t i = 0; i < n0; ++i) {
    const double* wi = W.data + i * n0;
    double ki = 0.0;
    for (std::size_t j = 0; j < n0; ++j) {
      ki += wi[j];
      if (labels[j] == labels[i]) in[labels[i]] += wi[j];
    }
    tk[labels[i]] += ki;
  }
  double q = 0.0;
  for (std::int64_t c = 0; c < K; ++c) q += in[c] - gamma * tk[c] * tk[c] / m2;
  return q / m2;
}

}  // namespace graph
}  // namespace nn
