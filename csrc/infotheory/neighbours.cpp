#include "infotheory/neighbours.hpp"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#include <immintrin.h>
#define NN_KSG_AVX2 1
#endif

namespace nn {
namespace info {

std::vector<double> digamma_table(std::size_t n) {
  std::vector<double> psi(n + 2);
  psi[0] = 0.0;  // unused
  psi[1] = -0.57721566490153286061;
  for (std::size_t m = 1; m + 1 < psi.size(); ++m) psi[m + 1] = psi[m] + 1.0 / static_cast<double>(m);
  return psi;
}

std::pair<std::size_t, std::size_t> strict_run_sorted(const double* s, std::size_t n, double v,
                                                      double r) {
  auto inside = [&](double u) { return std::fabs(u - v) < r; };
  const double* end = s + n;
  const double* lo = std::lower_bound(s, end, v - r);
  while (lo > s && inside(lo[-1])) --lo;
  while (lo < end && *lo < v && !inside(*lo)) ++lo;
  const double* hi = std::lower_bound(lo, end, v + r);
  while (hi < end && inside(*hi)) ++hi;
  while (hi > lo && !inside(hi[-1])) --hi;
  return {static_cast<std::size_t>(lo - s), static_cast<std::size_t>(hi - s)};
}

namespace {

std::size_t strict_count_rows_plain(const double* rows, std::size_t len, int dim, const double* v,
                                    double r) {
  std::size_t c = 0;
  if (dim == 1) {
    const double x = v[0];
    for (std::size_t t = 0; t < len; ++t) c += std::fabs(rows[t] - x) < r;
    return c;
  }
  for (std::size_t t = 0; t < len; ++t) c += max_abs_diff(rows + t * dim, v, dim) < r;
  return c;
}

#ifdef NN_KSG_AVX2
__attribute__((target("avx2"))) std::size_t strict_count_rows_avx2(const double* rows,
                                                                   std::size_t len, int dim,
                                                                   const double* v, double r) {
  if (dim != 1) return strict_count_rows_plain(rows, len, dim, v, r);
  const __m256d x = _mm256_set1_pd(v[0]), rr = _mm256_set1_pd(r);
  const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
  __m256i acc = _mm256_setzero_si256();
  std::size_t t = 0;
  for (; t + 4 <= len; t += 4) {
    const __m256d d = _mm256_and_pd(_mm256_sub_pd(_mm256_loadu_pd(rows + t), x), absmask);
    // all-ones lanes (-1) where |u - x| < r
    acc = _mm256_sub_epi64(acc, _mm256_castpd_si256(_mm256_cmp_pd(d, rr, _CMP_LT_OQ)));
  }
  alignas(32) long long lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), acc);
  std::size_t c = static_cast<std::size_t>(lanes[0] + lanes[1] + lanes[2] + lanes[3]);
  for (; t < len; ++t) c += std::fabs(rows[t] - v[0]) < r;
  return c;
}
const bool kHasAvx2 = [] {
  __builtin_cpu_init();  // static initialisers may run before libgcc's own
  return __builtin_cpu_supports("avx2");
}();
#endif

RunCount strict_run_count_plain(const double* s, std::size_t n, std::size_t at, const double* rows,
                                int dim, const double* x, double r) {
  const double v = s[at];
  std::size_t hi = at, c = 0;
  for (; hi < n && std::fabs(s[hi] - v) < r; ++hi) c += max_abs_diff(rows + hi * dim, x, dim) < r;
  std::size_t lo = at;
  for (; lo > 0 && std::fabs(s[lo - 1] - v) < r; --lo) c += max_abs_diff(rows + (lo - 1) * dim, x, dim) < r;
  return {lo, hi, c};
}

#ifdef NN_KSG_AVX2
__attribute__((target("avx2,bmi"))) RunCount strict_run_count_avx2(const double* s, std::size_t n,
                                                                    std::size_t at, const double* rows,
                                                                    int dim, const double* x, double r) {
  if (dim != 1) return strict_run_count_plain(s, n, at, rows, dim, x, r);
  const double v = s[at];
  const __m256d vv = _mm256_set1_pd(v), xx = _mm256_set1_pd(x[0]), rr = _mm256_set1_pd(r);
  const __m256d absmask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffffLL));
// lanes with |a - c| < r
#define NN_LT(a, c) _mm256_movemask_pd(_mm256_cmp_pd(_mm256_and_pd(_mm256_sub_pd(a, c), absmask), rr, _CMP_LT_OQ))
  std::size_t c = 0;
  // upwards: the run's lanes are a prefix of each block
  std::size_t hi = at;
  for (;;) {
    if (hi + 4 > n) {
      for (; hi < n && std::fabs(s[hi] - v) < r; ++hi) c += std::fabs(rows[hi] - x[0]) < r;
      break;
    }
    const int in = NN_LT(_mm256_loadu_pd(s + hi), vv);
    const int ok = in & NN_LT(_mm256_loadu_pd(rows + hi), xx);
    c += static_cast<std::size_t>(__builtin_popcount(ok));
    if (in != 0xF) {
      hi += static_cast<std::size_t>(__builtin_ctz(~in));
      break;
    }
    hi += 4;
  }
  // downwards from at - 1: the run's lanes are a suffix of each block
  std::size_t lo = at;
  for (;;) {
    if (lo < 4) {
      for (; lo > 0 && std::fabs(s[lo - 1] - v) < r; --lo) c += std::fabs(rows[lo - 1] - x[0]) < r;
      break;
    }
    const int in = NN_LT(_mm256_loadu_pd(s + lo - 4), vv);
    const int ok = in & NN_LT(_mm256_loadu_pd(rows + lo - 4), xx);
    c += static_cast<std::size_t>(__builtin_popcount(ok));
    if (in != 0xF) {
      lo -= static_cast<std::size_t>(__builtin_clz(static_cast<unsigned>(~in) << 28));
      break;
    }
    lo -= 4;
  }
#undef NN_LT
  return {lo, hi, c};
}
#endif

template <int DIM>
std::size_t leaf_count(const double* p, std::uint32_t m, const double* q, double r) {
  std::size_t c = 0;
  for (std::uint32_t t = 0; t < m; ++t, p += DIM) {
    double v = std::fabs(p[0] - q[0]);
    for (int d = 1; d < DIM; ++d) v = std::max(v, std::fabs(p[d] - q[d]));
    c += v < r;
  }
  return c;
}

template <int DIM>
void leaf_dists(const double* p, std::uint32_t m, const double* q, double* dd) {
  for (std::uint32_t t = 0; t < m; ++t, p += DIM) {
    double v = std::fabs(p[0] - q[0]);
    for (int d = 1; d < DIM; ++d) v = std::max(v, std::fabs(p[d] - q[d]));
    dd[t] = v;
  }
}

}  // namespace

std::size_t strict_count_rows(const double* rows, std::size_t len, int dim, const double* v,
                              double r) {
#ifdef NN_KSG_AVX2
  if (kHasAvx2) return strict_count_rows_avx2(rows, len, dim, v, r);
#endif
  return strict_count_rows_plain(rows, len, dim, v, r);
}

RunCount strict_run_count(const double* s, std::size_t n, std::size_t at, const double* rows,
                          int dim, const double* x, double r) {
#ifdef NN_KSG_AVX2
  if (kHasAvx2) return strict_run_count_avx2(s, n, at, rows, dim, x, r);
#endif
  return strict_run_count_plain(s, n, at, rows, dim, x, r);
}

// --- KDTree ----------------------------------------------------------------

void KDTree::Best::heap_push(double v, std::uint32_t id) {
  int i;
  if (size < cap) {  // sift up from the new leaf
    i = size++;
    while (i > 0) {
      const int parent = (i - 1) / 2;
      if (!(d[parent] < v)) break;
      d[i] = d[parent];
      idx[i] = idx[parent];
      i = parent;
    }
  } else {  // replace the root (the largest) and sift down
    i = 0;
    for (;;) {
      int c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && d[c + 1] > d[c]) ++c;
      if (!(d[c] > v)) break;
      d[i] = d[c];
      idx[i] = idx[c];
      i = c;
    }
  }
  d[i] = v;
  idx[i] = id;
}

void KDTree::Best::finish() {  // heap: sort ascending
  if (!heap) return;
  thread_local std::vector<std::pair<double, std::uint32_t>> tmp;
  tmp.resize(static_cast<std::size_t>(size));
  for (int i = 0; i < size; ++i) tmp[i] = {d[i], idx[i]};
  std::sort(tmp.begin(), tmp.end());
  for (int i = 0; i < size; ++i) {
    d[i] = tmp[i].first;
    idx[i] = tmp[i].second;
  }
}

void KDTree::build(const double* data, std::size_t n, int D) {
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

std::int32_t KDTree::build_node(std::uint32_t b, std::uint32_t e) {
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

double KDTree::box_min_dist(std::int32_t id, const double* q) const {
  const double* lo = box_.data() + 2 * static_cast<std::size_t>(D_) * id;
  const double* hi = lo + D_;
  double m = 0.0;
  for (int d = 0; d < D_; ++d) {
    double v = std::max(lo[d] - q[d], q[d] - hi[d]);
    m = std::max(m, v);
  }
  return m;
}

void KDTree::scan_leaf(const Node& nd, const double* q, std::uint32_t self, Best& best) const {
  double dbuf[kLeaf];
  const std::uint32_t m = nd.end - nd.begin;
  const bool buffered = m <= kLeaf;  // leaves of identical points may be larger
  if (buffered) {
    const double* p = pts_.data() + static_cast<std::size_t>(nd.begin) * D_;
    switch (D_) {  // fixed-dimension loops the compiler unrolls and vectorises
      case 2: leaf_dists<2>(p, m, q, dbuf); break;
      case 3: leaf_dists<3>(p, m, q, dbuf); break;
      case 4: leaf_dists<4>(p, m, q, dbuf); break;
      default:
        for (std::uint32_t t = 0; t < m; ++t) dbuf[t] = dist(nd.begin + t, q);
    }
  }
  for (std::uint32_t pos = nd.begin; pos < nd.end; ++pos) {
    const double dd = buffered ? dbuf[pos - nd.begin] : dist(pos, q);
    if (best.full() && dd >= best.worst()) continue;
    if (idx_[pos] == self) continue;
    best.push(dd, idx_[pos]);
  }
}

void KDTree::knn(std::int32_t id, double mind, const double* q, std::uint32_t self,
                 std::int32_t skip, Best& best) const {
  if (best.full() && mind >= best.worst()) return;
  const Node& nd = nodes_[id];
  if (nd.left < 0) {
    if (id != skip) scan_leaf(nd, q, self, best);
    return;
  }
  double dl = box_min_dist(nd.left, q), dr = box_min_dist(nd.right, q);
  if (dl <= dr) {
    knn(nd.left, dl, q, self, skip, best);
    knn(nd.right, dr, q, self, skip, best);
  } else {
    knn(nd.right, dr, q, self, skip, best);
    knn(nd.left, dl, q, self, skip, best);
  }
}

void KDTree::search(const double* q, std::uint32_t self, Best& best) const {
  // Seed with the query's own leaf (a tight bound early), then search the
  // rest of the tree, skipping that leaf.
  const std::int32_t own = leaf_of_[self];
  scan_leaf(nodes_[own], q, self, best);
  knn(0, box_min_dist(0, q), q, self, own, best);
}

double KDTree::kth_distance(const double* q, std::uint32_t self, int K, double* heap) const {
  Best best{heap, nullptr, K, 0, false};
  search(q, self, best);
  return heap[K - 1];
}

void KDTree::nearest(const double* q, std::uint32_t self, int m, double* d,
                     std::uint32_t* idx) const {
  Best best{d, idx, m, 0, m > 64};
  search(q, self, best);
  best.finish();
}

void KDTree::collect(std::int32_t id, const double* q, double r, std::uint32_t self,
                     std::vector<std::pair<double, std::uint32_t>>& out) const {
  if (box_min_dist(id, q) >= r) return;
  const Node& nd = nodes_[id];
  if (nd.left >= 0) {
    collect(nd.left, q, r, self, out);
    collect(nd.right, q, r, self, out);
    return;
  }
  for (std::uint32_t pos = nd.begin; pos < nd.end; ++pos) {
    const double dd = dist(pos, q);
    if (dd < r && idx_[pos] != self) out.push_back({dd, idx_[pos]});
  }
}

void KDTree::within(const double* q, std::uint32_t self, double r,
                    std::vector<std::pair<double, std::uint32_t>>& out) const {
  out.clear();
  if (!nodes_.empty()) collect(0, q, r, self, out);
  std::sort(out.begin(), out.end());
}

std::size_t KDTree::count(std::int32_t id, const double* q, double r) const {
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
    const double* p = pts_.data() + static_cast<std::size_t>(nd.begin) * D_;
    const std::uint32_t m = nd.end - nd.begin;
    switch (D_) {
      case 2: return leaf_count<2>(p, m, q, r);
      case 3: return leaf_count<3>(p, m, q, r);
      case 4: return leaf_count<4>(p, m, q, r);
      default: {
        std::size_t c = 0;
        for (std::uint32_t pos = nd.begin; pos < nd.end; ++pos) c += dist(pos, q) < r;
        return c;
      }
    }
  }
  return count(nd.left, q, r) + count(nd.right, q, r);
}

}  // namespace info
}  // namespace nn
