#include "infotheory/ksg_cmi.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

#include "common/parallel.hpp"

namespace nn::info {
namespace {

// psi(m) for m = 1..n+1 (psi(1) = -Euler's gamma, psi(m + 1) = psi(m) + 1 / m)
std::vector<double> psi_table(std::size_t n) {
  std::vector<double> psi(n + 2);
  psi[0] = 0.0;
  psi[1] = -0.57721566490153286061;
  for (std::size_t m = 1; m + 1 < psi.size(); ++m) psi[m + 1] = psi[m] + 1.0 / static_cast<double>(m);
  return psi;
}

inline double maxdiff(const double* a, const double* b, std::size_t d) {
  double m = 0.0;
  for (std::size_t c = 0; c < d; ++c) m = std::max(m, std::fabs(a[c] - b[c]));
  return m;
}

// From this many permutations on, each row's distances are sorted once per call.
constexpr std::size_t kSortedMinPerms = 16;

}  // namespace

void ksg_cmi_perms(MatrixView<const double> X, MatrixView<const double> Y,
                   MatrixView<const double> Z, MatrixView<const std::int64_t> perms, int k,
                   double* out, int n_threads) {
  const std::size_t n = X.rows;
  if (Y.rows != n || Z.rows != n) throw std::invalid_argument("X, Y and Z must have n rows");
  if (k < 1 || static_cast<std::size_t>(k) >= n)
    throw std::invalid_argument("k must be in [1, n - 1]");
  if (perms.rows > 0 && perms.cols != n) throw std::invalid_argument("perms must be (P, n)");
  for (std::size_t i = 0; i < perms.rows * perms.cols; ++i)
    if (perms.data[i] < 0 || static_cast<std::size_t>(perms.data[i]) >= n)
      throw std::invalid_argument("perms entries must be in [0, n)");
  const bool cond = Z.cols > 0;
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> psi = psi_table(n);
  const std::size_t P = std::max<std::size_t>(perms.rows, 1);
  const std::size_t dx = X.cols;
  // X reordered by each permutation, contiguous: (P, n, dx)
  std::vector<double> Xp(P * n * dx);
  for (std::size_t p = 0; p < P; ++p)
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t src = perms.rows ? static_cast<std::size_t>(perms(p, i)) : i;
      std::copy(X.row(src), X.row(src) + dx, &Xp[(p * n + i) * dx]);
    }
  std::vector<double> local(P * n);
  // One row i at a time: its Z- and max(Y, Z)-space distances (the same for every
  // permutation of X) are computed once, then reused by all permutations.  The
  // diagonal is +inf so that a point is never its own neighbour.
  auto row_distances = [&](std::size_t i, double* dz, double* dyz) {
    for (std::size_t j = 0; j < n; ++j) {
      const double c = cond ? maxdiff(Z.row(i), Z.row(j), Z.cols) : 0.0;
      dz[j] = c;
      dyz[j] = std::max(c, maxdiff(Y.row(i), Y.row(j), Y.cols));
    }
    dz[i] = dyz[i] = inf;
  };
  auto insert_k = [k](std::vector<double>& top, double d) {
    if (!(d < top[k - 1])) return;
    int m = k - 1;
    while (m > 0 && top[m - 1] > d) {
      top[m] = top[m - 1];
      --m;
    }
    top[m] = d;
  };
  auto term = [&](std::size_t nxz, std::size_t nyz, std::size_t nz) {
    return cond ? psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1] : psi[nxz + 1] + psi[nyz + 1];
  };
  auto brute = [&](std::size_t begin, std::size_t end) {
    std::vector<double> dz(n), dyz(n), dxv(n), top(k);
    for (std::size_t i = begin; i < end; ++i) {
      row_distances(i, dz.data(), dyz.data());
      for (std::size_t p = 0; p < P; ++p) {
        const double* xs = &Xp[p * n * dx];
        const double* xi = xs + i * dx;
        // distance to the k-th neighbour in the joint space (k smallest, by insertion)
        std::fill(top.begin(), top.end(), inf);
        for (std::size_t j = 0; j < n; ++j) {
          dxv[j] = maxdiff(xi, xs + j * dx, dx);
          insert_k(top, std::max(dxv[j], dyz[j]));
        }
        const double eps = top[k - 1];
        std::size_t nxz = 0, nyz = 0, nz = 0;
        for (std::size_t j = 0; j < n; ++j) {
          nxz += std::max(dxv[j], dz[j]) < eps;
          nyz += dyz[j] < eps;
          nz += dz[j] < eps;
        }
        local[p * n + i] = term(nxz, nyz, nz);
      }
    }
  };
  // Many permutations: sort each row's Y/Z distances once; then for every
  // permutation the k-th neighbour search visits points by increasing
  // max(Y, Z)-distance and stops at the first one no closer than the current
  // k-th (its joint distance cannot be smaller), n_yz and n_z are binary
  // searches, and n_xz visits only the points with Z-distance < eps.  The same
  // comparisons as the brute-force loop, in another order: identical counts.
  auto sorted = [&](std::size_t begin, std::size_t end) {
    std::vector<double> dz(n), dyz(n), top(k), syz(n), sz(n);
    std::vector<std::uint32_t> oyz(n), oz(n);
    for (std::size_t i = begin; i < end; ++i) {
      row_distances(i, dz.data(), dyz.data());
      for (std::size_t j = 0; j < n; ++j) oyz[j] = oz[j] = static_cast<std::uint32_t>(j);
      std::sort(oyz.begin(), oyz.end(), [&](std::uint32_t a, std::uint32_t b) { return dyz[a] < dyz[b]; });
      std::sort(oz.begin(), oz.end(), [&](std::uint32_t a, std::uint32_t b) { return dz[a] < dz[b]; });
      for (std::size_t t = 0; t < n; ++t) {
        syz[t] = dyz[oyz[t]];
        sz[t] = dz[oz[t]];
      }
      for (std::size_t p = 0; p < P; ++p) {
        const double* xs = &Xp[p * n * dx];
        const double* xi = xs + i * dx;
        std::fill(top.begin(), top.end(), inf);
        for (std::size_t t = 0; t < n && syz[t] < top[k - 1]; ++t)
          insert_k(top, std::max(maxdiff(xi, xs + oyz[t] * dx, dx), syz[t]));
        const double eps = top[k - 1];
        const std::size_t nyz = std::lower_bound(syz.begin(), syz.end(), eps) - syz.begin();
        const std::size_t nz = std::lower_bound(sz.begin(), sz.end(), eps) - sz.begin();
        std::size_t nxz = 0;
        for (std::size_t t = 0; t < nz; ++t) nxz += maxdiff(xi, xs + oz[t] * dx, dx) < eps;
        local[p * n + i] = term(nxz, nyz, nz);
      }
    }
  };
  parallel_for(n, n_threads, 16, [&](std::size_t begin, std::size_t end, int) {
    if (P >= kSortedMinPerms)
      sorted(begin, end);
    else
      brute(begin, end);
  });
  for (std::size_t p = 0; p < P; ++p) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += local[p * n + i];
    out[p] = cond ? psi[k] - s / static_cast<double>(n)
                  : psi[k] + psi[n] - s / static_cast<double>(n);
  }
}

}  // namespace nn::info
