// Vietoris–Rips persistent cohomology: see rips.hpp for the references.
//
// Conventions (as in Ripser, so that pairings and ties behave the same way):
// a k-simplex with vertices v_0 < ... < v_k has index sum_i C(v_i, i + 1);
// the filtration order is (diameter ascending, index descending); columns of
// the coboundary matrix are reduced in the reverse order and the pivot of a
// column is its entry that comes first in the filtration (smallest diameter,
// then largest index).  Coboundary entries are enumerated by decreasing index,
// facets by increasing index.
#include "topology/rips.hpp"

#include <algorithm>
#include <mutex>
#include <optional>
#include <atomic>
#include <cmath>
#include <limits>
#include <utility>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"
#include "topology/edge_collapse.hpp"
#include "topology/pivot_queue.hpp"

namespace nn {
namespace topology {
namespace {

using coef_t = std::int64_t;
constexpr int kMaxVertices = 34;  // maxdim <= 32
// Parallel reduction: columns per batch and thread, and the fewest columns
// worth the threads' start-up.
constexpr std::size_t kBatchPerThread = 256;
constexpr std::size_t kParallelMinColumns = 2048;
// Lazy coboundaries (RipsOptions::lazy_after) serve simplices of up to
// kStreamVerts vertices.
constexpr int kStreamVerts = 8;

template <class T>
struct Entry {  // a simplex with its diameter and a coefficient in Z/p
  T diam;
  index_t idx;
  coef_t c;
};

template <class T>
struct Simplex {
  T diam;
  index_t idx;
};

// Reverse filtration order: larger diameter first, then smaller index.
template <class E>
inline bool rev_filtration_less(const E& a, const E& b) {
  return a.diam > b.diam || (a.diam == b.diam && a.idx < b.idx);
}

// std heap comparator: the heap's front is the pivot (smallest diameter, then
// largest index).
struct PivotHeapCmp {
  template <class E>
  bool operator()(const E& a, const E& b) const {
    return rev_filtration_less(a, b);
  }
};

class Binomial {
 public:
  Binomial(index_t n, int kmax) : n1_(static_cast<std::size_t>(n) + 1), kmax_(kmax) {
    table_.assign(n1_ * static_cast<std::size_t>(kmax + 1), 0);
    const index_t cap = std::numeric_limits<index_t>::max() / 4;
    for (index_t v = 0; v <= n; ++v) {
      at(v, 0) = 1;
      for (int k = 1; k <= kmax; ++k) {
        if (v == 0) {
          at(v, k) = 0;
          continue;
        }
        index_t s = at(v - 1, k - 1) + at(v - 1, k);
        at(v, k) = s > cap ? cap : s;  // saturate: only reached for sizes the caller refuses
      }
    }
  }
  index_t operator()(index_t v, int k) const {
    return table_[static_cast<std::size_t>(k) * n1_ + static_cast<std::size_t>(v)];
  }

 private:
  index_t& at(index_t v, int k) {
    return table_[static_cast<std::size_t>(k) * n1_ + static_cast<std::size_t>(v)];
  }
  std::size_t n1_;
  int kmax_;
  std::vector<index_t> table_;
};

// Open-addressing hash map: simplex index -> (column, pivot coefficient).
class PivotMap {
 public:
  struct Slot {
    index_t key;
    index_t col;
    coef_t c;
  };
  void reset(std::size_t expected) {
    std::size_t cap = 16;
    while (cap < 2 * expected + 16) cap <<= 1;
    slots_.assign(cap, Slot{-1, 0, 0});
    mask_ = cap - 1;
    size_ = 0;
  }
  void release() {
    std::vector<Slot>().swap(slots_);
    mask_ = 0;
    size_ = 0;
  }
  const Slot* find(index_t key) const {
    if (slots_.empty()) return nullptr;
    std::size_t h = hash(key) & mask_;
    while (true) {
      const Slot& s = slots_[h];
      if (s.key == key) return &s;
      if (s.key == -1) return nullptr;
      h = (h + 1) & mask_;
    }
  }
  bool contains(index_t key) const { return find(key) != nullptr; }
  void insert(index_t key, index_t col, coef_t c) {
    if (2 * (size_ + 1) > slots_.size()) grow();
    std::size_t h = hash(key) & mask_;
    while (slots_[h].key != -1) h = (h + 1) & mask_;
    slots_[h] = Slot{key, col, c};
    ++size_;
  }
  std::size_t bytes() const { return slots_.capacity() * sizeof(Slot); }

 private:
  static std::size_t hash(index_t key) {
    std::uint64_t x = static_cast<std::uint64_t>(key);
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return static_cast<std::size_t>(x);
  }
  void grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    std::size_t cap = old.empty() ? 16 : old.size() * 2;
    slots_.assign(cap, Slot{-1, 0, 0});
    mask_ = cap - 1;
    size_ = 0;
    for (const Slot& s : old)
      if (s.key != -1) insert(s.key, s.col, s.c);
  }
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

template <class T>
struct DenseDist {
  const T* d;
  index_t n;
  std::size_t edges;  // pairs i > j with d(i, j) <= threshold (counted by the caller)
  T operator()(index_t i, index_t j) const { return d[i * n + j]; }
};

template <class T>
struct Neighbour {
  index_t v;
  T d;
};

template <class T>
struct SparseDist {
  index_t n;
  std::vector<std::size_t> start;  // n + 1 offsets into nb
  std::vector<Neighbour<T>> nb;    // sorted by vertex within each row
  T operator()(index_t i, index_t j) const {
    const Neighbour<T>* b = nb.data() + start[i];
    const Neighbour<T>* e = nb.data() + start[i + 1];
    const Neighbour<T>* it =
        std::lower_bound(b, e, j, [](const Neighbour<T>& a, index_t v) { return a.v < v; });
    if (it != e && it->v == j) return it->d;
    return std::numeric_limits<T>::infinity();
  }
};

template <class T, class Dist, bool kDense>
class Engine {
 public:
  using E = Entry<T>;
  using S = Simplex<T>;

  Engine(const Dist& dist, index_t n, const RipsOptions& opt, const T* births)
      : dist_(dist),
        births_(births),
        n_(n),
        maxdim_(opt.maxdim),
        threshold_(static_cast<T>(opt.threshold)),
        p_(opt.modulus),
        opt_(opt),
        binom_(n, opt.maxdim + 2) {
    if (opt.maxdim < 0 || opt.maxdim > kMaxVertices - 2)
      throw std::invalid_argument("maxdim must be in [0, 32]");
    if (p_ < 2) throw std::invalid_argument("modulus must be a prime >= 2");
    if (p_ <= (1 << 20)) {
      inverse_.assign(static_cast<std::size_t>(p_), 0);
      inverse_[1] = 1;
      for (coef_t a = 2; a < p_; ++a)
        inverse_[static_cast<std::size_t>(a)] =
            (p_ - (p_ / a) * inverse_[static_cast<std::size_t>(p_ % a)] % p_) % p_;
    }
    n_threads_ = std::max(1, opt.n_threads);
    result_.pairs.assign(static_cast<std::size_t>(maxdim_) + 1, {});
    if (opt.cocycles) result_.cocycles.assign(static_cast<std::size_t>(maxdim_) + 1, {});
  }

  RipsResult run() {
    std::vector<S> simplices, columns;
    compute_dim0(simplices, columns);
    lazy_after_ = opt_.lazy_after >= 0
                      ? static_cast<std::size_t>(opt_.lazy_after)
                      : std::max<std::size_t>(std::size_t(1) << 16,
                                              static_cast<std::size_t>(result_.num_edges) / 8);
    if (n_ > std::numeric_limits<std::int32_t>::max())  // streams store vertices in 32 bits
      lazy_after_ = std::numeric_limits<std::size_t>::max();
    for (int dim = 1; dim <= maxdim_; ++dim) {
      pivots_.reset(columns.size());
      compute_pairs(columns, dim);
      if (dim < maxdim_) assemble(simplices, columns, dim);
    }
    return std::move(result_);
  }

 private:
  // ---------------------------------------------------------------- indexing
  coef_t inv(coef_t a) const {
    if (!inverse_.empty()) return inverse_[static_cast<std::size_t>(a)];
    coef_t r = 1, b = a % p_, e = p_ - 2;  // Fermat: a^(p-2)
    while (e > 0) {
      if (e & 1) r = static_cast<coef_t>((static_cast<unsigned __int128>(r) * b) % p_);
      b = static_cast<coef_t>((static_cast<unsigned __int128>(b) * b) % p_);
      e >>= 1;
    }
    return r;
  }
  coef_t mul(coef_t a, coef_t b) const {
    return static_cast<coef_t>((static_cast<unsigned __int128>(a) * b) % p_);
  }

  // Largest v in [k - 1, top] with C(v, k) <= idx.
  index_t max_vertex(index_t idx, int k, index_t top) const {
    if (binom_(top, k) <= idx) return top;
    index_t lo = k - 1, hi = top;  // C(lo, k) = 0 <= idx < C(hi, k)
    while (hi - lo > 1) {
      index_t mid = lo + (hi - lo) / 2;
      if (binom_(mid, k) <= idx)
        lo = mid;
      else
        hi = mid;
    }
    return lo;
  }

  // Vertices of the dim-simplex idx in decreasing order; returns dim + 1.
  int vertices(index_t idx, int dim, index_t* out) const {
    index_t top = n_ - 1;
    for (int k = dim + 1; k > 1; --k) {
      top = max_vertex(idx, k, top);
      *out++ = top;
      idx -= binom_(top, k);
      --top;
    }
    *out = idx;
    return dim + 1;
  }

  T diameter_of(const index_t* vs, int m) const {
    T d = 0;
    for (int a = 0; a < m; ++a)
      for (int b = a + 1; b < m; ++b) d = std::max(d, dist_(vs[a], vs[b]));
    return d;
  }

  // ------------------------------------------------------------ enumeration
  // Simplices are handled as vertex arrays in decreasing order (vs[0] largest)
  // wherever possible, so indices are decoded once.

  // Calls f(cofacet, w, j) for the cofacets of s (vertices vs, m of them) with
  // diameter <= cap, in decreasing index order; w = added vertex, j = number
  // of vertices of s above w.  Only w > vs[0] when !all.  f returns false to stop.
  template <class F>
  void for_each_cofacet(const E& s, const index_t* vs, int m, bool all, T cap, F&& f) const {
    index_t idx_below = s.idx, idx_above = 0;
    int j = 0;
    if constexpr (kDense) {
      const T* rows[kMaxVertices];
      for (int i = 0; i < m; ++i) rows[i] = dist_.d + vs[i] * n_;
      constexpr int B = 16;
      T mx[B];
      for (index_t w_hi = n_ - 1; w_hi >= 0;) {
        const index_t w_lo = std::max<index_t>(0, w_hi - (B - 1));
        if (w_hi - w_lo + 1 == B) {  // vectorisable block
          for (int t = 0; t < B; ++t) mx[t] = rows[0][w_lo + t];
          for (int i = 1; i < m; ++i)
            for (int t = 0; t < B; ++t) mx[t] = std::max(mx[t], rows[i][w_lo + t]);
        } else {
          for (index_t w = w_lo; w <= w_hi; ++w) {
            T v = rows[0][w];
            for (int i = 1; i < m; ++i) v = std::max(v, rows[i][w]);
            mx[w - w_lo] = v;
          }
        }
        for (index_t w = w_hi; w >= w_lo; --w) {
          if (j < m && w == vs[j]) {
            idx_below -= binom_(vs[j], m - j);
            idx_above += binom_(vs[j], m - j + 1);
            ++j;
            continue;
          }
          if (!all && j > 0) return;
          const T d = mx[w - w_lo];
          if (d > cap) continue;
          const T diam = std::max(d, s.diam);
          const index_t idx = idx_above + binom_(w, m - j + 1) + idx_below;
          const coef_t c = ((m - j) & 1) ? p_ - s.c : s.c;
          if (!f(E{diam, idx, c}, w, j)) return;
        }
        w_hi = w_lo - 1;
      }
    } else {
      // Only w > vs[0] when !all: then no vertex of s is above w (j = 0).
      for_each_common_neighbour(vs, m, cap, all ? -1 : vs[0], [&](index_t w, T d, const T*) {
        while (j < m && vs[j] > w) {
          idx_below -= binom_(vs[j], m - j);
          idx_above += binom_(vs[j], m - j + 1);
          ++j;
        }
        const T diam = std::max(d, s.diam);
        if (diam > cap) return true;
        const index_t idx = idx_above + binom_(w, m - j + 1) + idx_below;
        const coef_t c = ((m - j) & 1) ? p_ - s.c : s.c;
        return f(E{diam, idx, c}, w, j);
      });
    }
  }

  // Sparse input: calls f(w, d, dw) for the common neighbours w of the
  // vertices vs (m of them) within cap of each, by decreasing w, d = the
  // largest of their distances to w, dw[a] = d(vs[a], w); stops at the first w < stop_below, when no common
  // neighbour can follow, or when f returns false.
  template <class F>
  void for_each_common_neighbour(const index_t* vs, int m, T cap, index_t stop_below,
                                 F&& f) const {
    const Neighbour<T>* beg[kMaxVertices];
    const Neighbour<T>* cur[kMaxVertices];
    int orig[kMaxVertices];  // list i belongs to vertex vs[orig[i]]
    T dw[kMaxVertices];      // dw[a] = d(vs[a], w)
    if (m <= 0) return;
    int shortest = 0;
    for (int i = 0; i < m; ++i) {
      beg[i] = dist_.nb.data() + dist_.start[vs[i]];
      cur[i] = dist_.nb.data() + dist_.start[vs[i] + 1];
      orig[i] = i;
      if (cur[i] - beg[i] < cur[shortest] - beg[shortest]) shortest = i;
    }
    // walk the shortest list, look the others up (the same w in the same order)
    std::swap(beg[0], beg[shortest]);
    std::swap(cur[0], cur[shortest]);
    std::swap(orig[0], orig[shortest]);
    while (cur[0] != beg[0]) {
      --cur[0];
      const index_t w = cur[0]->v;
      if (w < stop_below) return;
      if (cur[0]->d > cap) continue;
      T d = cur[0]->d;
      dw[orig[0]] = d;
      bool common = true;
      for (int i = 1; i < m; ++i) {
        while (cur[i] != beg[i] && (cur[i] - 1)->v > w) --cur[i];
        if (cur[i] == beg[i]) return;  // list i has nothing <= w: no more common neighbours
        if ((cur[i] - 1)->v != w || (cur[i] - 1)->d > cap) {
          common = false;
          break;
        }
        dw[orig[i]] = (cur[i] - 1)->d;
        d = std::max(d, (cur[i] - 1)->d);
      }
      if (common && !f(w, d, static_cast<const T*>(dw))) return;
    }
  }

  template <class F>
  void for_each_cofacet(const E& s, int dim, bool all, T cap, F&& f) const {
    index_t vs[kMaxVertices];
    const int m = vertices(s.idx, dim, vs);
    for_each_cofacet(s, vs, m, all, cap, f);
  }

  static int insert_vertex(const index_t* vs, int m, index_t w, int j, index_t* out) {
    for (int i = 0; i < j; ++i) out[i] = vs[i];
    out[j] = w;
    for (int i = j; i < m; ++i) out[i + 1] = vs[i];
    return m + 1;
  }

  static int remove_vertex(const index_t* vs, int m, int pos, index_t* out) {
    for (int i = 0, k = 0; i < m; ++i)
      if (i != pos) out[k++] = vs[i];
    return m - 1;
  }

  index_t index_of(const index_t* vs, int m) const {
    index_t idx = 0;
    for (int i = 0; i < m; ++i) idx += binom_(vs[i], m - i);
    return idx;
  }

  // The pivot cofacet of the simplex vs (diameter diam) when it has the same
  // diameter: the largest vertex w within diam of every vertex; j = number of
  // vertices above w.
  bool zero_pivot_cofacet_v(const index_t* vs, int m, T diam, index_t& w_out, int& j_out) const {
    if constexpr (kDense) {
      // Branch-free scan in blocks of 16 vertices (vectorisable).
      const T* rows[kMaxVertices];
      for (int i = 0; i < m; ++i) rows[i] = dist_.d + vs[i] * n_;
      constexpr int B = 16;
      index_t w_hi = n_ - 1;
      while (w_hi >= 0) {
        index_t w_lo = w_hi - (B - 1);
        unsigned mask = 0;
        if (w_lo >= 0) {
          T mx[B];
          for (int t = 0; t < B; ++t) mx[t] = rows[0][w_lo + t];
          for (int i = 1; i < m; ++i)
            for (int t = 0; t < B; ++t) mx[t] = std::max(mx[t], rows[i][w_lo + t]);
          for (int t = 0; t < B; ++t) mask |= static_cast<unsigned>(mx[t] <= diam) << t;
        } else {
          w_lo = 0;
          for (index_t w = w_lo; w <= w_hi; ++w) {
            bool ok = true;
            for (int i = 0; i < m; ++i) ok &= rows[i][w] <= diam;
            mask |= static_cast<unsigned>(ok) << (w - w_lo);
          }
        }
        while (mask != 0) {
          const int t = 31 - __builtin_clz(mask);  // highest candidate first
          mask &= ~(1u << t);
          const index_t w = w_lo + t;
          int j = 0;
          bool is_vertex = false;
          for (int i = 0; i < m; ++i) {
            is_vertex |= vs[i] == w;
            j += vs[i] > w;
          }
          if (is_vertex) continue;
          w_out = w;
          j_out = j;
          return true;
        }
        w_hi = w_lo - 1;
      }
      return false;
    } else {
      bool found = false;
      for_each_common_neighbour(vs, m, diam, -1, [&](index_t w, T, const T*) {
        int j = 0;
        for (int i = 0; i < m; ++i) j += vs[i] > w;
        w_out = w;
        j_out = j;
        found = true;
        return false;
      });
      return found;
    }
  }

  // Of the facets of equal diameter, the one latest in the filtration (the
  // smallest index), if any: pos = position of the removed vertex.
  bool zero_pivot_facet_v(const index_t* vs, int m, T diam, int& pos) const {
    // Facet i keeps the diameter iff some pair at distance diam avoids vertex i.
    int total = 0;
    int cnt[kMaxVertices] = {0};
    for (int a = 0; a < m; ++a)
      for (int b = a + 1; b < m; ++b)
        if (dist_(vs[a], vs[b]) == diam) {
          ++total;
          ++cnt[a];
          ++cnt[b];
        }
    for (int i = 0; i < m; ++i)
      if (total > cnt[i]) {
        pos = i;
        return true;
      }
    return false;
  }

  // s is paired with its cofacet (zero apparent pair)?
  bool zero_apparent_cofacet_v(const index_t* vs, int m, T diam) const {
    index_t w;
    int j, pos;
    if (!zero_pivot_cofacet_v(vs, m, diam, w, j)) return false;
    index_t cv[kMaxVertices];
    insert_vertex(vs, m, w, j, cv);
    return zero_pivot_facet_v(cv, m + 1, diam, pos) && pos == j;
  }

  // s is paired with its facet (zero apparent pair)?  pos = removed vertex.
  bool zero_apparent_facet_v(const index_t* vs, int m, T diam, int& pos) const {
    if (m < 2 || !zero_pivot_facet_v(vs, m, diam, pos)) return false;
    index_t fv[kMaxVertices];
    remove_vertex(vs, m, pos, fv);
    index_t w;
    int j;
    return zero_pivot_cofacet_v(fv, m - 1, diam, w, j) && w == vs[pos];
  }

  bool in_zero_apparent_pair_v(const index_t* vs, int m, T diam) const {
    int pos;
    return zero_apparent_cofacet_v(vs, m, diam) || zero_apparent_facet_v(vs, m, diam, pos);
  }

  // ------------------------------------------------------------ memory
  void charge(double bytes) const {
    if (opt_.memory_limit > 0 && bytes > opt_.memory_limit)
      throw RipsMemoryError(
          "Vietoris-Rips reduction needs more than the memory limit (" +
          std::to_string(static_cast<long long>(opt_.memory_limit / (1 << 20))) +
          " MiB); lower maxdim or the threshold");
  }

  // ------------------------------------------------------------ dimension 0
  void compute_dim0(std::vector<S>& edges, std::vector<S>& columns) {
    if constexpr (kDense) {
      // reserve exactly: no doubling peak on large inputs
      charge(3.0 * sizeof(S) * static_cast<double>(dist_.edges));
      edges.reserve(dist_.edges);
      for (index_t i = 1; i < n_; ++i) {
        const T* row = dist_.d + i * n_;
        for (index_t j = 0; j < i; ++j)
          if (row[j] <= threshold_) edges.push_back(S{row[j], binom_(i, 2) + j});
        if ((i & 63) == 0) check_interrupt();
      }
    } else {
      edges.reserve(dist_.nb.size() / 2);
      for (index_t i = 1; i < n_; ++i)
        for (std::size_t k = dist_.start[i]; k < dist_.start[i + 1]; ++k) {
          const Neighbour<T>& nb = dist_.nb[k];
          if (nb.v < i && nb.d <= threshold_) edges.push_back(S{nb.d, binom_(i, 2) + nb.v});
        }
    }
    result_.num_edges = static_cast<std::int64_t>(edges.size());
    charge(3.0 * sizeof(S) * edges.size());
    std::sort(edges.begin(), edges.end(), [](const S& a, const S& b) {
      return a.diam < b.diam || (a.diam == b.diam && a.idx > b.idx);
    });
    check_interrupt();
    std::vector<index_t> parent(static_cast<std::size_t>(n_)), rank(static_cast<std::size_t>(n_), 0);
    std::vector<T> birth(static_cast<std::size_t>(n_), T(0));
    for (index_t i = 0; i < n_; ++i) {
      parent[i] = i;
      if (births_ != nullptr) birth[i] = births_[i];
    }
    auto find = [&](index_t x) {
      index_t r = x;
      while (parent[r] != r) r = parent[r];
      while (parent[x] != r) {
        index_t nx = parent[x];
        parent[x] = r;
        x = nx;
      }
      return r;
    };
    std::vector<unsigned char> cycle(edges.size(), 0);
    auto& out0 = result_.pairs[0];
    for (std::size_t k = 0; k < edges.size(); ++k) {
      const index_t u0 = max_vertex(edges[k].idx, 2, n_ - 1);
      const index_t v0 = edges[k].idx - binom_(u0, 2);
      index_t u = find(u0), v = find(v0);
      if (u != v) {
        // elder rule: the younger component dies
        const T b = std::max(birth[u], birth[v]);
        if (edges[k].diam > b) {
          out0.push_back(static_cast<double>(b));
          out0.push_back(static_cast<double>(edges[k].diam));
        }
        if (rank[u] < rank[v]) std::swap(u, v);
        parent[v] = u;
        birth[u] = std::min(birth[u], birth[v]);
        if (rank[u] == rank[v]) ++rank[u];
      } else {
        cycle[k] = 1;
      }
    }
    for (index_t i = 0; i < n_; ++i)
      if (find(i) == i) {
        out0.push_back(static_cast<double>(birth[i]));
        out0.push_back(std::numeric_limits<double>::infinity());
      }
    if (maxdim_ < 1) {
      std::vector<S>().swap(edges);
      return;
    }
    // Columns of dimension 1: the cycle edges not in a zero apparent pair
    // (checked in parallel, kept in order).
    std::vector<unsigned char> keep(edges.size(), 0);
    parallel_for(edges.size(), n_threads_, 4096, [&](std::size_t b, std::size_t e, int) {
      for (std::size_t k = b; k < e; ++k) {
        if (!cycle[k]) continue;
        index_t ev[2];
        ev[0] = max_vertex(edges[k].idx, 2, n_ - 1);
        ev[1] = edges[k].idx - binom_(ev[0], 2);
        keep[k] = !zero_apparent_cofacet_v(ev, 2, edges[k].diam);
        if ((k & 255) == 0) check_interrupt();
      }
    });
    for (std::size_t k = edges.size(); k-- > 0;)
      if (keep[k]) columns.push_back(edges[k]);  // reverse filtration order
    if (maxdim_ < 2) std::vector<S>().swap(edges);
  }

  // ------------------------------------------------------------ assembly
  // From the dim-simplices, the (dim+1)-simplices: the next list (when a
  // higher dimension follows) and the columns to reduce (not cleared, not in
  // a zero apparent pair), sorted in reverse filtration order.
  void assemble(std::vector<S>& simplices, std::vector<S>& columns, int dim) {
    columns.clear();
    columns.shrink_to_fit();
    const bool keep_next = dim + 1 < maxdim_;
    const std::size_t grain = 1024;
    const std::size_t nchunks = (simplices.size() + grain - 1) / grain;
    std::vector<std::vector<S>> next_parts(nchunks), col_parts(nchunks);
    std::atomic<std::size_t> total{0};
    const double base = static_cast<double>(simplices.capacity() * sizeof(S) + pivots_.bytes());
    parallel_for(nchunks, n_threads_, 1, [&](std::size_t cb, std::size_t ce, int) {
      for (std::size_t ch = cb; ch < ce; ++ch) {
        const std::size_t b = ch * grain, e = std::min(simplices.size(), b + grain);
        auto& nx = next_parts[ch];
        auto& cl = col_parts[ch];
        for (std::size_t k = b; k < e; ++k) {
          index_t vs[kMaxVertices], cv[kMaxVertices];
          const int m = vertices(simplices[k].idx, dim, vs);
          if constexpr (!kDense) {
            assemble_sparse(simplices[k], vs, m, keep_next, nx, cl);
            continue;
          }
          for_each_cofacet(E{simplices[k].diam, simplices[k].idx, 1}, vs, m, false, threshold_,
                           [&](const E& c, index_t w, int j) {
                             if (keep_next) nx.push_back(S{c.diam, c.idx});
                             if (!pivots_.contains(c.idx)) {
                               insert_vertex(vs, m, w, j, cv);
                               if (!in_zero_apparent_pair_v(cv, m + 1, c.diam))
                                 cl.push_back(S{c.diam, c.idx});
                             }
                             return true;
                           });
        }
        std::size_t t = total.fetch_add(nx.size() + cl.size()) + nx.size() + cl.size();
        charge(base + 2.0 * sizeof(S) * static_cast<double>(t));
        check_interrupt();
      }
    });
    pivots_.release();
    std::size_t ncol = 0, nnext = 0;
    for (std::size_t ch = 0; ch < nchunks; ++ch) {
      ncol += col_parts[ch].size();
      nnext += next_parts[ch].size();
    }
    columns.reserve(ncol);
    for (auto& part : col_parts) {
      columns.insert(columns.end(), part.begin(), part.end());
      std::vector<S>().swap(part);
    }
    std::vector<S> next;
    next.reserve(nnext);
    for (auto& part : next_parts) {
      next.insert(next.end(), part.begin(), part.end());
      std::vector<S>().swap(part);
    }
    simplices.swap(next);
    check_interrupt();
    sort_columns(columns);
  }

  // Sparse input, one simplex of assemble: its cofacets above vs[0] (every
  // (dim+1)-simplex once), kept for the next dimension and, unless cleared or
  // in a zero apparent pair, as columns.  The apparent-pair tests of
  // in_zero_apparent_pair_v without distance lookups: which pairs of the
  // cofacet are at its diameter follows from the simplex's own pairs (once
  // per simplex) and the distances to the added vertex that the
  // common-neighbour walk has read anyway.
  void assemble_sparse(const S& s, const index_t* vs, int m, bool keep_next, std::vector<S>& nx,
                       std::vector<S>& cl) const {
    // pairs of s at its diameter, per vertex
    int cnt_s[kMaxVertices] = {0};
    int total_s = 0;
    for (int a = 0; a < m; ++a)
      for (int b2 = a + 1; b2 < m; ++b2)
        if (dist_(vs[a], vs[b2]) == s.diam) {
          ++total_s;
          ++cnt_s[a];
          ++cnt_s[b2];
        }
    for_each_common_neighbour(vs, m, threshold_, vs[0], [&](index_t w, T d, const T* dw) {
      const T diam = std::max(d, s.diam);
      if (diam > threshold_) return true;
      const index_t idx = binom_(w, m + 1) + s.idx;  // w above every vertex of s
      if (keep_next) nx.push_back(S{diam, idx});
      if (pivots_.contains(idx)) return true;
      // the cofacet cv = (w, vs[0], ..., vs[m-1]) and its pairs at diam
      const int M = m + 1;
      index_t cv[kMaxVertices];
      int cnt[kMaxVertices];
      cv[0] = w;
      cnt[0] = 0;
      const bool same = diam == s.diam;
      int total = same ? total_s : 0;
      for (int a = 0; a < m; ++a) {
        const int eq = dw[a] == diam;
        cv[a + 1] = vs[a];
        cnt[a + 1] = (same ? cnt_s[a] : 0) + eq;
        cnt[0] += eq;
      }
      total += cnt[0];
      if (!zero_apparent_cofacet_counts(cv, M, diam, cnt, total) &&
          !zero_apparent_facet_counts(cv, M, diam, cnt, total))
        cl.push_back(S{diam, idx});
      return true;
    });
  }

  // zero_apparent_cofacet_v for a simplex cv (M vertices, diameter diam)
  // whose pairs at diam are counted (cnt per vertex, total).
  bool zero_apparent_cofacet_counts(const index_t* cv, int M, T diam, const int* cnt,
                                    int total) const {
    bool found = false, apparent = false;
    for_each_common_neighbour(cv, M, diam, -1, [&](index_t w, T, const T* dw) {
      found = true;
      // the pivot cofacet cv + w: its pivot facet must be cv (remove w)
      int cw = 0;
      for (int a = 0; a < M; ++a) cw += dw[a] == diam;
      const int tot = total + cw;
      // facets in the order of the cofacet's vertices (decreasing): the first
      // whose removed vertex avoids some pair at diam
      for (int a = 0; a < M && cv[a] > w; ++a)
        if (tot > cnt[a] + (dw[a] == diam)) return false;  // another facet comes first
      apparent = tot > cw;
      return false;
    });
    return found && apparent;
  }

  // zero_apparent_facet_v for a simplex cv with counted pairs (as above).
  bool zero_apparent_facet_counts(const index_t* cv, int M, T diam, const int* cnt,
                                  int total) const {
    int pos = -1;
    for (int a = 0; a < M; ++a)
      if (total > cnt[a]) {
        pos = a;
        break;
      }
    if (pos < 0) return false;
    index_t fv[kMaxVertices];
    remove_vertex(cv, M, pos, fv);
    index_t w;
    int j;
    return zero_pivot_cofacet_v(fv, M - 1, diam, w, j) && w == cv[pos];
  }

  void sort_columns(std::vector<S>& columns) {
    auto less = [](const S& a, const S& b) { return rev_filtration_less(a, b); };
    const std::size_t n = columns.size();
    if (n_threads_ <= 1 || n < 100000) {
      std::sort(columns.begin(), columns.end(), less);
      return;
    }
    // Parallel: sort blocks, then merge pairs of blocks level by level.  The
    // order is total (indices are distinct), so the result does not depend on
    // the number of threads.
    std::size_t nb = static_cast<std::size_t>(n_threads_);
    std::vector<std::size_t> cut(nb + 1);
    for (std::size_t b = 0; b <= nb; ++b) cut[b] = n * b / nb;
    parallel_for(nb, n_threads_, 1, [&](std::size_t b0, std::size_t b1, int) {
      for (std::size_t b = b0; b < b1; ++b)
        std::sort(columns.begin() + cut[b], columns.begin() + cut[b + 1], less);
    });
    while (cut.size() > 2) {
      std::vector<std::size_t> next_cut;
      const std::size_t pairs = (cut.size() - 1) / 2;
      parallel_for(pairs, n_threads_, 1, [&](std::size_t q0, std::size_t q1, int) {
        for (std::size_t q = q0; q < q1; ++q)
          std::inplace_merge(columns.begin() + cut[2 * q], columns.begin() + cut[2 * q + 1],
                             columns.begin() + cut[2 * q + 2], less);
      });
      for (std::size_t q = 0; q < cut.size(); q += 2) next_cut.push_back(cut[q]);
      if (next_cut.back() != cut.back()) next_cut.push_back(cut.back());
      cut.swap(next_cut);
    }
  }

  // ------------------------------------------------------------ reduction
  void heap_push(std::vector<E>& h, const E& e) const {
    h.push_back(e);
    std::push_heap(h.begin(), h.end(), PivotHeapCmp());
  }

  // Removes and returns the pivot (entries of equal index summed mod p; zero
  // sums dropped); idx = -1 when the column is zero.
  E pop_pivot(std::vector<E>& h) const {
    E piv{0, -1, 0};
    bool have = false;
    while (!h.empty()) {
      const E& top = h.front();
      if (have && top.idx != piv.idx) {
        if (piv.c != 0) return piv;
        have = false;
      }
      if (!have) {
        piv = top;
        have = true;
      } else {
        piv.c = (piv.c + top.c) % p_;
      }
      std::pop_heap(h.begin(), h.end(), PivotHeapCmp());
      h.pop_back();
    }
    if (have && piv.c != 0) return piv;
    return E{0, -1, 0};
  }

  using Queue = PivotQueue<T, E>;

  // A simplex's cofacets above its own diameter, generated lazily in
  // filtration order (see stream_next).
  struct Stream {
    E head;                         // the current cofacet
    T base;                         // the simplex's diameter
    coef_t c;                       // its coefficient
    int m;                          // its vertex count
    index_t vs[kStreamVerts];       // its vertices, decreasing
    std::uint32_t pos[kStreamVerts];  // next entry in each vertex's sorted list
  };

  // The working column of one reduction: the cochain (wr, a heap of
  // simplices), its coboundary (wc), and the cofacet streams wc refers to.
  struct Work {
    explicit Work(coef_t p) : wc(p) {}
    std::vector<E> wr, cofacets;
    Queue wc;
    std::vector<Stream> streams;
    std::size_t pushed = 0;  // single entries pushed for this column
  };

  // Neighbours of every vertex within the threshold, sorted by (distance
  // ascending, vertex descending): the order in which streams meet cofacets.
  struct Near {  // compact: 8 bytes in float
    T d;
    std::int32_t v;
  };
  struct SortedNeighbours {
    std::vector<std::size_t> start;
    std::vector<Near> nb;
  };

  const SortedNeighbours& sorted_neighbours() const {
    std::call_once(sorted_once_, [&] {
      const std::size_t entries = 2 * static_cast<std::size_t>(result_.num_edges);
      charge(static_cast<double>(entries) * sizeof(Near));
      SortedNeighbours& sn = sorted_;
      sn.start.assign(static_cast<std::size_t>(n_) + 1, 0);
      sn.nb.reserve(entries);
      for (index_t v = 0; v < n_; ++v) {
        if constexpr (kDense) {
          const T* row = dist_.d + v * n_;
          for (index_t w = 0; w < n_; ++w)
            if (w != v && row[w] <= threshold_)
              sn.nb.push_back(Near{row[w], static_cast<std::int32_t>(w)});
        } else {
          for (std::size_t k = dist_.start[v]; k < dist_.start[v + 1]; ++k)
            if (dist_.nb[k].d <= threshold_)
              sn.nb.push_back(Near{dist_.nb[k].d, static_cast<std::int32_t>(dist_.nb[k].v)});
        }
        std::sort(sn.nb.begin() + static_cast<std::ptrdiff_t>(sn.start[v]), sn.nb.end(),
                  [](const Near& a, const Near& b) {
                    return a.d < b.d || (a.d == b.d && a.v > b.v);
                  });
        sn.start[v + 1] = sn.nb.size();
        if ((v & 63) == 0) check_interrupt();
      }
    });
    return sorted_;
  }

  // Advances s to its next cofacet with diameter > s.base, in filtration
  // order; false when there is none.  The sorted neighbour lists of the
  // simplex's vertices are merged by (distance, -vertex); a vertex w is
  // emitted from the list where its distance is largest (the first such
  // list on ties), i.e. when that distance is the cofacet's diameter.
  bool stream_next(Stream& s, std::int64_t& head_c) const {
    head_c = s.head.c;
    const SortedNeighbours& sn = sorted_;
    while (true) {
      int best = -1;
      const Near* bh = nullptr;
      for (int i = 0; i < s.m; ++i) {
        const std::size_t q = sn.start[s.vs[i]] + s.pos[i];
        if (q >= sn.start[s.vs[i] + 1]) continue;
        const Near* h = &sn.nb[q];
        if (bh == nullptr || h->d < bh->d || (h->d == bh->d && h->v > bh->v)) {
          best = i;
          bh = h;
        }
      }
      if (best < 0) return false;
      ++s.pos[best];
      const index_t w = bh->v;
      const T d = bh->d;
      bool ok = true;
      for (int i = 0; i < s.m && ok; ++i) {
        if (i == best) continue;
        if (s.vs[i] == w) {
          ok = false;
          break;
        }
        const T di = dist_(s.vs[i], w);
        ok = di < d || (di == d && i > best);
      }
      if (!ok) continue;
      int j = 0;
      index_t idx = 0;
      for (; j < s.m && s.vs[j] > w; ++j) idx += binom_(s.vs[j], s.m - j + 1);
      idx += binom_(w, s.m - j + 1);
      for (int i = j; i < s.m; ++i) idx += binom_(s.vs[i], s.m - i);
      s.head = E{d, idx, ((s.m - j) & 1) ? p_ - s.c : s.c};
      return true;
    }
  }

  E pivot_of(Work& w) const {
    return w.wc.get_pivot([&](std::int64_t id, std::int64_t& c, E& nx) {
      Stream& s = w.streams[static_cast<std::size_t>(id)];
      const bool more = stream_next(s, c);
      nx = s.head;
      return more;
    });
  }

  // Adds s (into the cochain) and its coboundary (into the working
  // coboundary).  Once a column has pushed many single entries, the cofacets
  // above s's diameter go in as a lazy stream instead (same sums, far less
  // memory when a column adds thousands of simplices).
  void add_simplex_coboundary(const E& s, int dim, Work& w) const {
    heap_push(w.wr, s);
    index_t vs[kMaxVertices];
    const int m = vertices(s.idx, dim, vs);
    const bool lazy = m <= kStreamVerts && w.pushed >= lazy_after_;
    const T cap = lazy ? s.diam : threshold_;
    for_each_cofacet(s, vs, m, true, cap, [&](const E& c, index_t, int) {
      w.wc.push(c);
      ++w.pushed;
      return true;
    });
    if (!lazy) return;
    const SortedNeighbours& sn = sorted_neighbours();
    Stream st;
    st.head = E{s.diam, -1, 0};
    st.base = s.diam;
    st.c = s.c;
    st.m = m;
    for (int i = 0; i < m; ++i) {
      st.vs[i] = vs[i];
      const auto b = sn.nb.begin() + static_cast<std::ptrdiff_t>(sn.start[vs[i]]);
      const auto e = sn.nb.begin() + static_cast<std::ptrdiff_t>(sn.start[vs[i] + 1]);
      st.pos[i] = static_cast<std::uint32_t>(
          std::upper_bound(b, e, s.diam, [](T x, const Near& a) { return x < a.d; }) - b);
    }
    std::int64_t c;
    if (!stream_next(st, c)) return;
    while (w.wc.below_last(st.head)) {  // cancels within the added column: push singly
      w.wc.push(st.head);
      if (!stream_next(st, c)) return;
    }
    w.streams.push_back(st);
    w.wc.push_stream(static_cast<std::int64_t>(w.streams.size() - 1), st.head);
  }

  // Reduced cochains, column by column: column k is store[start[k], start[k + 1]).
  struct Store {
    std::vector<E> cells;
    std::vector<std::size_t> start;
  };

  // Adds reduced columns and apparent facets' coboundaries to w until its
  // pivot is not in pivots_ (returned) or the column vanishes (idx = -1).
  // Reads pivots_ and st only, so threads may run it side by side.
  E reduce(Work& w, E piv, int dim, const Store& st) const {
    // Every addition cancels the pivot, so the next one comes strictly later
    // in the filtration; anything else is a defect, reported instead of
    // looping for ever.
    auto advanced = [&](const E& before) {
      if (piv.idx != -1 && !(piv.diam > before.diam ||
                             (piv.diam == before.diam && piv.idx < before.idx)))
        throw std::logic_error("Vietoris-Rips reduction: the pivot did not advance (internal error)");
    };
    while (piv.idx != -1) {
      const E before = piv;
      const PivotMap::Slot* hit = pivots_.find(piv.idx);
      if (hit != nullptr) {
        const coef_t factor = (p_ - mul(piv.c, inv(hit->c))) % p_;
        const std::size_t j = static_cast<std::size_t>(hit->col);
        for (std::size_t q = st.start[j]; q < st.start[j + 1]; ++q) {
          E e = st.cells[q];
          e.c = mul(e.c, factor);
          add_simplex_coboundary(e, dim, w);
        }
        piv = pivot_of(w);
        advanced(before);
        continue;
      }
      index_t pv[kMaxVertices], fv[kMaxVertices];
      const int M = vertices(piv.idx, dim + 1, pv);
      int pos;
      if (!zero_apparent_facet_v(pv, M, piv.diam, pos)) break;
      // piv is paired with its facet f: subtract the coboundary of f.
      remove_vertex(pv, M, pos, fv);
      E f{piv.diam, index_of(fv, M - 1), 0};
      const coef_t sign_odd = (M - 1 - pos) & 1;
      f.c = sign_odd ? piv.c : (p_ - piv.c) % p_;
      add_simplex_coboundary(f, dim, w);
      piv = pivot_of(w);
      advanced(before);
    }
    return piv;
  }

  E start_column(Work& w, const S& c, int dim) const {
    const E col{c.diam, c.idx, 1};
    w.wr.clear();
    w.wc.clear();
    w.streams.clear();
    w.pushed = 0;
    w.wr.push_back(col);
    return init_coboundary_and_get_pivot(col, dim, w);
  }

  // Column k reduced to pivot piv with cochain `cochain` (sorted, from
  // store_column): records the pair, the pivot and the cochain.
  void finish_column(std::size_t k, const S& col, const E& piv, const std::vector<E>& cochain,
                     int dim, Store& st) {
    auto& out = result_.pairs[static_cast<std::size_t>(dim)];
    const std::size_t from = st.cells.size();
    if (piv.idx == -1) {  // essential class
      out.push_back(static_cast<double>(col.diam));
      out.push_back(std::numeric_limits<double>::infinity());
      if (opt_.cocycles) {
        st.cells.insert(st.cells.end(), cochain.begin(), cochain.end());
        emit_cocycle(st.cells, from, dim);
        st.cells.resize(from);
      }
    } else {
      pivots_.insert(piv.idx, static_cast<index_t>(k), piv.c);
      st.cells.insert(st.cells.end(), cochain.begin(), cochain.end());
      if (piv.diam > col.diam) {
        out.push_back(static_cast<double>(col.diam));
        out.push_back(static_cast<double>(piv.diam));
        if (opt_.cocycles) emit_cocycle(st.cells, from, dim);
      }
    }
    st.start[k + 1] = st.cells.size();
  }

  void compute_pairs(const std::vector<S>& columns, int dim) {
    Store st;
    st.start.assign(columns.size() + 1, 0);
    const double fixed = static_cast<double>(columns.capacity() * sizeof(S)) + pivots_.bytes();
    if (n_threads_ > 1 && columns.size() >= kParallelMinColumns) {
      compute_pairs_parallel(columns, dim, st, fixed);
      return;
    }
    Work w(p_);
    std::vector<E> cochain;
    for (std::size_t k = 0; k < columns.size(); ++k) {
      if ((k & 31) == 0) {
        check_interrupt();
        if ((k & 4095) == 0) charge(fixed + static_cast<double>(st.cells.capacity() * sizeof(E)));
      }
      const E piv = reduce(w, start_column(w, columns[k], dim), dim, st);
      cochain.clear();
      store_column(w.wr, cochain);
      finish_column(k, columns[k], piv, cochain, dim, st);
    }
  }

  // Parallel reduction in batches.  Phase 1 reduces the columns of a batch
  // side by side against the pivots of earlier batches only; each stops at
  // the first pivot not found there, which is exactly where the serial
  // reduction would look among the batch's own earlier columns.  Phase 2
  // walks the batch in order: a column whose pivot an earlier column of the
  // batch took is rebuilt from its cochain and its reduction continued
  // against every pivot so far.  Every column thus performs the serial
  // algorithm's additions in the serial order: pairs, cochains and cocycles
  // are those of n_jobs = 1.
  void compute_pairs_parallel(const std::vector<S>& columns, int dim, Store& st, double fixed) {
    const std::size_t batch = kBatchPerThread * static_cast<std::size_t>(n_threads_);
    std::vector<Work> works;
    for (int t = 0; t < n_threads_; ++t) works.emplace_back(p_);
    std::vector<E> pivs(batch);
    std::vector<std::vector<E>> cochains(batch);
    Work serial(p_);
    for (std::size_t b0 = 0; b0 < columns.size(); b0 += batch) {
      const std::size_t nb = std::min(batch, columns.size() - b0);
      parallel_for(nb, n_threads_, 8, [&](std::size_t i0, std::size_t i1, int t) {
        Work& w = works[static_cast<std::size_t>(t)];
        for (std::size_t i = i0; i < i1; ++i) {
          pivs[i] = reduce(w, start_column(w, columns[b0 + i], dim), dim, st);
          cochains[i].clear();
          store_column(w.wr, cochains[i]);
        }
        check_interrupt();
      });
      double pending = 0;
      for (std::size_t i = 0; i < nb; ++i) pending += static_cast<double>(cochains[i].size());
      charge(fixed + static_cast<double>(st.cells.capacity() * sizeof(E)) +
             pending * static_cast<double>(sizeof(E)));
      for (std::size_t i = 0; i < nb; ++i) {
        E piv = pivs[i];
        if (piv.idx != -1 && pivots_.contains(piv.idx)) {
          serial.wr.clear();
          serial.wc.clear();
          serial.streams.clear();
          serial.pushed = 0;
          for (const E& e : cochains[i]) add_simplex_coboundary(e, dim, serial);
          piv = reduce(serial, pivot_of(serial), dim, st);
          cochains[i].clear();
          store_column(serial.wr, cochains[i]);
          if ((i & 31) == 0) check_interrupt();
        }
        finish_column(b0 + i, columns[b0 + i], piv, cochains[i], dim, st);
      }
    }
  }

  void store_column(std::vector<E>& wr, std::vector<E>& store) const {
    while (true) {
      E e = pop_pivot(wr);
      if (e.idx == -1) break;
      store.push_back(e);
    }
  }

  void emit_cocycle(const std::vector<E>& store, std::size_t from, int dim) {
    Cocycle cc;
    index_t vs[kMaxVertices];
    for (std::size_t q = from; q < store.size(); ++q) {
      const int m = vertices(store[q].idx, dim, vs);
      for (int i = 0; i < m; ++i) cc.data.push_back(vs[i]);
      cc.data.push_back(store[q].c);
    }
    result_.cocycles[static_cast<std::size_t>(dim)].push_back(std::move(cc));
  }

  E init_coboundary_and_get_pivot(const E& col, int dim, Work& w) const {
    std::vector<E>& cofacets = w.cofacets;
    cofacets.clear();
    bool check_emergent = true;
    bool emergent = false;
    E found{0, -1, 0};
    index_t vs[kMaxVertices], cv[kMaxVertices];
    const int m = vertices(col.idx, dim, vs);
    for_each_cofacet(col, vs, m, true, threshold_, [&](const E& c, index_t w, int j) {
      cofacets.push_back(c);
      if (check_emergent && c.diam == col.diam) {
        int pos;
        insert_vertex(vs, m, w, j, cv);
        if (!pivots_.contains(c.idx) && !zero_apparent_facet_v(cv, m + 1, c.diam, pos)) {
          found = c;
          emergent = true;
          return false;
        }
        check_emergent = false;
      }
      return true;
    });
    if (emergent) return found;
    for (const E& c : cofacets) w.wc.push(c);
    w.pushed += cofacets.size();
    return pivot_of(w);
  }

  const Dist& dist_;
  const T* births_;
  index_t n_;
  int maxdim_;
  T threshold_;
  coef_t p_;
  RipsOptions opt_;
  Binomial binom_;
  std::vector<coef_t> inverse_;
  int n_threads_ = 1;
  PivotMap pivots_;
  RipsResult result_;
  std::size_t lazy_after_ = 0;
  mutable std::once_flag sorted_once_;
  mutable SortedNeighbours sorted_;
};

}  // namespace

template <class T>
T enclosing_radius(const T* dist, std::size_t n) {
  T r = std::numeric_limits<T>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    T ri = 0;
    for (std::size_t j = 0; j < n; ++j)
      if (j != i) ri = std::max(ri, dist[i * n + j]);
    r = std::min(r, ri);
  }
  return n <= 1 ? T(0) : r;
}

// The collapse pays off only when it removes a good share of the edges (on
// e.g. a 3-sphere sample it removes ~1%); otherwise the full filtration is
// reduced as without collapse (same diagrams either way).
constexpr double kCollapseKeepMax = 0.5;

// Dimension 0 from the full graph (union-find, vertex births honoured), the
// other dimensions from the edge-collapsed graph (same diagrams, fewer edges).
template <class T>
bool collapse_applies(std::size_t n, std::size_t max_edges, const RipsOptions& opt) {
  if (!opt.collapse || opt.maxdim < 1 || opt.cocycles || n < 4) return false;
  const double bytes = collapse_bytes<T>(n, max_edges);
  if (opt.memory_limit > 0 && bytes > 0.5 * opt.memory_limit) return false;
  return bytes <= 8e9;
}

template <class T>
RipsResult run_collapsed(std::size_t n, const std::vector<FilteredEdge<T>>& kept,
                         RipsResult h0, const RipsOptions& opt) {
  SparseDist<T> sp;
  sp.n = static_cast<index_t>(n);
  sp.start.assign(n + 1, 0);
  for (const auto& e : kept) {
    ++sp.start[static_cast<std::size_t>(e.u) + 1];
    ++sp.start[static_cast<std::size_t>(e.v) + 1];
  }
  for (std::size_t i = 0; i < n; ++i) sp.start[i + 1] += sp.start[i];
  sp.nb.resize(sp.start[n]);
  std::vector<std::size_t> fill(sp.start.begin(), sp.start.end() - 1);
  for (const auto& e : kept) {
    sp.nb[fill[static_cast<std::size_t>(e.u)]++] = Neighbour<T>{e.v, e.f};
    sp.nb[fill[static_cast<std::size_t>(e.v)]++] = Neighbour<T>{e.u, e.f};
  }
  for (std::size_t i = 0; i < n; ++i)
    std::sort(sp.nb.begin() + static_cast<std::ptrdiff_t>(sp.start[i]),
              sp.nb.begin() + static_cast<std::ptrdiff_t>(sp.start[i + 1]),
              [](const Neighbour<T>& a, const Neighbour<T>& b) { return a.v < b.v; });
  Engine<T, SparseDist<T>, false> eng(sp, sp.n, opt, nullptr);
  RipsResult res = eng.run();
  res.pairs[0] = std::move(h0.pairs[0]);
  res.num_edges = h0.num_edges;
  return res;
}

template <class T>
RipsOptions h0_options(const RipsOptions& opt) {
  RipsOptions o = opt;
  o.maxdim = 0;
  return o;
}

// Collapses `edges` (every edge of the filtration, finite values) and, when
// enough of them go, returns the diagrams of the collapsed filtration, with
// dimension 0 from `h0(options)` on the full input; nullopt when the collapse
// gave up or kept too much to pay off (the caller then reduces the full
// filtration).
template <class T, class H0>
std::optional<RipsResult> try_collapsed(std::size_t n, std::vector<FilteredEdge<T>> edges,
                                        const RipsOptions& opt, H0&& h0) {
  RipsOptions o = opt;
  o.collapse = false;
  const std::size_t n_all = edges.size();
  bool gave_up = false;
  std::vector<FilteredEdge<T>> kept = collapse_edges<T>(n, std::move(edges), &gave_up);
  if (gave_up || static_cast<double>(kept.size()) > kCollapseKeepMax * static_cast<double>(n_all))
    return std::nullopt;
  return run_collapsed<T>(n, kept, h0(h0_options<T>(o)), o);
}

template <class T>
RipsResult rips_dense(const T* dist, std::size_t n, const RipsOptions& opt, const T* births,
                      std::int64_t n_edges_known) {
  const T thr = static_cast<T>(opt.threshold);
  if (collapse_applies<T>(n, n * (n - (n > 0 ? 1 : 0)) / 2, opt)) {
    std::vector<FilteredEdge<T>> edges;
    bool finite = true;
    for (std::size_t i = 1; i < n && finite; ++i)
      for (std::size_t j = 0; j < i; ++j) {
        const T d = dist[i * n + j];
        if (d <= thr) {
          if (!std::isfinite(d)) {
            finite = false;
            break;
          }
          edges.push_back({static_cast<std::int64_t>(i), static_cast<std::int64_t>(j), d});
        }
      }
    if (finite) {
      auto h0 = [&](const RipsOptions& o0) {
        return rips_dense<T>(dist, n, o0, births, n_edges_known);
      };
      if (auto res = try_collapsed<T>(n, std::move(edges), opt, h0)) return std::move(*res);
    }
  }
  // With a threshold below most distances, neighbour lists are faster than
  // scanning every vertex (Ripser does the same).
  std::size_t n_edges = 0;
  const std::size_t n_pairs = n * (n - (n > 0 ? 1 : 0)) / 2;
  if (n_edges_known >= 0) {
    n_edges = static_cast<std::size_t>(n_edges_known);
  } else {
    for (std::size_t i = 1; i < n; ++i)
      for (std::size_t j = 0; j < i; ++j) n_edges += dist[i * n + j] <= thr;
  }
  if (n > 0 && static_cast<double>(n_edges) < 0.25 * static_cast<double>(n_pairs)) {
    SparseDist<T> sp;
    sp.n = static_cast<index_t>(n);
    sp.start.assign(n + 1, 0);
    sp.nb.reserve(2 * n_edges);
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j)
        if (j != i && dist[i * n + j] <= thr)
          sp.nb.push_back(Neighbour<T>{static_cast<index_t>(j), dist[i * n + j]});
      sp.start[i + 1] = sp.nb.size();
    }
    Engine<T, SparseDist<T>, false> eng(sp, sp.n, opt, births);
    return eng.run();
  }
  DenseDist<T> dd{dist, static_cast<index_t>(n), n_edges};
  Engine<T, DenseDist<T>, true> eng(dd, static_cast<index_t>(n), opt, births);
  return eng.run();
}

template <class T>
RipsResult rips_sparse(std::size_t n, const std::int64_t* indptr, const std::int64_t* indices,
                       const T* values, const RipsOptions& opt, const T* births) {
  const T thr = static_cast<T>(opt.threshold);
  if (collapse_applies<T>(n, static_cast<std::size_t>(indptr[n]) / 2 + 1, opt)) {
    std::vector<FilteredEdge<T>> edges;
    bool ok = true;
    for (std::size_t i = 0; i < n && ok; ++i)
      for (std::int64_t k = indptr[i]; k < indptr[i + 1]; ++k) {
        const index_t j = indices[k];
        if (j < 0 || j >= static_cast<index_t>(n))
          throw std::invalid_argument("sparse distance matrix: column index out of range");
        if (j < static_cast<index_t>(i) && values[k] <= thr) {
          if (!std::isfinite(values[k])) {
            ok = false;
            break;
          }
          edges.push_back({static_cast<std::int64_t>(i), j, values[k]});
        }
      }
    if (ok) {
      auto h0 = [&](const RipsOptions& o0) {
        return rips_sparse<T>(n, indptr, indices, values, o0, births);
      };
      if (auto res = try_collapsed<T>(n, std::move(edges), opt, h0)) return std::move(*res);
    }
  }
  SparseDist<T> sp;
  sp.n = static_cast<index_t>(n);
  sp.start.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::int64_t k = indptr[i]; k < indptr[i + 1]; ++k) {
      const index_t j = indices[k];
      if (j < 0 || j >= static_cast<index_t>(n))
        throw std::invalid_argument("sparse distance matrix: column index out of range");
      if (j != static_cast<index_t>(i) && values[k] <= thr)
        sp.nb.push_back(Neighbour<T>{j, values[k]});
    }
    sp.start[i + 1] = sp.nb.size();
    std::sort(sp.nb.begin() + static_cast<std::ptrdiff_t>(sp.start[i]), sp.nb.end(),
              [](const Neighbour<T>& a, const Neighbour<T>& b) { return a.v < b.v; });
  }
  Engine<T, SparseDist<T>, false> eng(sp, sp.n, opt, births);
  return eng.run();
}

template RipsResult rips_dense<float>(const float*, std::size_t, const RipsOptions&,
                                     const float*, std::int64_t);
template RipsResult rips_dense<double>(const double*, std::size_t, const RipsOptions&,
                                      const double*, std::int64_t);
template RipsResult rips_sparse<float>(std::size_t, const std::int64_t*, const std::int64_t*,
                                       const float*, const RipsOptions&, const float*);
template RipsResult rips_sparse<double>(std::size_t, const std::int64_t*, const std::int64_t*,
                                        const double*, const RipsOptions&, const double*);
template float enclosing_radius<float>(const float*, std::size_t);
template double enclosing_radius<double>(const double*, std::size_t);

}  // namespace topology
}  // namespace nn
