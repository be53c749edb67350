#include "infotheory/ksg_cmi.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"
#include "infotheory/neighbours.hpp"

namespace nn::info {
namespace {

inline double maxdiff(const double* a, const double* b, std::size_t d) {
  double m = 0.0;
  for (std::size_t c = 0; c < d; ++c) m = std::max(m, std::fabs(a[c] - b[c]));
  return m;
}

// Below this many rows, or with fewer permutations than kListMinPerms in a
// call, every estimate is brute force over all pairs of rows (at n ~ 1000 a
// single estimate is cheaper through trees and lists).
constexpr std::size_t kTreeMinRows = 64;
constexpr std::size_t kListMinPerms = 16;

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
  {
    std::vector<std::size_t> seen(n, 0);  // seen[v] == p + 1: v already in row p
    for (std::size_t p = 0; p < perms.rows; ++p)
      for (std::size_t i = 0; i < n; ++i) {
        const auto v = static_cast<std::size_t>(perms(p, i));
        if (seen[v] == p + 1) throw std::invalid_argument("each row of perms must be a permutation of 0..n-1");
        seen[v] = p + 1;
      }
  }
  const bool cond = Z.cols > 0;
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> psi = digamma_table(n);
  const std::size_t P = std::max<std::size_t>(perms.rows, 1);
  const std::size_t dx = X.cols, dy = Y.cols, dz = Z.cols, dyz = dy + dz;
  // X reordered by each permutation, contiguous: (P, n, dx)
  std::vector<double> Xp(P * n * dx);
  for (std::size_t p = 0; p < P; ++p)
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t src = perms.rows ? static_cast<std::size_t>(perms(p, i)) : i;
      std::copy(X.row(src), X.row(src) + dx, &Xp[(p * n + i) * dx]);
    }
  std::vector<double> local(P * n);
  // One row i at a time: its Z- and max(Y, Z)-space distances to every row (the
  // same for every permutation of X).  The diagonal is +inf so that a point is
  // never its own neighbour.
  auto row_distances = [&](std::size_t i, double* dzv, double* dyzv) {
    for (std::size_t j = 0; j < n; ++j) {
      const double c = cond ? maxdiff(Z.row(i), Z.row(j), dz) : 0.0;
      dzv[j] = c;
      dyzv[j] = std::max(c, maxdiff(Y.row(i), Y.row(j), dy));
    }
    dzv[i] = dyzv[i] = inf;
  };
  auto term = [&](std::size_t nxz, std::size_t nyz, std::size_t nz) {
    return cond ? psi[nxz + 1] + psi[nyz + 1] - psi[nz + 1] : psi[nxz + 1] + psi[nyz + 1];
  };
  // Brute force for row i and permutation p over all n rows, from the row's
  // Z / YZ distances: the reference every faster path below reproduces.
  auto brute_one = [&](std::size_t i, std::size_t p, const double* dzv, const double* dyzv,
                       double* dxv, double* top) {
    const double* xs = &Xp[p * n * dx];
    const double* xi = xs + i * dx;
    std::fill(top, top + k, inf);
    for (std::size_t j = 0; j < n; ++j) {
      dxv[j] = maxdiff(xi, xs + j * dx, dx);
      const double d = std::max(dxv[j], dyzv[j]);
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
      nxz += std::max(dxv[j], dzv[j]) < eps;
      nyz += dyzv[j] < eps;
      nz += dzv[j] < eps;
    }
    local[p * n + i] = term(nxz, nyz, nz);
  };
  if (n < kTreeMinRows || P < kListMinPerms || dx == 0 || dyz == 0) {
    parallel_for(n, n_threads, 16, [&](std::size_t begin, std::size_t end, int) {
      std::vector<double> dzv(n), dyzv(n), dxv(n), top(k);
      for (std::size_t i = begin; i < end; ++i) {
        check_interrupt();
        row_distances(i, dzv.data(), dyzv.data());
        for (std::size_t p = 0; p < P; ++p) brute_one(i, p, dzv.data(), dyzv.data(), dxv.data(), top.data());
      }
    });
  } else {
    // k-d trees of the fixed spaces: (Y, Z) and Z (with Z), or X's rows (MI:
    // n_x counts X's rows near the query, which no permutation changes).
    std::vector<double> yzp(n * dyz);
    for (std::size_t i = 0; i < n; ++i) {
      std::copy(Y.row(i), Y.row(i) + dy, &yzp[i * dyz]);
      if (cond) std::copy(Z.row(i), Z.row(i) + dz, &yzp[i * dyz + dy]);
    }
    KDTree tyz, tz;
    tyz.build(yzp.data(), n, static_cast<int>(dyz));
    if (cond) tz.build(Z.data, n, static_cast<int>(dz));
    // 1-D Z: its values sorted (and each row's rank), and every permutation's X
    // in that order: n_z and n_xz by one outward scan of the run within eps
    const bool zrun = dz == 1;
    std::vector<double> zsorted, xz_ord;
    std::vector<std::uint32_t> zrank;
    if (zrun) {
      std::vector<std::uint32_t> o(n);
      std::iota(o.begin(), o.end(), 0u);
      std::sort(o.begin(), o.end(), [&](std::uint32_t a, std::uint32_t c) {
        return Z.data[a] < Z.data[c] || (Z.data[a] == Z.data[c] && a < c);
      });
      zsorted.resize(n);
      zrank.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        zsorted[r] = Z.data[o[r]];
        zrank[o[r]] = static_cast<std::uint32_t>(r);
      }
      xz_ord.resize(P * n * dx);
      for (std::size_t p = 0; p < P; ++p)
        for (std::size_t r = 0; r < n; ++r)
          std::copy(&Xp[(p * n + o[r]) * dx], &Xp[(p * n + o[r]) * dx] + dx, &xz_ord[(p * n + r) * dx]);
    }
    std::vector<double> xsorted;  // MI with 1-D X: X's values sorted
    KDTree tx;
    if (!cond && dx == 1) {
      xsorted.assign(X.data, X.data + n);
      std::sort(xsorted.begin(), xsorted.end());
    } else if (!cond) {
      tx.build(X.data, n, static_cast<int>(dx));
    }
    // Per row: its m nearest (Y, Z)-space neighbours, ascending, shared by
    // every permutation.  A permutation's K-th joint neighbour (joint distance
    // max(d_x, d_yz) >= d_yz) is found by walking that list until d_yz >= the
    // current K-th, and n_yz is a binary search in it; a permutation whose walk
    // runs out of the list is done by brute force.  With a multivariate Z, the
    // rows with d_z below the row's largest eps are then collected once
    // (sorted, from the Z tree): n_z is a binary search there and n_xz checks
    // d_x over its first n_z rows.  Same distances, same strict comparisons as
    // brute force: identical counts.
    const int m = static_cast<int>(std::min<std::size_t>(n - 1, std::max<std::size_t>(64, 8 * static_cast<std::size_t>(k))));
    const bool complete = static_cast<std::size_t>(m) + 1 == n;
    parallel_for(n, n_threads, 16, [&](std::size_t begin, std::size_t end, int) {
      std::vector<double> dzv(n), dyzv(n), dxv(n), top(k), ld(m), epsv(P);
      std::vector<std::uint32_t> li(m);
      std::vector<std::pair<double, std::uint32_t>> zl;
      for (std::size_t i = begin; i < end; ++i) {
        check_interrupt();
        const auto self = static_cast<std::uint32_t>(i);
        tyz.nearest(&yzp[i * dyz], self, m, ld.data(), li.data());
        // every permutation's eps first (NaN: the list ran out, brute force)
        double rmax = 0.0;
        for (std::size_t p = 0; p < P; ++p) {
          const double* xs = &Xp[p * n * dx];
          const double* xi = xs + i * dx;
          std::fill(top.begin(), top.end(), inf);
          for (int t = 0; t < m && ld[t] < top[k - 1]; ++t) {
            const double d = std::max(ld[t], maxdiff(xi, xs + li[t] * dx, dx));
            if (d < top[k - 1]) {
              for (int u = k - 1; u > 0; --u) top[u] = std::max(top[u - 1], std::min(top[u], d));
              top[0] = std::min(top[0], d);
            }
          }
          // unlisted rows have d_yz >= ld[m - 1]
          const double e = top[k - 1];
          const bool ok = complete || e <= ld[m - 1];
          epsv[p] = ok ? e : std::numeric_limits<double>::quiet_NaN();
          if (ok) rmax = std::max(rmax, e);
        }
        // Z space (multivariate): the rows with d_z below the largest eps, sorted
        if (cond && !zrun) tz.within(Z.row(i), self, rmax, zl);
        bool have_rows = false;  // the row's brute-force distances, on demand
        for (std::size_t p = 0; p < P; ++p) {
          const double* xs = &Xp[p * n * dx];
          const double* xi = xs + i * dx;
          const double eps = epsv[p];
          if (eps != eps) {
            if (!have_rows) row_distances(i, dzv.data(), dyzv.data());
            have_rows = true;
            brute_one(i, p, dzv.data(), dyzv.data(), dxv.data(), top.data());
            continue;
          }
          const auto nyz = static_cast<std::size_t>(std::lower_bound(ld.begin(), ld.end(), eps) - ld.begin());
          std::size_t nxz = 0, nz = 0;
          if (zrun) {
            const RunCount rc = strict_run_count(zsorted.data(), n, zrank[i], &xz_ord[p * n * dx],
                                                 static_cast<int>(dx), xi, eps);
            nz = others(rc.last - rc.first);
            nxz = others(rc.inside);
          } else if (cond) {
            nz = static_cast<std::size_t>(
                std::lower_bound(zl.begin(), zl.end(), std::make_pair(eps, std::uint32_t(0))) - zl.begin());
            for (std::size_t t = 0; t < nz; ++t) nxz += maxdiff(xi, xs + zl[t].second * dx, dx) < eps;
          } else {
            nxz = others(dx == 1 ? strict_count_sorted(xsorted.data(), n, xi[0], eps)
                                 : tx.count_within(xi, eps));
          }
          local[p * n + i] = term(nxz, nyz, nz);
        }
      }
    });
  }
  for (std::size_t p = 0; p < P; ++p) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += local[p * n + i];
    out[p] = cond ? psi[k] - s / static_cast<double>(n)
                  : psi[k] + psi[n] - s / static_cast<double>(n);
  }
}

}  // namespace nn::info
