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

}  // namespace

// Rows of Z-space distances and of max(Y, Z)-space distances, the same for every
// permutation of X: precomputed once per call up to this many realisations
// (2 n^2 doubles), computed row by row beyond.  The diagonal is +inf so that a
// point never counts as its own neighbour.
constexpr std::size_t kPrecomputeMax = 3000;

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

  auto fill_rows = [&](std::size_t i, double* dz, double* dyz) {
    for (std::size_t j = 0; j < n; ++j) {
      const double c = cond ? maxdiff(Z.row(i), Z.row(j), Z.cols) : 0.0;
      dz[j] = c;
      dyz[j] = std::max(c, maxdiff(Y.row(i), Y.row(j), Y.cols));
    }
    dz[i] = dyz[i] = inf;
  };
  const bool pre = n <= kPrecomputeMax;
  std::vector<double> Dz, Dyz;
  if (pre) {
    Dz.resize(n * n);
    Dyz.resize(n * n);
    parallel_for(n, n_threads, 64, [&](std::size_t begin, std::size_t end, int) {
      for (std::size_t i = begin; i < end; ++i) fill_rows(i, &Dz[i * n], &Dyz[i * n]);
    });
  }
  std::vector<double> local(n);
  for (std::size_t p = 0; p < P; ++p) {
    const std::int64_t* perm = perms.rows ? perms.row(p) : nullptr;
    auto xrow = [&](std::size_t i) { return X.row(perm ? static_cast<std::size_t>(perm[i]) : i); };
    parallel_for(n, n_threads, 64, [&](std::size_t begin, std::size_t end, int) {
      std::vector<double> dx(n), top(k), zbuf(pre ? 0 : n), yzbuf(pre ? 0 : n);
      for (std::size_t i = begin; i < end; ++i) {
        const double* dz = pre ? &Dz[i * n] : zbuf.data();
        const double* dyz = pre ? &Dyz[i * n] : yzbuf.data();
        if (!pre) fill_rows(i, zbuf.data(), yzbuf.data());
        const double* xi = xrow(i);
        // distance to the k-th neighbour in the joint space (k smallest, insertion)
        std::fill(top.begin(), top.end(), inf);
        for (std::size_t j = 0; j < n; ++j) {
          dx[j] = maxdiff(xi, xrow(j), X.cols);
          const double d = std::max(dx[j], dyz[j]);
          if (d < top[k - 1]) {
            int m = k - 1;
            while (m > 0 && top[m - 1] > d) {
              top[m] = top[m - 1];
              --m;
            }
            top[m] = d;
          }
        }
        const double eps = top[k - 1];
        std::size_t nxz = 0, nyz = 0, nz = 0;
        for (std::size_t j = 0; j < n; ++j) {
          nxz += std::max(dx[j], dz[j]) < eps;
          nyz += dyz[j] < eps;
          nz += dz[j] < eps;
        }
        local[i] = cond ? psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1] : psi[nxz + 1] + psi[nyz + 1];
      }
    });
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += local[i];
    out[p] = cond ? psi[k] - s / static_cast<double>(n)
                  : psi[k] + psi[n] - s / static_cast<double>(n);
  }
}

}  // namespace nn::info
