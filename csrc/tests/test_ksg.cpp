// Kernel tests of the KSG estimators and their neighbour search, without Python
// (ctest -R ksg).
//
// References independent of the search structures: brute force over all pairs
// of points (the K-th neighbour distance by a full sort, strict counts by
// direct comparison), on continuous data and on data with many tied values
// (where the strict / non-strict conventions matter).  The fast routes (per
// target neighbour lists with >= 4 sources, per pair trees below; per-row
// lists with >= 16 permutations, brute force below) must agree with them.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <vector>

#include "infotheory/ksg.hpp"
#include "infotheory/ksg_cmi.hpp"
#include "infotheory/neighbours.hpp"
#include "check.hpp"

namespace info = nn::info;

static double psi(std::size_t m) {  // digamma at a positive integer
  double v = -0.57721566490153286061;
  for (std::size_t j = 1; j < m; ++j) v += 1.0 / static_cast<double>(j);
  return v;
}

static std::vector<double> data(std::size_t T, std::size_t N, bool ties, unsigned seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> nd;
  std::vector<double> X(T * N);
  for (auto& v : X) v = nd(g);
  if (N > 1)
    for (std::size_t t = 1; t < T; ++t) X[t * N + 1] += 0.6 * X[(t - 1) * N];  // 0 -> 1
  if (ties)
    for (auto& v : X) v = std::round(v * 2.0) / 2.0;
  return X;
}

// Standardised column (as the kernel: population sd, a constant column centred)
static std::vector<double> standardized(std::vector<double> v) {
  double mean = 0.0, var = 0.0;
  for (double u : v) mean += u;
  mean /= static_cast<double>(v.size());
  for (double u : v) var += (u - mean) * (u - mean);
  const double sd = std::sqrt(var / static_cast<double>(v.size()));
  for (double& u : v) u = (u - mean) * (sd > 0.0 ? 1.0 / sd : 1.0);
  return v;
}

// Brute-force KSG TE (k = l = delay = 1) from column i to column j, in nats.
static double te_brute(const std::vector<double>& X, std::size_t T, std::size_t N, std::size_t i,
                       std::size_t j, int K) {
  const std::size_t n = T - 1;
  std::vector<double> y(n), z(n), x(n);
  for (std::size_t s = 0; s < n; ++s) {
    y[s] = X[(s + 1) * N + j];
    z[s] = X[s * N + j];
    x[s] = X[s * N + i];
  }
  y = standardized(y);
  z = standardized(z);
  x = standardized(x);
  double acc = 0.0;
  std::vector<double> d;
  for (std::size_t s = 0; s < n; ++s) {
    d.clear();
    for (std::size_t t = 0; t < n; ++t)
      if (t != s)
        d.push_back(std::max({std::fabs(y[t] - y[s]), std::fabs(z[t] - z[s]), std::fabs(x[t] - x[s])}));
    std::nth_element(d.begin(), d.begin() + (K - 1), d.end());
    const double eps = d[K - 1];
    std::size_t nz = 0, nyz = 0, nxz = 0;
    for (std::size_t t = 0; t < n; ++t) {
      if (t == s) continue;
      const double dz = std::fabs(z[t] - z[s]);
      nz += dz < eps;
      nyz += std::max(dz, std::fabs(y[t] - y[s])) < eps;
      nxz += std::max(dz, std::fabs(x[t] - x[s])) < eps;
    }
    acc += psi(nz + 1) - psi(nyz + 1) - psi(nxz + 1);
  }
  return psi(K) + acc / static_cast<double>(n);
}

static void test_te_matches_brute_force() {
  for (bool ties : {false, true})
    for (std::size_t N : {2, 6})  // 2 sources: per-pair trees; 6: neighbour lists
      for (int K : {1, 4, 9}) {
        const std::size_t T = 301;
        const auto X = data(T, N, ties, 7 + static_cast<unsigned>(N + K));
        info::KsgSpec spec;
        spec.neighbours = K;
        std::vector<double> out(N * N);
        nn::MatrixView<const double> v{X.data(), T, N};
        for (int threads : {1, 2}) {
          info::te_ksg(v, v, spec, true, nn::MatrixView<double>{out.data(), N, N}, threads);
          for (std::size_t i = 0; i < N; ++i)
            for (std::size_t j = 0; j < N; ++j)
              if (i != j) CHECK(std::fabs(out[i * N + j] - te_brute(X, T, N, i, j, K)) < 1e-12);
        }
      }
}

// Brute-force KSG CMI I(X; Y | Z) (1-d X, Y; Z of dz columns, maybe none).
static double cmi_brute(const std::vector<double>& X, const std::vector<double>& Y,
                        const std::vector<double>& Z, std::size_t n, std::size_t dz, int K) {
  double acc = 0.0;
  std::vector<double> d;
  auto dzf = [&](std::size_t a, std::size_t b) {
    double m = 0.0;
    for (std::size_t c = 0; c < dz; ++c) m = std::max(m, std::fabs(Z[a * dz + c] - Z[b * dz + c]));
    return m;
  };
  for (std::size_t s = 0; s < n; ++s) {
    d.clear();
    for (std::size_t t = 0; t < n; ++t)
      if (t != s) d.push_back(std::max({std::fabs(X[t] - X[s]), std::fabs(Y[t] - Y[s]), dzf(s, t)}));
    std::nth_element(d.begin(), d.begin() + (K - 1), d.end());
    const double eps = d[K - 1];
    std::size_t nz = 0, nyz = 0, nxz = 0;
    for (std::size_t t = 0; t < n; ++t) {
      if (t == s) continue;
      const double c = dzf(s, t);
      nz += c < eps;
      nyz += std::max(c, std::fabs(Y[t] - Y[s])) < eps;
      nxz += std::max(c, std::fabs(X[t] - X[s])) < eps;
    }
    acc += dz ? psi(nxz + 1) + psi(nyz + 1) - psi(nz + 1) : psi(nxz + 1) + psi(nyz + 1);
  }
  return dz ? psi(K) - acc / static_cast<double>(n) : psi(K) + psi(n) - acc / static_cast<double>(n);
}

static void test_cmi_matches_brute_force() {
  std::mt19937_64 g(3);
  for (bool ties : {false, true})
    for (std::size_t dz : {0, 1, 3})
      for (int K : {1, 4}) {
        const std::size_t n = 200, P = 20;  // 20 permutations: the list route
        auto X = data(n, 1, ties, 11), Y = data(n, 1, ties, 12), Z = data(n, dz ? dz : 1, ties, 13);
        for (std::size_t s = 0; s < n; ++s) Y[s] += X[s] * X[s];
        std::vector<std::int64_t> perms(P * n);
        for (std::size_t p = 0; p < P; ++p) {
          std::vector<std::int64_t> r(n);
          for (std::size_t s = 0; s < n; ++s) r[s] = static_cast<std::int64_t>(s);
          std::shuffle(r.begin(), r.end(), g);
          std::copy(r.begin(), r.end(), perms.begin() + p * n);
        }
        std::vector<double> out(P);
        info::ksg_cmi_perms(nn::MatrixView<const double>{X.data(), n, 1},
                            nn::MatrixView<const double>{Y.data(), n, 1},
                            nn::MatrixView<const double>{Z.data(), n, dz},
                            nn::MatrixView<const std::int64_t>{perms.data(), P, n}, K, out.data(), 2);
        for (std::size_t p = 0; p < P; ++p) {
          std::vector<double> Xp(n);
          for (std::size_t s = 0; s < n; ++s) Xp[s] = X[perms[p * n + s]];
          CHECK(std::fabs(out[p] - cmi_brute(Xp, Y, Z, n, dz, K)) < 1e-12);
        }
      }
  // a row of perms that is not a permutation is refused
  std::vector<double> X(100, 1.0);
  std::vector<std::int64_t> bad(100, 0);
  double o = 0.0;
  bool threw = false;
  try {
    info::ksg_cmi_perms(nn::MatrixView<const double>{X.data(), 100, 1},
                        nn::MatrixView<const double>{X.data(), 100, 1},
                        nn::MatrixView<const double>{X.data(), 100, 0},
                        nn::MatrixView<const std::int64_t>{bad.data(), 1, 100}, 4, &o, 1);
  } catch (const std::invalid_argument&) {
    threw = true;
  }
  CHECK(threw);
}

static void test_search_primitives() {
  for (bool ties : {false, true}) {
    const std::size_t n = 500;
    const int D = 3, m = 40;
    const auto P = data(n, D, ties, 21);
    info::KDTree tree;
    tree.build(P.data(), n, D);
    std::vector<double> d(m), ref;
    std::vector<std::uint32_t> id(m);
    std::vector<double> heap(5);
    for (std::size_t s = 0; s < n; s += 7) {
      ref.clear();
      for (std::size_t t = 0; t < n; ++t)
        if (t != s) ref.push_back(info::max_abs_diff(&P[t * D], &P[s * D], D));
      std::sort(ref.begin(), ref.end());
      tree.nearest(&P[s * D], static_cast<std::uint32_t>(s), m, d.data(), id.data());
      for (int t = 0; t < m; ++t) {
        CHECK(d[t] == ref[t]);
        CHECK(id[t] != s && d[t] == info::max_abs_diff(&P[id[t] * D], &P[s * D], D));
      }
      CHECK(tree.kth_distance(&P[s * D], static_cast<std::uint32_t>(s), 5, heap.data()) == ref[4]);
      const double r = ref[10];
      std::size_t c = 1;  // the query itself
      for (double v : ref) c += v < r;
      CHECK(tree.count_within(&P[s * D], r) == c);
    }
    // the run of sorted values within r and the rows inside it (1-d and 2-d rows)
    std::vector<double> zs(n), rows1(n), rows2(2 * n);
    for (std::size_t t = 0; t < n; ++t) {
      zs[t] = P[t * D];
      rows1[t] = P[t * D + 1];
    }
    std::sort(zs.begin(), zs.end());
    for (std::size_t t = 0; t < n; ++t) {
      rows2[2 * t] = rows1[t];
      rows2[2 * t + 1] = P[t * D + 2];
    }
    for (std::size_t at = 0; at < n; at += 13)
      for (double r : {0.0, 0.05, 0.5, 1.0, 10.0})
        for (int dim : {1, 2}) {
          const double* rows = dim == 1 ? rows1.data() : rows2.data();
          const double* x = rows + (at * dim);
          const auto rc = info::strict_run_count(zs.data(), n, at, rows, dim, x, r);
          std::size_t first = n, last = 0, inside = 0;
          for (std::size_t t = 0; t < n; ++t)
            if (std::fabs(zs[t] - zs[at]) < r) {
              first = std::min(first, t);
              last = t + 1;
              inside += info::max_abs_diff(rows + t * dim, x, dim) < r;
            }
          if (last == 0) first = last = at;
          CHECK(rc.first == first && rc.last == last && rc.inside == inside);
        }
  }
}

int main() {
  test_te_matches_brute_force();
  test_cmi_matches_brute_force();
  test_search_primitives();
  if (g_failures == 0) std::printf("KSG kernel tests: all passed\n");
  return g_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
