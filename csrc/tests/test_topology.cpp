// Kernel tests of csrc/topology, without Python (ctest -R topology).
//
// References independent of the engine: Kruskal's minimum spanning tree for
// H0, a closed form for a regular polygon (one H1 class, born at the side
// length); and the engine's routes (dense / sparse, float / double, collapse,
// threads, lazy streams) that must give identical diagrams.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "topology/edge_collapse.hpp"
#include "topology/rips.hpp"
#include "topology/rips_input.hpp"
#include "check.hpp"

namespace tp = nn::topology;

template <class E>
static bool throws(const std::function<void()>& f, const std::string& needle = "") {
  try {
    f();
  } catch (const E& e) {
    return needle.empty() || std::string(e.what()).find(needle) != std::string::npos;
  } catch (...) {
    return false;
  }
  return false;
}

using Pairs = std::vector<std::pair<double, double>>;

static Pairs sorted_pairs(const std::vector<double>& flat) {
  Pairs p;
  for (std::size_t k = 0; k + 1 < flat.size(); k += 2) p.emplace_back(flat[k], flat[k + 1]);
  std::sort(p.begin(), p.end());
  return p;
}

static bool same_diagrams(const tp::RipsResult& a, const tp::RipsResult& b) {
  if (a.pairs.size() != b.pairs.size()) return false;
  for (std::size_t d = 0; d < a.pairs.size(); ++d)
    if (sorted_pairs(a.pairs[d]) != sorted_pairs(b.pairs[d])) return false;
  return true;
}

static std::vector<double> distances(const std::vector<double>& pts, std::size_t n,
                                     std::size_t dim) {
  std::vector<double> D(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      double s = 0;
      for (std::size_t k = 0; k < dim; ++k) {
        const double t = pts[i * dim + k] - pts[j * dim + k];
        s += t * t;
      }
      D[i * n + j] = std::sqrt(s);
    }
  return D;
}

static std::vector<double> random_cloud(std::size_t n, std::size_t dim, unsigned seed) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> p(n * dim);
  for (double& x : p) x = u(g);
  return p;
}

// Kruskal: the finite H0 deaths of a Rips filtration are the MST edge lengths.
static std::vector<double> mst_lengths(const std::vector<double>& D, std::size_t n) {
  std::vector<std::tuple<double, std::size_t, std::size_t>> e;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j) e.emplace_back(D[i * n + j], i, j);
  std::sort(e.begin(), e.end());
  std::vector<std::size_t> parent(n);
  std::iota(parent.begin(), parent.end(), 0);
  std::function<std::size_t(std::size_t)> find = [&](std::size_t x) {
    return parent[x] == x ? x : parent[x] = find(parent[x]);
  };
  std::vector<double> out;
  for (auto& [d, i, j] : e) {
    const std::size_t a = find(i), b = find(j);
    if (a != b) {
      parent[a] = b;
      if (d > 0) out.push_back(d);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

static void test_h0_is_mst() {
  const std::size_t n = 40;
  const auto D = distances(random_cloud(n, 3, 1), n, 3);
  tp::InputOptions in;
  tp::RipsOptions opt;
  opt.maxdim = 0;
  for (bool f32 : {false, true}) {
    auto run = f32 ? tp::rips_dense_input<float>(D.data(), n, in, opt)
                   : tp::rips_dense_input<double>(D.data(), n, in, opt);
    std::vector<double> deaths;
    int essential = 0;
    for (auto& [b, d] : sorted_pairs(run.result.pairs[0])) {
      CHECK(b == 0.0);
      if (std::isinf(d)) ++essential; else deaths.push_back(d);
    }
    std::sort(deaths.begin(), deaths.end());
    CHECK(essential == 1);
    auto ref = mst_lengths(D, n);
    CHECK(deaths.size() == ref.size());
    for (std::size_t k = 0; k < std::min(ref.size(), deaths.size()); ++k)
      CHECK(f32 ? deaths[k] == static_cast<double>(static_cast<float>(ref[k]))
                : deaths[k] == ref[k]);
  }
}

static void test_polygon_has_one_loop() {
  // A regular 12-gon with unit circumradius: one H1 class, born at the side
  // length 2 sin(pi / 12).
  const std::size_t n = 12;
  std::vector<double> pts(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    pts[2 * i] = std::cos(2 * M_PI * i / n);
    pts[2 * i + 1] = std::sin(2 * M_PI * i / n);
  }
  const auto D = distances(pts, n, 2);
  tp::InputOptions in;
  tp::RipsOptions opt;
  opt.maxdim = 1;
  auto run = tp::rips_dense_input<double>(D.data(), n, in, opt);
  auto h1 = sorted_pairs(run.result.pairs[1]);
  CHECK(h1.size() == 1);
  if (h1.size() == 1) {
    CHECK(std::fabs(h1[0].first - 2 * std::sin(M_PI / n)) < 1e-12);
    CHECK(h1[0].second > h1[0].first);
  }
}

static void test_routes_agree() {
  const std::size_t n = 45;
  auto D = distances(random_cloud(n, 3, 7), n, 3);
  for (double& x : D) x = std::round(x * 16) / 16;  // ties, exactly representable in float
  tp::InputOptions in;
  tp::RipsOptions opt;
  opt.maxdim = 2;
  const auto base = tp::rips_dense_input<double>(D.data(), n, in, opt);
  const auto f32 = tp::rips_dense_input<float>(D.data(), n, in, opt);
  CHECK(same_diagrams(base.result, f32.result));
  tp::RipsOptions c = opt;
  c.collapse = true;
  CHECK(same_diagrams(base.result, tp::rips_dense_input<double>(D.data(), n, in, c).result));
  tp::RipsOptions t = opt;
  t.n_threads = 3;
  CHECK(same_diagrams(base.result, tp::rips_dense_input<double>(D.data(), n, in, t).result));
  tp::RipsOptions l = opt;
  l.lazy_after = 0;
  CHECK(same_diagrams(base.result, tp::rips_dense_input<double>(D.data(), n, in, l).result));
  // The same matrix as CSR (threshold = the dense run's, so the same edges).
  std::vector<std::int64_t> indptr{0}, indices;
  std::vector<double> values;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j)
      if (j != i && D[i * n + j] <= base.threshold) {
        indices.push_back(static_cast<std::int64_t>(j));
        values.push_back(D[i * n + j]);
      }
    indptr.push_back(static_cast<std::int64_t>(indices.size()));
  }
  const auto sp = tp::rips_sparse_input<double>(n, indptr.data(), indices.data(), values.data(),
                                                in, opt);
  CHECK(same_diagrams(base.result, sp.result));
  CHECK(sp.num_edges == base.num_edges);
}

static void test_bad_input() {
  const std::size_t n = 6;
  auto D = distances(random_cloud(n, 2, 3), n, 2);
  tp::InputOptions in;
  in.name = "D";
  tp::RipsOptions opt;
  auto run = [&](std::vector<double> M, const tp::InputOptions& o) {
    tp::rips_dense_input<double>(M.data(), n, o, opt);
  };
  auto M = D;
  M[1 * n + 2] = M[2 * n + 1] = NAN;
  CHECK(throws<tp::RipsInputError>([&] { run(M, in); }, "D must not contain NaN"));
  M = D;
  M[1 * n + 2] = M[2 * n + 1] = -1;
  CHECK(throws<tp::RipsInputError>([&] { run(M, in); }, "non-negative"));
  tp::InputOptions neg = in;
  neg.allow_negative = true;
  CHECK(!throws<std::exception>([&] { run(M, neg); }));
  M = D;
  M[1 * n + 2] += 0.5;
  CHECK(throws<tp::RipsInputError>([&] { run(M, in); }, "symmetric"));
  tp::InputOptions upper = in;
  upper.symmetry = tp::Symmetry::kUpper;  // the lower triangle is not read
  CHECK(!throws<std::exception>([&] { run(M, upper); }));
  M = D;
  M[1 * n + 2] = INFINITY;
  CHECK(throws<tp::RipsInputError>([&] { run(M, in); }, "infinite"));
  tp::InputOptions tiny = in;
  tiny.available = 10;  // bytes
  opt.maxdim = 2;
  CHECK(throws<tp::RipsMemoryError>([&] { run(D, tiny); }, "would need about"));
  CHECK(throws<tp::RipsInputError>([] { tp::check_index_range(1000000, 12); }, "overflow"));
  CHECK(!throws<std::exception>([] { tp::check_index_range(1000, 2); }));
  // sparse: duplicates and a missing mirror
  std::vector<std::int64_t> ip{0, 2, 3, 3}, ix{1, 1, 0};
  std::vector<double> v{1, 1, 1};
  CHECK(throws<tp::RipsInputError>(
      [&] { tp::rips_sparse_input<double>(3, ip.data(), ix.data(), v.data(), in, opt); },
      "duplicate"));
  std::vector<std::int64_t> ip2{0, 1, 1, 1}, ix2{1};
  CHECK(throws<tp::RipsInputError>(
      [&] { tp::rips_sparse_input<double>(3, ip2.data(), ix2.data(), v.data(), in, opt); },
      "symmetric"));
}

static void test_estimate_is_monotone() {
  const std::size_t n = 60;
  const auto D = distances(random_cloud(n, 3, 5), n, 3);
  tp::InputOptions in;
  in.estimate_only = true;
  in.auto_threshold = false;
  double last = -1;
  for (double thr : {0.1, 0.2, 0.4, 0.8}) {
    tp::RipsOptions opt;
    opt.maxdim = 2;
    opt.threshold = thr;
    const double e = tp::rips_dense_input<double>(D.data(), n, in, opt).estimated_bytes;
    CHECK(e >= last);
    last = e;
  }
}

int main() {
  test_h0_is_mst();
  test_polygon_has_one_loop();
  test_routes_agree();
  test_bad_input();
  test_estimate_is_monotone();
  if (g_failures == 0) std::printf("topology kernel tests: all passed\n");
  return g_failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
