#include "infotheory/ksg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"
#include "infotheory/run.hpp"

namespace nn {
namespace info {

namespace {

// k-d tree over n points of dimension D (row-major copy, reordered), with a
// bounding box per node, for max-norm k-nearest-neighbour distances and strict
// range counts.
class KDTree {
 public:
  static constexpr std::uint32_t kLeaf = 32;

  void build(const double* data, std::size_t n, int D) {
    n_ = n;
    D_ = D;
    idx_.resize(n);
    std::iota(idx_.begin(), idx_.end(), 0u);
    leaf_of_.assign(n, 0);
    keys_.resize(n);
    src_ = data;
    nodes_.clear();
    box_.clear();
    nodes_.reserve(2 * (n / kLeaf + 1));
    build_node(0, static_cast<std::uint32_t>(n));
    pts_.resize(n * static_cast<std::size_t>(D));
    for (std::size_t q = 0; q < n; ++q)
      std::copy(data + idx_[q] * D, data + idx_[q] * D + D, pts_.begin() + q * D);
    src_ = nullptr;
  }

  // Distance from point `self` (original index, coordinates q) to its K-th
  // nearest other point.
  double kth_distance(const double* q, std::uint32_t self, int K, double* heap) const {
    int size = 0;  // heap: sorted ascending, at most K entries
    // Seed with the query's own leaf (a tight bound early), then search the
    // rest of the tree, skipping that leaf.
    const std::int32_t own = leaf_of_[self];
    scan_leaf(nodes_[own], q, self, K, heap, size);
    knn(0, box_min_dist(0, q), q, self, own, K, heap, size);
    return heap[K - 1];
  }

  // Number of points (including the query itself if present) with max-norm
  // distance strictly below r.
  std::size_t count_within(const double* q, double r) const { return count(0, q, r); }

  // Original indices in tree (leaf) order: spatially close points are adjacent.
  const std::vector<std::uint32_t>& order() const { return idx_; }

 private:
  struct Node {
    std::uint32_t begin, end;
    std::int32_t left = -1, right = -1;
  };

  std::int32_t build_node(std::uint32_t b, std::uint32_t e) {
    std::int32_t id = static_cast<std::int32_t>(nodes_.size());
    nodes_.push_back({b, e});
    box_.resize(box_.size() + 2 * static_cast<std::size_t>(D_));
    double* lo = box_.data() + 2 * static_cast<std::size_t>(D_) * id;
    double* hi = lo + D_;
    for (int d = 0; d < D_; ++d) {
      lo[d] = INFINITY;
      hi[d] = -INFINITY;
    }
    for (std::uint32_t q = b; q < e; ++q) {
      const double* p = src_ + static_cast<std::size_t>(idx_[q]) * D_;
      for (int d = 0; d < D_; ++d) {
        lo[d] = std::min(lo[d], p[d]);
        hi[d] = std::max(hi[d], p[d]);
      }
    }
    if (e - b <= kLeaf) {
      for (std::uint32_t q = b; q < e; ++q) leaf_of_[idx_[q]] = id;
      return id;
    }
    int dim = 0;
    double spread = -1.0;
    for (int d = 0; d < D_; ++d)
      if (hi[d] - lo[d] > spread) {
        spread = hi[d] - lo[d];
        dim = d;
      }
    if (spread <= 0.0) {  // all points equal: keep as a leaf
      for (std::uint32_t q = b; q < e; ++q) leaf_of_[idx_[q]] = id;
      return id;
    }
    std::uint32_t m = b + (e - b) / 2;
    // median split on contiguous (coordinate, index) pairs
    for (std::uint32_t q = b; q < e; ++q)
      keys_[q] = {src_[static_cast<std::size_t>(idx_[q]) * D_ + dim], idx_[q]};
    std::nth_element(keys_.begin() + b, keys_.begin() + m, keys_.begin() + e);
    for (std::uint32_t q = b; q < e; ++q) idx_[q] = keys_[q].second;
    std::int32_t l = build_node(b, m);
    std::int32_t r = build_node(m, e);
    nodes_[id].left = l;
    nodes_[id].right = r;
    return id;
  }

  double box_min_dist(std::int32_t id, const double* q) const {
    const double* lo = box_.data() + 2 * static_cast<std::size_t>(D_) * id;
    const double* hi = lo + D_;
    double m = 0.0;
    for (int d = 0; d < D_; ++d) {
      double v = std::max(lo[d] - q[d], q[d] - hi[d]);
      m = std::max(m, v);
    }
    return m;
  }

  double dist(std::uint32_t pos, const double* q) const {
    const double* p = pts_.data() + static_cast<std::size_t>(pos) * D_;
    double m = 0.0;
    for (int d = 0; d < D_; ++d) m = std::max(m, std::fabs(p[d] - q[d]));
    return m;
  }

  template <int DIM>
  std::size_t leaf_count(const Node& nd, const double* q, double r) const {
    std::size_t c = 0;
    const double* p = pts_.data() + static_cast<std::size_t>(nd.begin) * DIM;
    for (std::uint32_t pos = nd.begin; pos < nd.end; ++pos, p += DIM) {
      double m = std::fabs(p[0] - q[0]);
      for (int d = 1; d < DIM; ++d) m = std::max(m, std::fabs(p[d] - q[d]));
      c += m < r;
    }
    return c;
  }

  template <int DIM>
  void leaf_dists(const Node& nd, const double* q, double* dd) const {
    const double* p = pts_.data() + static_cast<std::size_t>(nd.begin) * DIM;
    const std::uint32_t m = nd.end - nd.begin;
    for (std::uint32_t t = 0; t < m; ++t, p += DIM) {
      double v = std::fabs(p[0] - q[0]);
      for (int d = 1; d < DIM; ++d) v = std::max(v, std::fabs(p[d] - q[d]));
      dd[t] = v;
    }
  }

  void scan_leaf(const Node& nd, const double* q, std::uint32_t self, int K, double* heap,
                 int& size) const {
    double dbuf[kLeaf];
    const std::uint32_t m = nd.end - nd.begin;
    const bool buffered = m <= kLeaf;  // leaves of identical points may be larger
    if (buffered) {
      switch (D_) {
        case 2: leaf_dists<2>(nd, q, dbuf); break;
        case 3: leaf_dists<3>(nd, q, dbuf); break;
        case 4: leaf_dists<4>(nd, q, dbuf); break;
        default:
          for (std::uint32_t t = 0; t < m; ++t) dbuf[t] = dist(nd.begin + t, q);
      }
    }
    for (std::uint32_t pos = nd.begin; pos < nd.end; ++pos) {
      const double dd = buffered ? dbuf[pos - nd.begin] : dist(pos, q);
      if (size == K && dd >= heap[K - 1]) continue;
      if (idx_[pos] == self) continue;
      int i = size < K ? size++ : K - 1;
      while (i > 0 && heap[i - 1] > dd) {
        heap[i] = heap[i - 1];
        --i;
      }
      heap[i] = dd;
    }
  }

  void knn(std::int32_t id, double mind, const double* q, std::uint32_t self, std::int32_t skip,
           int K, double* heap, int& size) const {
    if (size == K && mind >= heap[K - 1]) return;
    const Node& nd = nodes_[id];
    if (nd.left < 0) {
      if (id != skip) scan_leaf(nd, q, self, K, heap, size);
      return;
    }
    double dl = box_min_dist(nd.left, q), dr = box_min_dist(nd.right, q);
    if (dl <= dr) {
      knn(nd.left, dl, q, self, skip, K, heap, size);
      knn(nd.right, dr, q, self, skip, K, heap, size);
    } else {
      knn(nd.right, dr, q, self, skip, K, heap, size);
      knn(nd.left, dl, q, self, skip, K, heap, size);
    }
  }

  std::size_t count(std::int32_t id, const double* q, double r) const {
    const double* lo = box_.data() + 2 * static_cast<std::size_t>(D_) * id;
    const double* hi = lo + D_;
    double mn = 0.0, mx = 0.0;
    for (int d = 0; d < D_; ++d) {
      const double a = q[d] - lo[d], b = hi[d] - q[d];
      mn = std::max(mn, std::max(-a, -b));
      mx = std::max(mx, std::max(a, b));
    }
    if (mn >= r) return 0;
    const Node& nd = nodes_[id];
    if (mx < r) return nd.end - nd.begin;
    if (nd.left < 0) {
      std::size_t c = 0;
      switch (D_) {  // fixed-dimension loops the compiler unrolls and vectorises
        case 2: return leaf_count<2>(nd, q, r);
        case 3: return leaf_count<3>(nd, q, r);
        case 4: return leaf_count<4>(nd, q, r);
        default:
          for (std::uint32_t pos = nd.begin; pos < nd.end; ++pos) c += dist(pos, q) < r;
          return c;
      }
    }
    return count(nd.left, q, r) + count(nd.right, q, r);
  }

  std::size_t n_ = 0;
  int D_ = 0;
  const double* src_ = nullptr;
  std::vector<std::uint32_t> idx_;
  std::vector<std::int32_t> leaf_of_;  // leaf holding each original point
  std::vector<std::pair<double, std::uint32_t>> keys_;
  std::vector<double> pts_;
  std::vector<Node> nodes_;
  std::vector<double> box_;
};

std::vector<double> digamma_table(std::size_t n) {
  std::vector<double> psi(n + 2);
  psi[0] = 0.0;  // unused
  psi[1] = -0.57721566490153286061;
  for (std::size_t m = 1; m + 1 < psi.size(); ++m) psi[m + 1] = psi[m] + 1.0 / static_cast<double>(m);
  return psi;
}

// #{u in sorted s[0..n) : |u - v| < r}, with the same floating-point test as
// the joint-space distances (v +- r may round across the K-th neighbour): a
// contiguous run located by binary search and fixed up at its ends.
std::size_t strict_count_sorted(const double* s, std::size_t n, double v, double r) {
  auto inside = [&](double u) { return std::fabs(u - v) < r; };
  const double* end = s + n;
  const double* lo = std::lower_bound(s, end, v - r);
  while (lo > s && inside(lo[-1])) --lo;
  while (lo < end && *lo < v && !inside(*lo)) ++lo;
  const double* hi = std::lower_bound(lo, end, v + r);
  while (hi < end && inside(*hi)) ++hi;
  while (hi > lo && !inside(hi[-1])) --hi;
  return static_cast<std::size_t>(hi - lo);
}

// Standardises column c of a row-major (n x stride) block in place (zero mean,
// unit variance over the n rows); a constant column is only centred.
void standardize_column(double* base, std::size_t n, std::size_t stride, std::size_t c) {
  double mean = 0.0;
  for (std::size_t s = 0; s < n; ++s) mean += base[s * stride + c];
  mean /= static_cast<double>(n);
  double var = 0.0;
  for (std::size_t s = 0; s < n; ++s) {
    const double v = base[s * stride + c] - mean;
    var += v * v;
  }
  const double sd = std::sqrt(var / static_cast<double>(n));
  const double inv = sd > 0.0 ? 1.0 / sd : 1.0;
  for (std::size_t s = 0; s < n; ++s) base[s * stride + c] = (base[s * stride + c] - mean) * inv;
}

// Points strictly inside the ball other than the query (which is inside
// whenever eps > 0; with eps = 0, from tied points, the count is already 0).
inline std::size_t others(std::size_t c) { return c > 0 ? c - 1 : 0; }

struct TeLayout {
  std::size_t t0 = 0, n = 0;
};

TeLayout te_layout(std::size_t T, const KsgSpec& s) {
  if (s.k < 1 || s.l < 1 || s.delay < 0 || s.neighbours < 1)
    throw std::invalid_argument("invalid KSG parameters");
  TeLayout L;
  L.t0 = static_cast<std::size_t>(std::max(s.k, s.delay + s.l - 1));
  L.n = T > L.t0 ? T - L.t0 : 0;
  return L;
}

}  // namespace

std::size_t ksg_te_samples(std::size_t T, const KsgSpec& spec) { return te_layout(T, spec).n; }

void te_ksg(MatrixView<const double> src, MatrixView<const double> tgt, const KsgSpec& spec,
            bool zero_diagonal, MatrixView<double> out, int n_threads) {
  if (src.rows != tgt.rows) throw std::invalid_argument("source and target lengths differ");
  if (out.rows != src.cols || out.cols != tgt.cols) throw std::invalid_argument("out has the wrong shape");
  const TeLayout L = te_layout(src.rows, spec);
  const std::size_t n = L.n, Ns = src.cols, Nt = tgt.cols;
  const int k = spec.k, l = spec.l, K = spec.neighbours;
  if (n <= static_cast<std::size_t>(K)) throw std::invalid_argument("too few time points for K neighbours");
  n_threads = std::max(1, n_threads);
  const std::vector<double> psi = digamma_table(n + 1);

  // Per target: points (y_t, y_{t-1}, ..., y_{t-k}); its "z" part is columns 1..k.
  const int Dyz = k + 1;
  std::vector<double> yz(Nt * n * Dyz);
  std::vector<KDTree> tree_z(Nt), tree_yz(Nt);
  std::vector<double> zsorted(k == 1 ? Nt * n : 0);  // k = 1: the z space is 1-D
  run_parallel(Nt, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
    std::vector<double> z(n * k);
    for (std::size_t j = b; j < e; ++j) {
      check_interrupt();
      double* P = yz.data() + j * n * Dyz;
      for (std::size_t s = 0; s < n; ++s) {
        const std::size_t t = L.t0 + s;
        P[s * Dyz] = tgt(t, j);
        for (int q = 1; q <= k; ++q) P[s * Dyz + q] = tgt(t - q, j);
      }
      // every embedded variable standardised over the used samples (as JIDT)
      for (int q = 0; q < Dyz; ++q) standardize_column(P, n, Dyz, q);
      for (std::size_t s = 0; s < n; ++s)
        for (int q = 1; q <= k; ++q) z[s * k + q - 1] = P[s * Dyz + q];
      tree_yz[j].build(P, n, Dyz);
      if (k == 1) {
        std::sort(z.begin(), z.end());
        std::copy(z.begin(), z.end(), zsorted.begin() + j * n);
      } else {
        tree_z[j].build(z.data(), n, k);
      }
    }
  });

  // Source lag columns x_{t-delay-q}, q < l, standardised over the used samples.
  std::vector<double> SX(Ns * n * l);
  run_parallel(Ns, n_threads, 4, [&](std::size_t b, std::size_t e, int) {
    for (std::size_t i = b; i < e; ++i) {
      double* B = SX.data() + i * n * l;
      for (std::size_t s = 0; s < n; ++s)
        for (int q = 0; q < l; ++q)
          B[s * l + q] = src(L.t0 + s - static_cast<std::size_t>(spec.delay) - q, i);
      for (int q = 0; q < l; ++q) standardize_column(B, n, l, q);
    }
  });

  const int D = 1 + k + l, Dxz = k + l;
  run_parallel(Ns * Nt, n_threads, 1, [&](std::size_t pb, std::size_t pe, int) {
    std::vector<double> joint(n * D), xz(n * Dxz), heap(K), term(n);
    KDTree tj, txz;
    for (std::size_t p = pb; p < pe; ++p) {
      check_interrupt();
      const std::size_t i = p / Nt, j = p % Nt;
      if (zero_diagonal && i == j) {
        out(i, j) = 0.0;
        continue;
      }
      const double* P = yz.data() + j * n * Dyz;
      for (std::size_t s = 0; s < n; ++s) {
        double* J = joint.data() + s * D;
        double* X = xz.data() + s * Dxz;
        for (int q = 0; q < Dyz; ++q) J[q] = P[s * Dyz + q];
        for (int q = 1; q <= k; ++q) X[q - 1] = P[s * Dyz + q];
        for (int q = 0; q < l; ++q) {
          double v = SX[(i * n + s) * l + q];
          J[Dyz + q] = v;
          X[k + q] = v;
        }
      }
      tj.build(joint.data(), n, D);
      txz.build(xz.data(), n, Dxz);
      // Queries in the joint tree's leaf order (neighbouring queries visit the
      // same nodes); the per-point terms are then summed in time order, so the
      // result is the same as querying in time order.
      const std::vector<std::uint32_t>& ord = tj.order();
      for (std::size_t r = 0; r < n; ++r) {
        if ((r & 255) == 0) check_interrupt();
        const std::size_t s = ord[r];
        const double* J = joint.data() + s * D;
        double eps = tj.kth_distance(J, static_cast<std::uint32_t>(s), K, heap.data());
        std::size_t nz = others(k == 1 ? strict_count_sorted(zsorted.data() + j * n, n, J[1], eps)
                                       : tree_z[j].count_within(J + 1, eps));
        std::size_t nyz = others(tree_yz[j].count_within(J, eps));
        std::size_t nxz = others(txz.count_within(xz.data() + s * Dxz, eps));
        term[s] = psi[nz + 1] - psi[nyz + 1] - psi[nxz + 1];
      }
      double acc = 0.0;
      for (std::size_t s = 0; s < n; ++s) acc += term[s];
      out(i, j) = psi[K] + acc / static_cast<double>(n);
    }
  });
}

void mi_ksg(MatrixView<const double> x, MatrixView<const double> y, int neighbours,
            bool symmetric, MatrixView<double> out, int n_threads) {
  if (x.rows != y.rows) throw std::invalid_argument("x and y lengths differ");
  if (out.rows != x.cols || out.cols != y.cols) throw std::invalid_argument("out has the wrong shape");
  const std::size_t n = x.rows, Nx = x.cols, Ny = y.cols;
  const int K = neighbours;
  if (K < 1 || n <= static_cast<std::size_t>(K)) throw std::invalid_argument("too few samples for K neighbours");
  n_threads = std::max(1, n_threads);
  const std::vector<double> psi = digamma_table(n + 1);
  // Sorted marginals: strict counts |u - v| < r by binary search.
  auto sorted_cols = [&](MatrixView<const double> a) {
    std::vector<double> s(a.cols * n);
    for (std::size_t c = 0; c < a.cols; ++c) {
      for (std::size_t t = 0; t < n; ++t) s[c * n + t] = a(t, c);
      std::sort(s.begin() + c * n, s.begin() + (c + 1) * n);
    }
    return s;
  };
  const std::vector<double> sx = sorted_cols(x), sy = sorted_cols(y);
  auto strict_count = [&](const double* s, double v, double r) {
    return strict_count_sorted(s, n, v, r);
  };
  run_parallel(Nx * Ny, n_threads, 1, [&](std::size_t pb, std::size_t pe, int) {
    std::vector<double> pts(n * 2), heap(K), term(n);
    KDTree tree;
    for (std::size_t p = pb; p < pe; ++p) {
      check_interrupt();
      const std::size_t i = p / Ny, j = p % Ny;
      if (symmetric && j <= i) continue;
      for (std::size_t t = 0; t < n; ++t) {
        pts[2 * t] = x(t, i);
        pts[2 * t + 1] = y(t, j);
      }
      tree.build(pts.data(), n, 2);
      // queries in leaf order, terms summed in time order (as in te_ksg)
      const std::vector<std::uint32_t>& ord = tree.order();
      for (std::size_t r = 0; r < n; ++r) {
        const std::size_t t = ord[r];
        double eps = tree.kth_distance(pts.data() + 2 * t, static_cast<std::uint32_t>(t), K, heap.data());
        std::size_t nx = others(strict_count(sx.data() + i * n, pts[2 * t], eps));
        std::size_t ny = others(strict_count(sy.data() + j * n, pts[2 * t + 1], eps));
        term[t] = psi[nx + 1] + psi[ny + 1];
      }
      double acc = 0.0;
      for (std::size_t t = 0; t < n; ++t) acc += term[t];
      out(i, j) = psi[K] + psi[n] - acc / static_cast<double>(n);
    }
  });
  if (symmetric)
    for (std::size_t i = 0; i < Nx; ++i) {
      out(i, i) = 0.0;
      for (std::size_t j = i + 1; j < Ny; ++j) out(j, i) = out(i, j);
    }
}

}  // namespace info
}  // namespace nn
