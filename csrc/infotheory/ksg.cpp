#include "infotheory/ksg.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "common/interrupt.hpp"
#include "common/parallel.hpp"
#include "infotheory/neighbours.hpp"
#include "infotheory/run.hpp"

namespace nn {
namespace info {

namespace {

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

// From this many sources on, each target's yz-space neighbour lists are built
// once and shared by all its sources (building them costs about as much as a
// few pairs' joint k-d trees).
constexpr std::size_t kListMinSources = 4;
// Neighbours listed per point (at least 8 K): a point's K-th joint neighbour is
// almost always among them unless its x is far from theirs.
constexpr std::size_t kListLen = 48;
// Bytes of neighbour lists held at once (targets are processed in batches).
constexpr std::size_t kListBytes = std::size_t(64) << 20;

int ksg_list_length(std::size_t n, int K) {
  const std::size_t m = std::max<std::size_t>(kListLen, 8 * static_cast<std::size_t>(K));
  return static_cast<int>(std::min(m, n - 1));
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
  // k = 1: the z space is 1-D: its sorted values and the time index of each
  std::vector<double> zsorted(k == 1 ? Nt * n : 0);
  std::vector<std::uint32_t> zorder(k == 1 ? Nt * n : 0), zrank(zorder.size());
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
      tree_yz[j].build(P, n, Dyz);
      if (k == 1) {
        std::uint32_t* o = zorder.data() + j * n;
        std::iota(o, o + n, 0u);
        std::sort(o, o + n, [&](std::uint32_t a, std::uint32_t c) {
          return P[a * Dyz + 1] < P[c * Dyz + 1] || (P[a * Dyz + 1] == P[c * Dyz + 1] && a < c);
        });
        for (std::size_t r = 0; r < n; ++r) {
          zsorted[j * n + r] = P[o[r] * Dyz + 1];
          zrank[j * n + o[r]] = static_cast<std::uint32_t>(r);
        }
      } else {
        for (std::size_t s = 0; s < n; ++s)
          for (int q = 1; q <= k; ++q) z[s * k + q - 1] = P[s * Dyz + q];
        tree_z[j].build(z.data(), n, k);
      }
    }
  });

  // Source lag columns x_{t-delay-q}, q < l, standardised over the used samples.
  std::vector<double> SX(Ns * n * l);
  const bool use_lists = Ns >= kListMinSources;
  std::vector<double> xsorted(use_lists ? Ns * n : 0);
  std::vector<std::uint32_t> xorder(xsorted.size()), xrank(xsorted.size());
  run_parallel(Ns, n_threads, 4, [&](std::size_t b, std::size_t e, int) {
    for (std::size_t i = b; i < e; ++i) {
      double* B = SX.data() + i * n * l;
      for (std::size_t s = 0; s < n; ++s)
        for (int q = 0; q < l; ++q)
          B[s * l + q] = src(L.t0 + s - static_cast<std::size_t>(spec.delay) - q, i);
      for (int q = 0; q < l; ++q) standardize_column(B, n, l, q);
      if (xsorted.empty()) continue;
      // x_0 sorted (and each time point's rank): the fallback search below
      std::uint32_t* o = xorder.data() + i * n;
      std::iota(o, o + n, 0u);
      std::sort(o, o + n, [&](std::uint32_t a, std::uint32_t c) {
        return B[a * l] < B[c * l] || (B[a * l] == B[c * l] && a < c);
      });
      for (std::size_t r = 0; r < n; ++r) {
        xsorted[i * n + r] = B[o[r] * l];
        xrank[i * n + o[r]] = static_cast<std::uint32_t>(r);
      }
    }
  });

  // One (source i, target j) pair.  The K-th neighbour distance eps in the
  // joint space (y, z, x) comes either from a k-d tree of the pair's joint
  // points or, with `nbd`/`nbi` (the target's m nearest yz-space neighbours of
  // every point, ascending), from walking that list: the joint distance is
  // max(d_yz, d_x) >= d_yz, so the walk stops at the first listed point with
  // d_yz >= the current K-th joint distance, and n_yz is a binary search in the
  // list.  A point whose list runs out first (its x far from its neighbours')
  // scans the points near it in sorted x_0 instead.  For k = 1, n_z is the run
  // of the sorted z values within eps around z_s and n_xz a count of
  // |x - x_s| < eps over the same run (x in z order), both in one vectorised
  // outward scan.  Every count is the same strict comparison of the same
  // floating-point distances as a tree search: identical values whichever
  // path answers (and the terms are summed in time order).
  const int D = 1 + k + l, Dxz = k + l;
  struct Scratch {
    std::vector<double> joint, xz, xo, heap, term;
    KDTree tj, txz;
  };
  std::vector<Scratch> scratch(static_cast<std::size_t>(n_threads));
  auto pair_te = [&](std::size_t i, std::size_t j, Scratch& w, const double* nbd,
                     const std::uint32_t* nbi, int m) -> double {
    const double* P = yz.data() + j * n * Dyz;
    const double* X = SX.data() + i * n * l;
    const bool lists = nbd != nullptr;
    const bool complete = lists && static_cast<std::size_t>(m) + 1 == n;
    w.heap.resize(K);
    w.term.resize(n);
    auto build_joint = [&] {
      w.joint.resize(n * D);
      for (std::size_t s = 0; s < n; ++s) {
        double* J = w.joint.data() + s * D;
        for (int q = 0; q < Dyz; ++q) J[q] = P[s * Dyz + q];
        for (int q = 0; q < l; ++q) J[Dyz + q] = X[s * l + q];
      }
      w.tj.build(w.joint.data(), n, D);
    };
    if (k == 1) {
      const std::uint32_t* zo = zorder.data() + j * n;
      w.xo.resize(n * l);
      for (std::size_t r = 0; r < n; ++r)
        for (int q = 0; q < l; ++q) w.xo[r * l + q] = X[zo[r] * l + q];
    } else {
      w.xz.resize(n * Dxz);
      for (std::size_t s = 0; s < n; ++s) {
        double* Q = w.xz.data() + s * Dxz;
        for (int q = 1; q <= k; ++q) Q[q - 1] = P[s * Dyz + q];
        for (int q = 0; q < l; ++q) Q[k + q] = X[s * l + q];
      }
      w.txz.build(w.xz.data(), n, Dxz);
    }
    if (!lists) build_joint();
    double* top = w.heap.data();
    auto insert = [&](double v) {  // into the K smallest, ascending (branch-free)
      for (int u = K - 1; u > 0; --u) top[u] = std::max(top[u - 1], std::min(top[u], v));
      top[0] = std::min(top[0], v);
    };
    for (std::size_t r = 0; r < n; ++r) {
      if ((r & 255) == 0) check_interrupt();
      // lists: time order; tree: the joint tree's leaf order (neighbouring
      // queries visit the same nodes); terms are summed in time order below
      const std::size_t s = lists ? r : w.tj.order()[r];
      const double* Ps = P + s * Dyz;
      const double* Xs = X + s * l;
      double eps;
      std::size_t nyz;
      if (lists) {
        const double* d = nbd + s * m;
        const std::uint32_t* id = nbi + s * m;
        std::fill(top, top + K, INFINITY);
        // blocks of 8 list entries (branch-free distances, then the rare
        // inserts); entries past the stop point have d >= top[K - 1], so their
        // joint distances are not inserted either
        for (int t0 = 0; t0 < m && d[t0] < top[K - 1]; t0 += 8) {
          const int len = std::min(8, m - t0);
          double vb[8];
          if (l == 1) {
            const double x = Xs[0];
            for (int u = 0; u < len; ++u)
              vb[u] = std::max(d[t0 + u], std::fabs(X[id[t0 + u]] - x));
          } else {
            for (int u = 0; u < len; ++u)
              vb[u] = std::max(d[t0 + u], max_abs_diff(X + static_cast<std::size_t>(id[t0 + u]) * l, Xs, l));
          }
          // candidates below the block's starting bound (few after the first block)
          const double bound = top[K - 1];
          unsigned mask = 0;
          for (int u = 0; u < len; ++u) mask |= static_cast<unsigned>(vb[u] < bound) << u;
          for (; mask != 0; mask &= mask - 1) {
            const double v = vb[lowest_bit(mask)];
            if (v < top[K - 1]) insert(v);
          }
        }
        eps = top[K - 1];
        // unlisted points have d_yz >= d[m - 1]: exact when eps <= d[m - 1]
        if (complete || eps <= d[m - 1]) {
          nyz = static_cast<std::size_t>(std::lower_bound(d, d + m, eps) - d);
        } else {
          // The list ran out (x far from its neighbours' x).  eps is at most
          // the K-th listed joint distance (top[K - 1]): scan the points with
          // |x_0 - x_s,0| below that bound, outwards in x_0 order, from K
          // copies of the bound (the K-th smallest of the bound and every
          // smaller distance is the K-th smallest overall).
          const double* xs = xsorted.data() + i * n;
          const std::uint32_t* xo = xorder.data() + i * n;
          const double x0 = Xs[0];
          std::fill(top, top + K, top[K - 1]);
          auto visit = [&](std::size_t pos) {
            const std::size_t t = xo[pos];
            if (t == s) return;
            const double v = std::max(max_abs_diff(P + t * Dyz, Ps, Dyz),
                                      max_abs_diff(X + t * l, Xs, l));
            if (v < top[K - 1]) insert(v);
          };
          const std::size_t at = xrank[i * n + s];
          for (std::size_t pos = at; pos < n && std::fabs(xs[pos] - x0) < top[K - 1]; ++pos) visit(pos);
          for (std::size_t pos = at; pos-- > 0 && std::fabs(xs[pos] - x0) < top[K - 1];) visit(pos);
          eps = top[K - 1];
          nyz = others(tree_yz[j].count_within(Ps, eps));
        }
      } else {
        eps = w.tj.kth_distance(w.joint.data() + s * D, static_cast<std::uint32_t>(s), K, top);
        nyz = others(tree_yz[j].count_within(Ps, eps));
      }
      std::size_t nz, nxz;
      if (k == 1) {
        const RunCount rc = strict_run_count(zsorted.data() + j * n, n, zrank[j * n + s], w.xo.data(), l, Xs, eps);
        nz = others(rc.last - rc.first);
        nxz = others(rc.inside);
      } else {
        nz = others(tree_z[j].count_within(Ps + 1, eps));
        nxz = others(w.txz.count_within(w.xz.data() + s * Dxz, eps));
      }
      w.term[s] = psi[nz + 1] - psi[nyz + 1] - psi[nxz + 1];
    }
    double acc = 0.0;
    for (std::size_t s = 0; s < n; ++s) acc += w.term[s];
    return psi[K] + acc / static_cast<double>(n);
  };

  if (!use_lists) {
    run_parallel(Ns * Nt, n_threads, 1, [&](std::size_t pb, std::size_t pe, int worker) {
      for (std::size_t p = pb; p < pe; ++p) {
        check_interrupt();
        const std::size_t i = p / Nt, j = p % Nt;
        out(i, j) = zero_diagonal && i == j ? 0.0 : pair_te(i, j, scratch[worker], nullptr, nullptr, 0);
      }
    });
    return;
  }
  // Neighbour lists: built once per target, shared by all its sources; targets
  // in batches that bound the lists' memory.
  const int m = ksg_list_length(n, K);
  const std::size_t per_target = n * static_cast<std::size_t>(m);
  const std::size_t batch =
      std::max<std::size_t>(1, std::min(Nt, kListBytes / (per_target * (sizeof(double) + 4))));
  std::vector<double> nbd(std::min(batch, Nt) * per_target);
  std::vector<std::uint32_t> nbi(nbd.size());
  constexpr std::size_t kBlock = 256;
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  for (std::size_t j0 = 0; j0 < Nt; j0 += batch) {
    const std::size_t nb = std::min(batch, Nt - j0);
    run_parallel(nb * blocks, n_threads, 1, [&](std::size_t b, std::size_t e, int) {
      for (std::size_t item = b; item < e; ++item) {
        check_interrupt();
        const std::size_t jj = item / blocks, s0 = (item % blocks) * kBlock;
        const double* P = yz.data() + (j0 + jj) * n * Dyz;
        for (std::size_t s = s0; s < std::min(n, s0 + kBlock); ++s)
          tree_yz[j0 + jj].nearest(P + s * Dyz, static_cast<std::uint32_t>(s), m,
                                   nbd.data() + jj * per_target + s * m,
                                   nbi.data() + jj * per_target + s * m);
      }
    });
    // pairs target-major: consecutive pairs share a target's lists
    run_parallel(nb * Ns, n_threads, 1, [&](std::size_t pb, std::size_t pe, int worker) {
      for (std::size_t p = pb; p < pe; ++p) {
        check_interrupt();
        const std::size_t jj = p / Ns, i = p % Ns, j = j0 + jj;
        out(i, j) = zero_diagonal && i == j
                        ? 0.0
                        : pair_te(i, j, scratch[worker], nbd.data() + jj * per_target,
                                  nbi.data() + jj * per_target, m);
      }
    });
  }
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
