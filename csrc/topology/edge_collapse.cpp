// Filtration-preserving edge collapse (see edge_collapse.hpp).
#include "topology/edge_collapse.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/interrupt.hpp"

namespace nn {
namespace topology {

using idx = std::int64_t;

// Above this size the n x n matrix of filtration values gives way to values
// stored beside the neighbour lists (when the graph is sparse enough).
constexpr double kDenseTauMaxBytes = 256.0 * (1 << 20);

// Current filtration values as a full n x n matrix (fast for dense graphs).
template <class T>
struct DenseTau {
  DenseTau(std::size_t n, const std::vector<FilteredEdge<T>>& edges)
      : n(n), m(n * n, std::numeric_limits<T>::infinity()) {
    for (const auto& e : edges) set(e.u, e.v, e.f);
  }
  const T* row(idx a) const { return m.data() + static_cast<std::size_t>(a) * n; }
  void set(idx a, idx b, T v) {
    m[static_cast<std::size_t>(a) * n + static_cast<std::size_t>(b)] = v;
    m[static_cast<std::size_t>(b) * n + static_cast<std::size_t>(a)] = v;
  }
  std::size_t n;
  std::vector<T> m;
};

// Current filtration values beside the neighbour lists (sorted by vertex):
// memory proportional to the edges, lookups by binary search.
template <class T>
struct SparseTau {
  struct Row {
    const idx* b;
    const idx* e;
    const T* v;
    T operator[](idx z) const {
      const idx* it = std::lower_bound(b, e, z);
      return (it != e && *it == z) ? v[it - b] : std::numeric_limits<T>::infinity();
    }
  };
  SparseTau(const std::vector<std::size_t>& start, const std::vector<idx>& nb,
            const std::vector<FilteredEdge<T>>& edges)
      : start(start), nb(nb), val(nb.size(), std::numeric_limits<T>::infinity()) {
    for (const auto& e : edges) set(e.u, e.v, e.f);
  }
  Row row(idx a) const {
    const std::size_t s0 = start[static_cast<std::size_t>(a)];
    const std::size_t s1 = start[static_cast<std::size_t>(a) + 1];
    return Row{nb.data() + s0, nb.data() + s1, val.data() + s0};
  }
  void set(idx a, idx b, T v) {
    put(a, b, v);
    put(b, a, v);
  }
  void put(idx a, idx b, T v) {
    const idx* b0 = nb.data() + start[static_cast<std::size_t>(a)];
    const idx* b1 = nb.data() + start[static_cast<std::size_t>(a) + 1];
    val[static_cast<std::size_t>(std::lower_bound(b0, b1, b) - nb.data())] = v;
  }
  const std::vector<std::size_t>& start;
  const std::vector<idx>& nb;
  std::vector<T> val;
};

// Common neighbours of uv in the current graph, as (max(tau(uz), tau(vz)), z)
// in the order of lb (the lower-degree endpoint's list, len entries) -> count.
// Dense values: one lookup per entry (branch-free compaction).
template <class T>
std::size_t common_neighbours(const DenseTau<T>& tau, idx u, idx v, const idx* lb,
                              std::size_t len, std::pair<T, idx>* cn) {
  const T inf = std::numeric_limits<T>::infinity();
  const T* tu = tau.row(u);
  const T* tv = tau.row(v);
  std::size_t m = 0;
  for (std::size_t q = 0; q < len; ++q) {
    const idx z = lb[q];
    const T a = std::max(tu[z], tv[z]);
    cn[m] = {a, z};
    m += (a != inf) & (z != u) & (z != v);
  }
  return m;
}

// Values beside sorted lists: one merge of the two lists instead of two
// binary searches per entry; the result is the same (lb is sorted too, so
// both give the common neighbours in increasing vertex order).
template <class T>
std::size_t common_neighbours(const SparseTau<T>& tau, idx u, idx v, const idx*, std::size_t,
                              std::pair<T, idx>* cn) {
  const T inf = std::numeric_limits<T>::infinity();
  const idx* nb = tau.nb.data();
  const T* val = tau.val.data();
  std::size_t i = tau.start[static_cast<std::size_t>(u)];
  const std::size_t ie = tau.start[static_cast<std::size_t>(u) + 1];
  std::size_t j = tau.start[static_cast<std::size_t>(v)];
  const std::size_t je = tau.start[static_cast<std::size_t>(v) + 1];
  std::size_t m = 0;
  while (i < ie && j < je) {
    const idx a = nb[i], b = nb[j];
    if (a == b) {
      const T x = std::max(val[i], val[j]);
      cn[m] = {x, a};
      m += (x != inf) & (a != u) & (a != v);
      ++i;
      ++j;
    } else if (a < b) {
      ++i;
    } else {
      ++j;
    }
  }
  return m;
}

// The collapse proper, on edges sorted by (f, u, v), with tau the current
// filtration values (Tau: DenseTau or SparseTau) and nb_start/nb the
// neighbour lists of the input graph.
template <class T, class Tau>
std::vector<FilteredEdge<T>> collapse_with(std::size_t n, const std::vector<FilteredEdge<T>>& edges,
                                           Tau& tau, const std::vector<std::size_t>& nb_start,
                                           const std::vector<idx>& nb, bool* gave_up) {
  const std::size_t probe = std::max<std::size_t>(1000, edges.size() / 8);
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<FilteredEdge<T>> out;
  std::vector<std::pair<T, idx>> cn(n);  // common neighbours (appearance time, vertex), cn[0..m)
  std::vector<idx> cand;  // dominator candidates at the current value
  cand.reserve(n);
  idx last_w = -1;
  std::size_t work = 0;
  for (std::size_t i = edges.size(); i-- > 0;) {
    const idx u = edges[i].u, v = edges[i].v;
    const T t = edges[i].f;
    const auto tu = tau.row(u);
    const auto tv = tau.row(v);
    const std::size_t du = nb_start[u + 1] - nb_start[u], dv = nb_start[v + 1] - nb_start[v];
    const idx* lb = nb.data() + nb_start[du <= dv ? u : v];
    const std::size_t len = std::min(du, dv);
    const std::size_t m = common_neighbours(tau, u, v, lb, len, cn.data());
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
        const auto tw = tau.row(w);
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
      const auto tw = tau.row(w);
      T next = inf;
      for (std::size_t q = k; q < m; ++q)
        if (tw[cn[q].second] > cn[q].first) next = std::min(next, cn[q].first);
      work += m - k;
      if (next == inf) break;  // dominated up to the end: s = inf
      r = next;
    }
    tau.set(u, v, s);
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

template <class T>
bool collapse_is_sparse(std::size_t n, std::size_t n_edges) {
  const double dense = static_cast<double>(n) * static_cast<double>(n) * sizeof(T);
  return dense > kDenseTauMaxBytes && 2.0 * static_cast<double>(n_edges) * 4 < static_cast<double>(n) * n;
}

template <class T>
double collapse_bytes(std::size_t n, std::size_t n_edges) {
  const double e = static_cast<double>(n_edges);
  const double lists = 2 * e * sizeof(idx) + static_cast<double>(n + 1) * sizeof(std::size_t);
  const double tau = collapse_is_sparse<T>(n, n_edges)
                         ? 2 * e * sizeof(T)
                         : static_cast<double>(n) * static_cast<double>(n) * sizeof(T);
  return tau + lists + 2 * e * sizeof(FilteredEdge<T>);
}

template <class T>
std::vector<FilteredEdge<T>> collapse_edges(std::size_t n, std::vector<FilteredEdge<T>> edges,
                                            bool* gave_up, TauStore store) {
  if (gave_up) *gave_up = false;
  // A fixed total order refining the filtration (deterministic for ties).
  std::sort(edges.begin(), edges.end(), [](const FilteredEdge<T>& a, const FilteredEdge<T>& b) {
    if (a.f != b.f) return a.f < b.f;
    if (a.u != b.u) return a.u < b.u;
    return a.v < b.v;
  });
  // Neighbour lists of the input graph: common neighbours of uv are found
  // among those of the endpoint of lower degree (removed edges have tau = inf).
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
  const bool sparse = store == TauStore::kAuto ? collapse_is_sparse<T>(n, edges.size())
                                               : store == TauStore::kSparse;
  if (!sparse) {
    DenseTau<T> tau(n, edges);
    return collapse_with<T>(n, edges, tau, nb_start, nb, gave_up);
  }
  for (std::size_t x = 0; x < n; ++x)
    std::sort(nb.begin() + static_cast<std::ptrdiff_t>(nb_start[x]),
              nb.begin() + static_cast<std::ptrdiff_t>(nb_start[x + 1]));
  SparseTau<T> tau(nb_start, nb, edges);
  return collapse_with<T>(n, edges, tau, nb_start, nb, gave_up);
}

template <class T>
std::vector<FilteredEdge<T>> collapse_dense(const T* dist, std::size_t n, T threshold,
                                            TauStore store) {
  std::vector<FilteredEdge<T>> edges;
  for (std::size_t i = 1; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) {
      const T x = dist[i * n + j];
      if (x <= threshold && std::isfinite(x))
        edges.push_back({static_cast<std::int64_t>(i), static_cast<std::int64_t>(j), x});
    }
  std::vector<FilteredEdge<T>> kept = collapse_edges<T>(n, std::move(edges), nullptr, store);
  std::sort(kept.begin(), kept.end(), [](const FilteredEdge<T>& a, const FilteredEdge<T>& b) {
    if (a.f != b.f) return a.f < b.f;
    if (a.u != b.u) return a.u < b.u;
    return a.v < b.v;
  });
  return kept;
}

template std::vector<FilteredEdge<float>> collapse_dense<float>(const float*, std::size_t, float,
                                                                TauStore);
template std::vector<FilteredEdge<double>> collapse_dense<double>(const double*, std::size_t,
                                                                  double, TauStore);
template double collapse_bytes<float>(std::size_t, std::size_t);
template double collapse_bytes<double>(std::size_t, std::size_t);
template std::vector<FilteredEdge<float>> collapse_edges<float>(
    std::size_t, std::vector<FilteredEdge<float>>, bool*, TauStore);
template std::vector<FilteredEdge<double>> collapse_edges<double>(
    std::size_t, std::vector<FilteredEdge<double>>, bool*, TauStore);

}  // namespace topology
}  // namespace nn
