// Filtration-preserving edge collapse (see edge_collapse.hpp).
#include "topology/edge_collapse.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "common/interrupt.hpp"

namespace nn {
namespace topology {

using idx = std::int64_t;

// Above this size the n x n matrix of filtration values is never used (the
// live neighbour lists below are; they never take more memory than the
// matrix with the input lists took).
constexpr double kDenseTauMaxBytes = 256.0 * (1 << 20);

// The current graph: every vertex's neighbours with the current filtration
// values of their edges, sorted by vertex.  Removed edges are erased, so the
// lists shrink as the collapse proceeds (most edges go); common neighbours
// and domination are merges of sorted lists (sequential reads).
template <class T>
struct NbLists {
  struct Nb {
    std::uint32_t v;
    T f;
  };
  NbLists(std::size_t n, const std::vector<FilteredEdge<T>>& edges)
      : start(n + 1, 0), len(n, 0), nb(2 * edges.size()) {
    for (const auto& e : edges) {
      ++start[static_cast<std::size_t>(e.u) + 1];
      ++start[static_cast<std::size_t>(e.v) + 1];
    }
    for (std::size_t x = 0; x < n; ++x) start[x + 1] += start[x];
    for (const auto& e : edges) {
      nb[start[static_cast<std::size_t>(e.u)] + len[static_cast<std::size_t>(e.u)]++] =
          Nb{static_cast<std::uint32_t>(e.v), e.f};
      nb[start[static_cast<std::size_t>(e.v)] + len[static_cast<std::size_t>(e.v)]++] =
          Nb{static_cast<std::uint32_t>(e.u), e.f};
    }
    for (std::size_t x = 0; x < n; ++x)
      std::sort(nb.begin() + static_cast<std::ptrdiff_t>(start[x]),
                nb.begin() + static_cast<std::ptrdiff_t>(start[x] + len[x]),
                [](const Nb& a, const Nb& b) { return a.v < b.v; });
  }
  const Nb* begin(idx a) const { return nb.data() + start[static_cast<std::size_t>(a)]; }
  const Nb* end(idx a) const { return begin(a) + len[static_cast<std::size_t>(a)]; }
  Nb* find(idx a, idx b) {  // the entry of b in a's list (present)
    Nb* b0 = nb.data() + start[static_cast<std::size_t>(a)];
    return std::lower_bound(b0, b0 + len[static_cast<std::size_t>(a)], b,
                            [](const Nb& x, idx y) { return static_cast<idx>(x.v) < y; });
  }
  void set(idx a, idx b, T f) {
    find(a, b)->f = f;
    find(b, a)->f = f;
  }
  void erase(idx a, idx b) {
    drop(a, b);
    drop(b, a);
  }
  void drop(idx a, idx b) {
    Nb* it = find(a, b);
    Nb* e = nb.data() + start[static_cast<std::size_t>(a)] + len[static_cast<std::size_t>(a)];
    std::copy(it + 1, e, it);
    --len[static_cast<std::size_t>(a)];
  }
  std::vector<std::size_t> start;
  std::vector<std::uint32_t> len;
  std::vector<Nb> nb;
};

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

// Bookkeeping after each edge of a collapse (edges are processed from the last): once the
// first `probe` of them are done, give up (and say so) if more than half were kept, since the
// collapse would then not pay; poll Ctrl-C every ~2^20 units of work.
inline bool end_of_edge(bool* gave_up, std::size_t done, std::size_t n_edges, std::size_t kept,
                        std::size_t& work) {
  const std::size_t probe = std::max<std::size_t>(1000, n_edges / 8);
  if (gave_up && done == probe && probe < n_edges && 2 * kept > probe) {
    *gave_up = true;
    return true;
  }
  if (work > (1u << 20)) {
    work = 0;
    check_interrupt();
  }
  return false;
}

// The collapse on the value matrix (small or dense graphs, where the matrix
// stays in cache or most entries are edges), on edges sorted by (f, u, v),
// with nb_start/nb the neighbour lists of the input graph.
template <class T, class Tau>
std::vector<FilteredEdge<T>> collapse_matrix(std::size_t n, const std::vector<FilteredEdge<T>>& edges,
                                           Tau& tau, const std::vector<std::size_t>& nb_start,
                                           const std::vector<idx>& nb, bool* gave_up) {
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
    if (end_of_edge(gave_up, edges.size() - i, edges.size(), out.size(), work)) return {};
  }
  return out;
}

// The collapse on live neighbour lists (large sparse graphs, where the
// matrix would not stay in cache), on edges sorted by (f, u, v).
template <class T>
std::vector<FilteredEdge<T>> collapse_lists(std::size_t n, const std::vector<FilteredEdge<T>>& edges,
                                            NbLists<T>& g, bool* gave_up) {
  using Nb = typename NbLists<T>::Nb;
  const T inf = std::numeric_limits<T>::infinity();
  std::vector<FilteredEdge<T>> out;
  // Common neighbours of the current edge: present at the current value r
  // (now, sorted by vertex) and appearing later (later: value and vertex,
  // sorted by vertex).
  std::vector<idx> now(n), now2(n), fresh(n);
  std::vector<std::pair<T, idx>> later(n);
  std::size_t work = 0;
  for (std::size_t i = edges.size(); i-- > 0;) {
    const idx u = edges[i].u, v = edges[i].v;
    const T t = edges[i].f;
    std::size_t kn = 0, kl = 0;
    {
      // branch-free merge of the two sorted lists (open neighbourhoods, so
      // neither u nor v is a common neighbour)
      const Nb* p = g.begin(u);
      const Nb* pe = g.end(u);
      const Nb* q = g.begin(v);
      const Nb* qe = g.end(v);
      work += static_cast<std::size_t>((pe - p) + (qe - q));
      while (p < pe && q < qe) {
        const std::uint32_t a = p->v, b = q->v;
        const T x = std::max(p->f, q->f);
        const bool eq = a == b;
        now[kn] = a;
        later[kl] = {x, a};
        kn += eq & (x <= t);
        kl += eq & (x > t);
        p += a <= b;
        q += b <= a;
      }
    }
    // Find the first value s >= t at which uv is not dominated in the current
    // graph at s (Glisse & Pritam's shift); s = inf removes the edge (trim).
    T r = t;
    T s = inf;
    std::size_t lb = 0;  // later[lb..kl): not yet present
    // w dominates uv at r: every present common neighbour but w is a
    // neighbour of w at r (one merge of now with w's list)
    auto dominates = [&](idx w) {
      const Nb* c = g.begin(w);
      const Nb* ce = g.end(w);
      // w needs u, v and the kn - 1 other present common neighbours among
      // its neighbours: a shorter list cannot dominate
      if (static_cast<std::size_t>(ce - c) < kn + 1) return false;
      for (std::size_t q = 0; q < kn; ++q) {
        const idx z = now[q];
        if (z == w) continue;
        while (c != ce && static_cast<idx>(c->v) < z) ++c;
        if (c == ce || static_cast<idx>(c->v) != z || c->f > r) {
          work += q + static_cast<std::size_t>(c - g.begin(w));
          return false;
        }
        ++c;
      }
      work += kn + static_cast<std::size_t>(c - g.begin(w));
      return true;
    };
    while (true) {
      // (unlike on the matrix, trying the last edge's dominator first does
      // not pay here: on the clifford torus it dominated again 350 times in
      // 2.2 million)
      idx w = -1;
      for (std::size_t q = 0; w < 0 && q < kn; ++q)
        if (dominates(now[q])) w = now[q];
      if (w < 0) {
        s = r;
        break;
      }
      // w keeps dominating until a common neighbour appears that w is not
      // yet adjacent to.
      T next = inf;
      {
        const Nb* c = g.begin(w);
        const Nb* ce = g.end(w);
        for (std::size_t q = lb; q < kl; ++q) {
          const idx z = later[q].second;
          while (c != ce && static_cast<idx>(c->v) < z) ++c;
          if (c == ce || static_cast<idx>(c->v) != z || c->f > later[q].first)
            next = std::min(next, later[q].first);
        }
        work += static_cast<std::size_t>(ce - g.begin(w)) + kl - lb;
      }
      if (next == inf) break;  // dominated up to the end: s = inf
      r = next;
      // the common neighbours present at r join now (both stay sorted)
      std::size_t kf = 0, kk = lb;
      for (std::size_t q = lb; q < kl; ++q) {
        if (later[q].first <= r)
          fresh[kf++] = later[q].second;
        else
          later[kk++] = later[q];
      }
      // later[lb..kk) keeps the rest in order; the present ones move to now
      std::merge(now.begin(), now.begin() + static_cast<std::ptrdiff_t>(kn), fresh.begin(),
                 fresh.begin() + static_cast<std::ptrdiff_t>(kf), now2.begin());
      now.swap(now2);
      kn += kf;
      kl = kk;
    }
    if (s == inf) {
      g.erase(u, v);
    } else {
      if (s != t) g.set(u, v, s);
      out.push_back({u, v, s});
    }
    if (end_of_edge(gave_up, edges.size() - i, edges.size(), out.size(), work)) return {};
  }
  return out;
}

// The value matrix when it is small enough to stay in cache, or when the
// graph is dense (measured: on 400 random points in R^3, klein_400,
// fractal_r and o3_1024 at threshold 1.8, density 6 %, the matrix is up to
// 3x faster; on o3_4096 at threshold 1.4, density 2.8 %, and on the
// clifford torus the lists are faster); never above kDenseTauMaxBytes.
constexpr double kMatrixCacheBytes = 8.0 * (1 << 20);
constexpr double kMatrixMinDensity = 0.05;

template <class T>
bool collapse_is_sparse(std::size_t n, std::size_t n_edges) {
  const double nn = static_cast<double>(n);
  const double dense = nn * nn * sizeof(T);
  if (dense > kDenseTauMaxBytes) return true;
  return dense > kMatrixCacheBytes && 2.0 * static_cast<double>(n_edges) < kMatrixMinDensity * nn * nn;
}

template <class T>
double collapse_bytes(std::size_t n, std::size_t n_edges) {
  const double e = static_cast<double>(n_edges);
  const double nn = static_cast<double>(n);
  const double edges = 2 * e * sizeof(FilteredEdge<T>);  // input and kept edges
  if (collapse_is_sparse<T>(n, n_edges))  // live lists, their offsets and lengths, buffers
    return edges + 2 * e * sizeof(typename NbLists<T>::Nb) + (nn + 1) * sizeof(std::size_t) +
           nn * (sizeof(std::uint32_t) + 3 * sizeof(idx) + sizeof(std::pair<T, idx>));
  // value matrix, input neighbour lists, buffers
  return edges + nn * nn * sizeof(T) + 2 * e * sizeof(idx) + (nn + 1) * sizeof(std::size_t) +
         nn * (sizeof(idx) + sizeof(std::pair<T, idx>));
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
  const bool sparse = store == TauStore::kAuto ? collapse_is_sparse<T>(n, edges.size())
                                               : store == TauStore::kSparse;
  if (sparse) {
    if (n > std::numeric_limits<std::uint32_t>::max())
      throw std::invalid_argument("edge collapse: too many vertices (at most 2^32 - 1)");
    NbLists<T> g(n, edges);
    return collapse_lists<T>(n, edges, g, gave_up);
  }
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
  DenseTau<T> tau(n, edges);
  return collapse_matrix<T>(n, edges, tau, nb_start, nb, gave_up);
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
