// Filtration-preserving edge collapse (see edge_collapse.hpp).
#include "topology/edge_collapse.hpp"

#include <algorithm>
#include <limits>

#include "common/interrupt.hpp"

namespace nn {
namespace topology {

template <class T>
std::vector<FilteredEdge<T>> collapse_edges(std::size_t n, std::vector<FilteredEdge<T>> edges,
                                            bool* gave_up) {
  if (gave_up) *gave_up = false;
  const std::size_t probe = std::max<std::size_t>(1000, edges.size() / 8);
  using idx = std::int64_t;
  const T inf = std::numeric_limits<T>::infinity();
  // A fixed total order refining the filtration (deterministic for ties).
  std::sort(edges.begin(), edges.end(), [](const FilteredEdge<T>& a, const FilteredEdge<T>& b) {
    if (a.f != b.f) return a.f < b.f;
    if (a.u != b.u) return a.u < b.u;
    return a.v < b.v;
  });
  // tau[x][y]: the current filtration value of edge xy (inf = absent).  While
  // edge i is processed, edges before it hold their original values and edges
  // after it their final (shifted) values.
  std::vector<T> tau(n * n, inf);
  for (const auto& e : edges) {
    tau[static_cast<std::size_t>(e.u) * n + static_cast<std::size_t>(e.v)] = e.f;
    tau[static_cast<std::size_t>(e.v) * n + static_cast<std::size_t>(e.u)] = e.f;
  }
  // Neighbour lists of the input graph: common neighbours of uv are found
  // among those of the endpoint of lower degree (edges removed so far have
  // tau = inf and drop out).
  std::vector<std::size_t> nb_start(n + 1, 0);
  for (const auto& e : edges) {
    ++nb_start[static_cast<std::size_t>(e.u) + 1];
    ++nb_start[static_cast<std::size_t>(e.v) + 1];
  }
  for (std::size_t x = 0; x < n; ++x) nb_start[x + 1] += nb_start[x];
  std::vector<idx> nb(nb_start[n]);
  {
    std::vector<std::size_t> fill(nb_start.begin(), nb_start.end() - 1);
    for (const auto& e : edges) {
      nb[fill[static_cast<std::size_t>(e.u)]++] = e.v;
      nb[fill[static_cast<std::size_t>(e.v)]++] = e.u;
    }
  }
  std::vector<FilteredEdge<T>> out;
  std::vector<std::pair<T, idx>> cn(n);  // common neighbours (appearance time, vertex), cn[0..m)
  std::vector<idx> cand;  // dominator candidates at the current value
  cand.reserve(n);
  idx last_w = -1;
  std::size_t work = 0;
  for (std::size_t i = edges.size(); i-- > 0;) {
    const idx u = edges[i].u, v = edges[i].v;
    const T t = edges[i].f;
    const T* tu = tau.data() + static_cast<std::size_t>(u) * n;
    const T* tv = tau.data() + static_cast<std::size_t>(v) * n;
    const std::size_t du = nb_start[u + 1] - nb_start[u], dv = nb_start[v + 1] - nb_start[v];
    const idx* lb = nb.data() + nb_start[du <= dv ? u : v];
    const std::size_t len = std::min(du, dv);
    std::size_t m = 0;
    for (std::size_t q = 0; q < len; ++q) {  // branch-free compaction
      const idx z = lb[q];
      const T a = std::max(tu[z], tv[z]);
      cn[m] = {a, z};
      m += (a != inf) & (z != u) & (z != v);
    }
    work += len + m;  // cn[0..m): the common neighbours of uv
    // Find the first value s >= t at which uv is not dominated in the current
    // graph at s (Glisse & Pritam's shift); s = inf removes the edge (trim).
    // cn[0..k) holds the common neighbours present at r (a partition, no sort).
    T r = t;
    T s = inf;
    std::size_t k = 0;
    while (true) {
      k = static_cast<std::size_t>(
          std::partition(cn.begin() + static_cast<std::ptrdiff_t>(k),
                         cn.begin() + static_cast<std::ptrdiff_t>(m),
                         [r](const std::pair<T, idx>& c) { return c.first <= r; }) -
          cn.begin());
      auto dominates = [&](idx w) {
        const T* tw = tau.data() + static_cast<std::size_t>(w) * n;
        for (std::size_t q = 0; q < k; ++q) {
          const idx z = cn[q].second;
          if (z != w && tw[z] > r) {
            work += q;
            // move the witness to the front: the next candidates are likely
            // not adjacent to it either (cheap early rejection)
            std::swap(cn[q], cn[0]);
            return false;
          }
        }
        work += k;
        return true;
      };
      idx w = -1;
      // try the last dominator first (often dominates again)
      if (last_w >= 0 && last_w != u && last_w != v &&
          std::max(tu[last_w], tv[last_w]) <= r && dominates(last_w))
        w = last_w;
      cand.clear();
      for (std::size_t q = 0; q < k; ++q) cand.push_back(cn[q].second);
      for (std::size_t q = 0; w < 0 && q < k; ++q) {
        const idx c = cand[q];
        if (c != last_w && dominates(c)) w = c;
      }
      if (w < 0) {
        s = r;
        break;
      }
      last_w = w;
      // w keeps dominating until a common neighbour appears that w is not
      // yet adjacent to.
      const T* tw = tau.data() + static_cast<std::size_t>(w) * n;
      T next = inf;
      for (std::size_t q = k; q < m; ++q)
        if (tw[cn[q].second] > cn[q].first) next = std::min(next, cn[q].first);
      work += m - k;
      if (next == inf) break;  // dominated up to the end: s = inf
      r = next;
    }
    tau[static_cast<std::size_t>(u) * n + static_cast<std::size_t>(v)] = s;
    tau[static_cast<std::size_t>(v) * n + static_cast<std::size_t>(u)] = s;
    if (s != inf) out.push_back({u, v, s});
    if (gave_up && edges.size() - i == probe && probe < edges.size() && 2 * out.size() > probe) {
      *gave_up = true;
      return {};
    }
    if (work > (1u << 20)) {
      work = 0;
      check_interrupt();
    }
  }
  return out;
}

template std::vector<FilteredEdge<float>> collapse_edges<float>(
    std::size_t, std::vector<FilteredEdge<float>>, bool*);
template std::vector<FilteredEdge<double>> collapse_edges<double>(
    std::size_t, std::vector<FilteredEdge<double>>, bool*);

}  // namespace topology
}  // namespace nn
