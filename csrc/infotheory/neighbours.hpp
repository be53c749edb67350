// Max-norm neighbour search shared by the KSG estimators (ksg.cpp, ksg_cmi.cpp).
//
// KDTree: a k-d tree with a bounding box per node, for the distance to the K-th
// nearest other point, the m nearest other points (indices and distances) and
// strict range counts (distance < r).  Sorted 1-D helpers: the run of a sorted
// column within distance < r of a value, and strict box counts over a run.
// Every distance is max_d |p_d - q_d| computed as fabs(p_d - q_d) and max, the
// same floating-point value whichever structure finds it, so the estimators'
// counts do not depend on the search method.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <utility>
#include <vector>

namespace nn {
namespace info {

// psi(m) for m = 1..n+1 (psi(1) = -Euler's gamma, psi(m + 1) = psi(m) + 1 / m).
std::vector<double> digamma_table(std::size_t n);

// Points strictly inside the ball other than the query (which is inside
// whenever r > 0; with r = 0, from tied points, the count is already 0).
inline std::size_t others(std::size_t c) { return c > 0 ? c - 1 : 0; }

// [first, last) of the sorted s[0..n) with |u - v| < r, by the same
// floating-point test as the distances (v +- r may round across an element):
// a contiguous run located by binary search and fixed up at its ends.
std::pair<std::size_t, std::size_t> strict_run_sorted(const double* s, std::size_t n, double v,
                                                      double r);

inline std::size_t strict_count_sorted(const double* s, std::size_t n, double v, double r) {
  const auto run = strict_run_sorted(s, n, v, r);
  return run.second - run.first;
}

// Around position `at` of the sorted s[0..n) (s[at] == v): the run [first,
// last) of |s[t] - v| < r (contiguous: fl(u - v) is monotone in u), found by
// scanning outwards, and inside = #{t in run : max_q |rows[t * dim + q] - x[q]| < r}
// (rows row-major, in the order of s).  Empty run when r <= 0.  Vectorised.
struct RunCount {
  std::size_t first, last, inside;
};
RunCount strict_run_count(const double* s, std::size_t n, std::size_t at, const double* rows,
                          int dim, const double* x, double r);

// #{t < len : max_q |rows[t * dim + q] - v[q]| < r} (rows row-major, dim >= 1);
// vectorised (AVX2 where the CPU has it: exact, only subtractions and compares).
std::size_t strict_count_rows(const double* rows, std::size_t len, int dim, const double* v,
                              double r);

// Index of the lowest set bit of m != 0.
inline int lowest_bit(unsigned m) {
#if defined(__GNUC__) || defined(__clang__)
  return __builtin_ctz(m);
#else
  int b = 0;
  for (; !(m & 1u); m >>= 1) ++b;
  return b;
#endif
}

// max_q |a[q] - b[q]|
inline double max_abs_diff(const double* a, const double* b, int dim) {
  double m = std::fabs(a[0] - b[0]);
  for (int q = 1; q < dim; ++q) m = std::max(m, std::fabs(a[q] - b[q]));
  return m;
}

class KDTree {
 public:
  static constexpr std::uint32_t kLeaf = 32;

  // Builds over n points of dimension D (row-major); the coordinates are copied.
  void build(const double* data, std::size_t n, int D);

  // Distance from point `self` (original index, coordinates q) to its K-th
  // nearest other point; heap: K doubles of scratch.
  double kth_distance(const double* q, std::uint32_t self, int K, double* heap) const;

  // The m nearest other points of point `self` (coordinates q): distances d[0..m)
  // ascending and their original indices idx[0..m) (m <= n - 1).
  void nearest(const double* q, std::uint32_t self, int m, double* d, std::uint32_t* idx) const;

  // The other points with distance < r from point `self` (coordinates q), as
  // (distance, original index) pairs sorted ascending.
  void within(const double* q, std::uint32_t self, double r,
              std::vector<std::pair<double, std::uint32_t>>& out) const;

  // Number of points (including the query itself if present) with max-norm
  // distance strictly below r.
  std::size_t count_within(const double* q, double r) const { return count(0, q, r); }

  // Original indices in tree (leaf) order: spatially close points are adjacent.
  const std::vector<std::uint32_t>& order() const { return idx_; }

  bool empty() const { return nodes_.empty(); }

 private:
  struct Node {
    std::uint32_t begin, end;
    std::int32_t left = -1, right = -1;
  };
  // The cap smallest distances seen so far: a sorted array (small cap) or a
  // max-heap (large cap, sorted once at the end).
  struct Best {
    double* d;
    std::uint32_t* idx;  // nullptr: distances only
    int cap;
    int size;
    bool heap;
    bool full() const { return size == cap; }
    double worst() const { return heap ? d[0] : d[cap - 1]; }
    void push(double v, std::uint32_t id) {
      if (heap) {
        heap_push(v, id);
        return;
      }
      int i = size < cap ? size++ : cap - 1;
      while (i > 0 && d[i - 1] > v) {
        d[i] = d[i - 1];
        if (idx) idx[i] = idx[i - 1];
        --i;
      }
      d[i] = v;
      if (idx) idx[i] = id;
    }
    void heap_push(double v, std::uint32_t id);
    void finish();  // heap: sort ascending
  };

  std::int32_t build_node(std::uint32_t b, std::uint32_t e);
  double box_min_dist(std::int32_t id, const double* q) const;
  double dist(std::uint32_t pos, const double* q) const {
    return max_abs_diff(pts_.data() + static_cast<std::size_t>(pos) * D_, q, D_);
  }
  void scan_leaf(const Node& nd, const double* q, std::uint32_t self, Best& best) const;
  void knn(std::int32_t id, double mind, const double* q, std::uint32_t self, std::int32_t skip,
           Best& best) const;
  std::size_t count(std::int32_t id, const double* q, double r) const;
  void collect(std::int32_t id, const double* q, double r, std::uint32_t self,
               std::vector<std::pair<double, std::uint32_t>>& out) const;
  void search(const double* q, std::uint32_t self, Best& best) const;

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

}  // namespace info
}  // namespace nn
