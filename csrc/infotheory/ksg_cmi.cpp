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

// Below this many rows, or with fewer estimates than kListMinPerms in a call,
// every estimate is brute force over all pairs of rows (at n ~ 1000 a single
// estimate is cheaper that way than through trees and lists).
constexpr std::size_t kTreeMinRows = 64;
constexpr std::size_t kListMinPerms = 16;

}  // namespace

void ksg_cmi_perms(MatrixView<const double> X, MatrixView<const double> Y,
                   MatrixView<const double> Z, MatrixView<const std::int64_t> perms, int k,
                   double* out, int n_threads, std::size_t groups) {
  const std::size_t n = X.rows;
  if (Y.rows != n || Z.rows != n) throw std::invalid_argument("X, Y and Z must have n rows");
  if (k < 1 || static_cast<std::size_t>(k) >= n)
    throw std::invalid_argument("k must be in [1, n - 1]");
  if (groups < 1 || X.cols % groups != 0)
    throw std::invalid_argument("groups must be >= 1 and divide the columns of X");
  if (perms.rows > 0 && perms.cols != n) throw std::invalid_argument("perms must be (P, n)");
  if (perms.rows % groups != 0)
    throw std::invalid_argument("the rows of perms must be a multiple of groups");
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
  // Q estimates: group g (columns [g dx, (g + 1) dx) of X) under its P permutations
  const std::size_t P = std::max<std::size_t>(perms.rows / groups, 1), Q = groups * P;
  const std::size_t dx = X.cols / groups, dy = Y.cols, dz = Z.cols, dyz = dy + dz;
  // X of each estimate (its group, reordered by its permutation), contiguous: (Q, n, dx)
  std::vector<double> Xp(Q * n * dx);
  for (std::size_t q = 0; q < Q; ++q)
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t src = perms.rows ? static_cast<std::size_t>(perms(q, i)) : i;
      const double* xr = X.row(src) + (q / P) * dx;
      std::copy(xr, xr + dx, &Xp[(q * n + i) * dx]);
    }
  std::vector<double> local(Q * n);
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
  if (n < kTreeMinRows || Q < kListMinPerms || dx == 0 || dyz == 0) {
    // Brute force for row i and estimate q over all n rows: the reference
    // every faster path below reproduces.
    parallel_for(n, n_threads, 16, [&](std::size_t begin, std::size_t end, int) {
      std::vector<double> dzv(n), dyzv(n), dxv(n), top(k);
      for (std::size_t i = begin; i < end; ++i) {
        check_interrupt();
        row_distances(i, dzv.data(), dyzv.data());
        for (std::size_t q = 0; q < Q; ++q) {
          const double* xs = &Xp[q * n * dx];
          const double* xi = xs + i * dx;
          std::fill(top.begin(), top.end(), inf);
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
          local[q * n + i] = term(nxz, nyz, nz);
        }
      }
    });
  } else {
    // (Y, Z) space: 1-D (MI of a scalar Y) its values sorted, a row's
    // neighbours then come by merging outwards; otherwise a k-d tree.  Z space
    // (with Z): a k-d tree, or 1-D Z sorted.  MI: each group's X sorted / a
    // tree (n_x counts X's rows near the query, which no permutation changes).
    std::vector<double> yzp(n * dyz);
    for (std::size_t i = 0; i < n; ++i) {
      std::copy(Y.row(i), Y.row(i) + dy, &yzp[i * dyz]);
      if (cond) std::copy(Z.row(i), Z.row(i) + dz, &yzp[i * dyz + dy]);
    }
    const bool yz1 = dyz == 1;
    std::vector<double> ysorted;
    std::vector<std::uint32_t> yorder, yrank;
    KDTree tyz, tz;
    if (yz1) {
      yorder.resize(n);
      std::iota(yorder.begin(), yorder.end(), 0u);
      std::sort(yorder.begin(), yorder.end(), [&](std::uint32_t a, std::uint32_t c) {
        return yzp[a] < yzp[c] || (yzp[a] == yzp[c] && a < c);
      });
      ysorted.resize(n);
      yrank.resize(n);
      for (std::size_t r = 0; r < n; ++r) {
        ysorted[r] = yzp[yorder[r]];
        yrank[yorder[r]] = static_cast<std::uint32_t>(r);
      }
    } else {
      tyz.build(yzp.data(), n, static_cast<int>(dyz));
    }
    if (cond) tz.build(Z.data, n, static_cast<int>(dz));
    // 1-D Z: its values sorted (and each row's rank), and every estimate's X
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
      xz_ord.resize(Q * n * dx);
      for (std::size_t q = 0; q < Q; ++q)
        for (std::size_t r = 0; r < n; ++r)
          std::copy(&Xp[(q * n + o[r]) * dx], &Xp[(q * n + o[r]) * dx] + dx, &xz_ord[(q * n + r) * dx]);
    }
    std::vector<std::vector<double>> xsorted(cond ? 0 : groups);  // MI, 1-D X: sorted
    std::vector<KDTree> tx(!cond && dx > 1 ? groups : 0);           // MI, multivariate X
    if (!cond) {
      std::vector<double> xg(n * dx);
      for (std::size_t g = 0; g < groups; ++g) {
        for (std::size_t i = 0; i < n; ++i) std::copy(X.row(i) + g * dx, X.row(i) + (g + 1) * dx, &xg[i * dx]);
        if (dx == 1) {
          xsorted[g] = xg;
          std::sort(xsorted[g].begin(), xsorted[g].end());
        } else {
          tx[g].build(xg.data(), n, static_cast<int>(dx));
        }
      }
    }
    // Per row: its nearest (Y, Z)-space neighbours, ascending, shared by every
    // estimate, extended (doubled) whenever an estimate's walk reaches its end.
    // An estimate's K-th joint neighbour (joint distance max(d_x, d_yz) >= d_yz)
    // is found by walking that list until d_yz >= the current K-th, and n_yz is
    // a binary search in it.  With a multivariate Z, the rows with d_z below
    // the row's largest eps are then collected once (sorted, from the Z tree):
    // n_z is a binary search there and n_xz checks d_x over its first n_z rows.
    // Same distances, same strict comparisons as brute force: identical counts.
    // X of every estimate with the estimates innermost, (n, dx, Q): estimates
    // q, q + 1, ... walk the same list rows, so they read the same cache lines.
    std::vector<double> XT(n * dx * Q);
    for (std::size_t q = 0; q < Q; ++q)
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t c = 0; c < dx; ++c) XT[(j * dx + c) * Q + q] = Xp[(q * n + j) * dx + c];
    std::vector<double>().swap(Xp);
    // Rows are visited in an order that keeps neighbours together (sorted 1-D
    // Y, the (Y, Z) tree's leaves): the rows their walks read stay in cache.
    const std::vector<std::uint32_t>& visit_order = yz1 ? yorder : tyz.order();
    const std::size_t m0 = std::min<std::size_t>(n - 1, std::max<std::size_t>(64, 8 * static_cast<std::size_t>(k)));
    parallel_for(n, n_threads, 16, [&](std::size_t begin, std::size_t end, int) {
      std::vector<double> top(k), epsv(Q), ld;
      std::vector<std::uint32_t> li;
      std::vector<std::pair<double, std::uint32_t>> zl, full;
      std::vector<double> xi(dx);
      // max-norm X distance of estimate q between row i (xi) and row j
      auto xdist = [&](std::size_t q, std::size_t j) {
        const double* xj = &XT[j * dx * Q + q];
        double d = std::fabs(xi[0] - xj[0]);
        for (std::size_t c = 1; c < dx; ++c) d = std::max(d, std::fabs(xi[c] - xj[c * Q]));
        return d;
      };
      for (std::size_t pos = begin; pos < end; ++pos) {
        check_interrupt();
        const std::size_t i = visit_order[pos];
        const auto self = static_cast<std::uint32_t>(i);
        std::size_t lo = 0, hi = 0;  // 1-D (Y, Z): merge state, next rank below / above
        if (yz1) {
          lo = yrank[i];
          hi = yrank[i] + 1;
          ld.clear();
          li.clear();
        }
        // extend the list to min(want, n - 1) entries
        auto extend = [&](std::size_t want) {
          want = std::min(want, n - 1);
          if (yz1) {
            const double v = ysorted[yrank[i]];
            while (ld.size() < want) {
              const double a = lo > 0 ? std::fabs(ysorted[lo - 1] - v) : inf;
              const double b = hi < n ? std::fabs(ysorted[hi] - v) : inf;
              if (a <= b) {
                ld.push_back(a);
                li.push_back(yorder[--lo]);
              } else {
                ld.push_back(b);
                li.push_back(yorder[hi++]);
              }
            }
          } else if (want <= m0) {
            ld.resize(want);
            li.resize(want);
            tyz.nearest(&yzp[i * dyz], self, static_cast<int>(want), ld.data(), li.data());
          } else {  // the `want` nearest of all other rows by selection, then sorted
            full.clear();
            for (std::size_t j = 0; j < n; ++j)
              if (j != i) full.push_back({max_abs_diff(&yzp[i * dyz], &yzp[j * dyz], static_cast<int>(dyz)),
                                          static_cast<std::uint32_t>(j)});
            if (want < full.size()) std::nth_element(full.begin(), full.begin() + (want - 1), full.end());
            std::sort(full.begin(), full.begin() + want);
            ld.resize(want);
            li.resize(want);
            for (std::size_t t = 0; t < want; ++t) {
              ld[t] = full[t].first;
              li[t] = full[t].second;
            }
          }
        };
        extend(m0);
        // every estimate's eps first
        double rmax = 0.0;
        for (std::size_t q = 0; q < Q; ++q) {
          for (std::size_t c = 0; c < dx; ++c) xi[c] = XT[(i * dx + c) * Q + q];
          std::fill(top.begin(), top.end(), inf);
          for (std::size_t t = 0;; ++t) {
            if (t == ld.size()) {
              if (t == n - 1) break;
              // the longer list may order ties differently: walk it from the start
              extend(4 * t);
              std::fill(top.begin(), top.end(), inf);
              t = 0;
            }
            if (!(ld[t] < top[k - 1])) break;
            // branch-free insertion (d >= top[k - 1] leaves top unchanged)
            const double d = std::max(ld[t], xdist(q, li[t]));
            for (int u = k - 1; u > 0; --u) top[u] = std::max(top[u - 1], std::min(top[u], d));
            top[0] = std::min(top[0], d);
          }
          // unlisted rows have d_yz >= the last listed, >= top[k - 1]
          epsv[q] = top[k - 1];
          rmax = std::max(rmax, epsv[q]);
        }
        // Z space (multivariate): the rows with d_z below the largest eps, sorted
        if (cond && !zrun) tz.within(Z.row(i), self, rmax, zl);
        for (std::size_t q = 0; q < Q; ++q) {
          for (std::size_t c = 0; c < dx; ++c) xi[c] = XT[(i * dx + c) * Q + q];
          const double eps = epsv[q];
          const auto nyz = static_cast<std::size_t>(std::lower_bound(ld.begin(), ld.end(), eps) - ld.begin());
          std::size_t nxz = 0, nz = 0;
          if (zrun) {
            const RunCount rc = strict_run_count(zsorted.data(), n, zrank[i], &xz_ord[q * n * dx],
                                                 static_cast<int>(dx), xi.data(), eps);
            nz = others(rc.last - rc.first);
            nxz = others(rc.inside);
          } else if (cond) {
            nz = static_cast<std::size_t>(
                std::lower_bound(zl.begin(), zl.end(), std::make_pair(eps, std::uint32_t(0))) - zl.begin());
            for (std::size_t t = 0; t < nz; ++t) nxz += xdist(q, zl[t].second) < eps;
          } else {
            const std::size_t g = q / P;
            nxz = others(dx == 1 ? strict_count_sorted(xsorted[g].data(), n, xi[0], eps)
                                 : tx[g].count_within(xi.data(), eps));
          }
          local[q * n + i] = term(nxz, nyz, nz);
        }
      }
    });
  }
  for (std::size_t q = 0; q < Q; ++q) {
    double s = 0.0;
    for (std::size_t i = 0; i < n; ++i) s += local[q * n + i];
    out[q] = cond ? psi[k] - s / static_cast<double>(n)
                  : psi[k] + psi[n] - s / static_cast<double>(n);
  }
}

}  // namespace nn::info
